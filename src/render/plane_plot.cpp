// A plane through a network's weight space (/plane): the loss map with its
// contours and the accuracy map side by side, the center and the solutions
// marked, a PCA trajectory drawn through them; a line: the loss along it,
// with the barrier between two solutions marked.
#include "render/plane_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "config/run_config.hpp"
#include "io/plane_io.hpp"
#include "io/spectra_io.hpp"
#include "render/colour.hpp"
#include "render/panels.hpp"
#include "render/png_writer.hpp"

namespace trilo::render {

namespace {

using config::BadInput;

std::string attr(const io::Attributes& a, const std::string& name) {
  for (const auto& [k, v] : a)
    if (k == name) return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : io::attr_text(v);
  return "";
}

std::vector<double> reals(const io::Attributes& a, const std::string& name) {
  for (const auto& [k, v] : a)
    if (k == name) {
      if (const auto* r = std::get_if<std::vector<double>>(&v)) return *r;
      if (const auto* d = std::get_if<double>(&v)) return {*d};
    }
  return {};
}

// A picture of `panels` panels side by side: its size (the options', or
// the default for that many panels), font, style, the title's size and where
// the panels start below it, and the canvas.
struct Sheet {
  Sheet(const RenderOptions& opt, int panels)
      : width(opt.width ? opt.width : (panels == 2 ? 1500 : 800)),
        height(opt.height ? opt.height : 640),
        font(opt.font),
        s(picture_style(font, width, height, panels)),
        title_px(s.text_px + 6),
        top(static_cast<int>(title_px * 2.0)),
        c(width, height) {
    if (panels == 2) s.side = loss_side(s);
  }
  const int width, height;
  const Font font;
  Style s;
  const int title_px, top;
  Canvas c;
};

// The center, the solutions of `through` and a projected trajectory.
void draw_plane_marks(Canvas& c, const Style& s, const io::PlaneMaps& p, const Frame& f) {
  c.set_clip(f.x0, f.y0, f.x1, f.y1);
  if (!p.path_alpha.empty() && !p.path_beta.empty()) {
    std::vector<Point> line;
    for (std::size_t i = 0; i < p.path_alpha.size(); ++i) line.push_back(f.to_px(p.path_alpha[i], p.path_beta[i]));
    c.polyline(line, {230, 60, 40}, std::max(1.5, s.line * 1.5));
    for (const Point& q : line) c.disc(q, std::max(1.5, s.text_px * 0.15), {230, 60, 40});
  }
  const std::vector<double> sol = reals(p.attributes, "solution_coords");
  for (std::size_t i = 2; i + 1 < sol.size(); i += 2)  // (0, 0) is the center
    draw_marker(c, Marker::kDiamond, f.to_px(sol[i], sol[i + 1]), s.text_px * 0.5, {255, 200, 40}, kBlack);
  draw_marker(c, Marker::kStar, f.to_px(0, 0), s.text_px * 0.6, {255, 80, 80}, kBlack);
  c.clear_clip();
}

// The center on a line's loss curve, and the barrier between two solutions.
void draw_line_marks(Canvas& c, const Style& s, const io::PlaneMaps& p, const Frame& f) {
  const std::vector<double> ends = reals(p.attributes, "end_loss");
  const std::vector<double> b = reals(p.attributes, "barrier");
  const std::vector<double> at = reals(p.attributes, "barrier_alpha");
  c.set_clip(f.x0, f.y0, f.x1, f.y1);
  // The center at alpha = 0: its loss is the node's there (a line's ends are exact).
  std::size_t at0 = 0;
  for (std::size_t i = 0; i < p.axes.coord0.size(); ++i)
    if (std::abs(p.axes.coord0[i]) < std::abs(p.axes.coord0[at0])) at0 = i;
  const double x0 = ends.empty() ? p.axes.coord0[at0] : 0.0, y0 = ends.empty() ? p.loss[at0] : ends[0];
  draw_marker(c, Marker::kStar, f.to_px(x0, y0), s.text_px * 0.6, {255, 80, 80}, kBlack);
  if (ends.size() == 2 && b.size() == 1 && at.size() == 1) {
    draw_marker(c, Marker::kDiamond, f.to_px(1, ends[1]), s.text_px * 0.5, {255, 200, 40}, kBlack);
    const double base = std::max(ends[0], ends[1]), top = base + b[0];
    c.polyline({f.to_px(f.lo0, base), f.to_px(f.hi0, base)}, {120, 120, 120}, 1.0, 1.0, 5);
    c.line(f.to_px(at[0], base), f.to_px(at[0], top), {200, 40, 40}, 2.0);
    c.clear_clip();
    char buf[96];
    std::snprintf(buf, sizeof buf, "barrier %s at alpha %s", number_text(b[0]).c_str(), number_text(at[0]).c_str());
    const Point q = f.to_px(at[0], top);
    s.font->draw(c, buf, std::clamp(q.x, f.x0 + 4.0, f.x1 - 4.0), std::max(q.y - 4, f.y0 + s.text_px * 1.2),
                 s.text_px, {160, 20, 20}, q.x > (f.x0 + f.x1) / 2.0 ? Align::kEnd : Align::kStart, Align::kEnd);
  }
  c.clear_clip();
}

}  // namespace

std::string render_plane(const RenderOptions& opt) {
  if (opt.panel != "auto" && opt.panel != "loss" && opt.panel != "both")
    throw BadInput("--panel " + opt.panel + ": a plane through weight space has loss and accuracy panels (auto, loss, both)");
  io::PlaneMaps p;
  std::string model, data;
  try {
    p = io::read_plane(opt.input);
    model = attr(p.file_attributes, "model");
    data = attr(p.file_attributes, "data");
  } catch (const std::runtime_error& e) {
    throw BadInput(e.what());
  }
  const bool line = p.axes.one_d();
  const int n = line || opt.panel == "loss" ? 1 : 2;
  Sheet sheet(opt, n);
  const int width = sheet.width, height = sheet.height, title_px = sheet.title_px, top = sheet.top;
  const Font& font = sheet.font;
  const Style& s = sheet.s;
  Canvas& c = sheet.c;
  const std::string kind = attr(p.attributes, "directions");
  std::string title = opt.title;
  if (title.empty()) {
    title = model + " on " + data + "  ·  " + (line ? "line" : "plane") + ", " + kind + " directions";
    title += kind == "through" ? " (" + attr(p.attributes, "solutions") + ")"
                               : ", center " + attr(p.attributes, "center_source");
  }
  font.draw(c, title, width / 2.0, title_px * 0.5, title_px, {20, 20, 20}, Align::kCentre, Align::kStart);

  Scene sc;  // the maps as a grid, so the lattice panels draw them
  sc.result.has_grid = true;
  sc.result.grid.axes = p.axes;
  sc.result.grid.loss = p.loss;
  std::string note = "trilobite render of " + opt.input;
  const Box left{0, top, width / n, height};
  Frame f;
  try {
    if (line) {
      f = draw_line_panel(c, s, sc, left);
      draw_line_marks(c, s, p, f);
    } else {
      f = draw_loss_panel(c, s, sc, left, opt, "training loss");
      draw_plane_marks(c, s, p, f);
    }
    note += "; panel=loss px=" + std::to_string(f.x0) + "," + std::to_string(f.y0) + "," + std::to_string(f.x1) +
            "," + std::to_string(f.y1);
    if (n == 2) {
      sc.result.grid.loss = p.accuracy;
      RenderOptions linear = opt;
      linear.scale = "linear";
      const Frame g = draw_loss_panel(c, s, sc, Box{width / 2, top, width, height}, linear, "training accuracy");
      draw_plane_marks(c, s, p, g);
      note += "; panel=accuracy px=" + std::to_string(g.x0) + "," + std::to_string(g.y0) + "," +
              std::to_string(g.x1) + "," + std::to_string(g.y1);
    }
  } catch (const std::invalid_argument& e) {
    throw BadInput("cannot draw '" + opt.input + "': " + e.what());
  }
  write_png(c, opt.output, opt.force, note);
  return "wrote " + opt.output + " (" + std::to_string(width) + " x " + std::to_string(height) + ", " +
         (line ? std::string("line") : n == 2 ? std::string("loss + accuracy") : std::string("loss")) + "): " + title;
}

std::string render_start_basins(const RenderOptions& opt) {
  if (opt.panel != "auto" && opt.panel != "basins" && opt.panel != "both")
    throw BadInput("--panel " + opt.panel + ": a basin map of initialisations has basins and accuracy panels (auto, basins, both)");
  io::StartBasins b;
  try {
    b = io::read_start_basins(opt.input);
  } catch (const std::runtime_error& e) {
    throw BadInput(e.what());
  }
  const int n = opt.panel == "basins" ? 1 : 2;
  Sheet sheet(opt, n);
  const int width = sheet.width, height = sheet.height, title_px = sheet.title_px, top = sheet.top;
  const Font& font = sheet.font;
  const Style& s = sheet.s;
  Canvas& c = sheet.c;
  const std::string title =
      !opt.title.empty() ? opt.title
                         : attr(b.file_attributes, "model") + " on " + b.data +
                               "  ·  initialisations, " + b.directions + " directions";
  font.draw(c, title, width / 2.0, title_px * 0.5, title_px, {20, 20, 20}, Align::kCentre, Align::kStart);

  // The map as a lattice of basins; the minima have no place on the plane
  // (they are functions), so they appear in the legend only, by loss.
  Scene sc;
  sc.result.has_basins = true;
  sc.result.basins.axes = b.axes;
  sc.result.basins.label = b.label;
  sc.result.basins.fraction = b.fraction;
  // "none": the cells whose training diverged (a network's training that
  // ran its epochs still reached a function).
  sc.result.basins.unconverged_fraction =
      static_cast<double>(std::count(b.label.begin(), b.label.end(), -1)) / static_cast<double>(b.label.size());
  analysis::MinimaTable& m = sc.result.minima;
  m.dim = 2;
  m.n_minima = static_cast<std::int64_t>(b.minima_loss.size());
  m.loss = b.minima_loss;
  m.position.assign(2 * b.minima_loss.size(), std::nan(""));
  m.kind.assign(b.minima_loss.size(), 0);
  std::string note = "trilobite render of " + opt.input;
  try {
    Style left = s;
    left.side = 0;  // the legend's own width
    const Frame f = draw_basin_panel(c, left, sc, Box{0, top, width / n, height});
    draw_marker(c, Marker::kStar, f.to_px(0, 0), s.text_px * 0.6, {255, 80, 80}, kBlack);
    note += "; panel=basins px=" + std::to_string(f.x0) + "," + std::to_string(f.y0) + "," + std::to_string(f.x1) +
            "," + std::to_string(f.y1);
    if (n == 2) {
      const bool test = !b.test_accuracy.empty();
      sc.result.has_grid = true;
      sc.result.grid.axes = b.axes;
      sc.result.grid.loss = test ? b.test_accuracy : b.accuracy;
      RenderOptions linear = opt;
      linear.scale = "linear";
      const Frame g = draw_loss_panel(c, s, sc, Box{width / 2, top, width, height}, linear,
                                      test ? "final test accuracy" : "final training accuracy");
      note += "; panel=accuracy px=" + std::to_string(g.x0) + "," + std::to_string(g.y0) + "," +
              std::to_string(g.x1) + "," + std::to_string(g.y1);
    }
  } catch (const std::invalid_argument& e) {
    throw BadInput("cannot draw '" + opt.input + "': " + e.what());
  }
  write_png(c, opt.output, opt.force, note);
  return "wrote " + opt.output + " (" + std::to_string(width) + " x " + std::to_string(height) + ", basin map of initialisations)";
}

std::string render_density(const RenderOptions& opt) {
  io::MinimaDensity d;
  std::vector<std::int64_t> count;
  try {
    if (!io::read_density(opt.input, d, count)) return "";
  } catch (const std::runtime_error& e) {
    throw BadInput(e.what());
  }
  if (opt.panel != "auto" && opt.panel != "density")
    throw BadInput("--panel " + opt.panel + ": a network file's picture is its eigenvalue density (auto, density)");
  const int width = opt.width ? opt.width : 900;
  const int height = opt.height ? opt.height : 600;
  const Font font(opt.font);
  Style s = picture_style(font, width, height, 1);
  const int title_px = s.text_px + 6;
  Canvas c(width, height);
  font.draw(c, opt.title.empty() ? std::string("Hessian eigenvalue density at the minima") : opt.title, width / 2.0,
            title_px * 0.5, title_px, {20, 20, 20}, Align::kCentre, Align::kStart);
  // log10 of the density, floored at 1e-8 of each curve's peak (PyHessian's
  // plots are log-scale; the Gaussian tails would otherwise fill the range).
  const std::size_t bins = d.grid.size();
  std::vector<std::size_t> shown;
  double lo = INFINITY, hi = -INFINITY;
  std::vector<std::vector<double>> curves;
  for (std::size_t m = 0; m < count.size(); ++m) {
    const double* row = d.density.data() + m * bins;
    if (!std::isfinite(row[0])) continue;  // not examined
    double peak = 0;
    for (std::size_t i = 0; i < bins; ++i) peak = std::max(peak, row[i]);
    std::vector<double> y(bins);
    for (std::size_t i = 0; i < bins; ++i) {
      y[i] = std::log10(std::max(row[i], peak * 1e-8 + 1e-300));
      lo = std::min(lo, y[i]), hi = std::max(hi, y[i]);
    }
    shown.push_back(m);
    curves.push_back(std::move(y));
  }
  if (curves.empty()) throw BadInput("'" + opt.input + "': the density holds no examined minimum");
  Frame f = fit_frame(Box{0, static_cast<int>(title_px * 2.0), width, height}, s, s.text_px * 12, 0);
  f.lo0 = d.grid.front();
  f.hi0 = d.grid.back() > f.lo0 ? d.grid.back() : f.lo0 + 1;
  f.lo1 = lo - 0.3;
  f.hi1 = hi + 0.3;
  c.set_clip(f.x0, f.y0, f.x1, f.y1);
  for (std::size_t k = 0; k < curves.size(); ++k) {
    std::vector<Point> line;
    for (std::size_t i = 0; i < bins; ++i) line.push_back(f.to_px(d.grid[i], curves[k][i]));
    c.polyline(line, basin_colour(static_cast<int>(shown[k])), 1.8);
  }
  c.clear_clip();
  draw_axes(c, s, f, "eigenvalue", "log10 density", "");
  for (std::size_t k = 0; k < shown.size() && k < 12; ++k) {
    const double y = f.y0 + s.text_px * (1.5 + 1.45 * static_cast<double>(k));
    c.fill_rect(f.x1 + s.text_px, static_cast<int>(y - s.text_px * 0.4), f.x1 + 2 * s.text_px,
                static_cast<int>(y + s.text_px * 0.4), basin_colour(static_cast<int>(shown[k])));
    font.draw(c, "#" + std::to_string(shown[k]) + " (" + std::to_string(count[shown[k]]) + " runs)",
              f.x1 + 2.4 * s.text_px, y, s.text_px, {20, 20, 20}, Align::kStart, Align::kCentre);
  }
  write_png(c, opt.output, opt.force,
            "trilobite render of " + opt.input + "; panel=density px=" + std::to_string(f.x0) + "," +
                std::to_string(f.y0) + "," + std::to_string(f.x1) + "," + std::to_string(f.y1));
  return "wrote " + opt.output + " (" + std::to_string(width) + " x " + std::to_string(height) +
         ", eigenvalue density of " + std::to_string(shown.size()) + " minima)";
}

}  // namespace trilo::render
