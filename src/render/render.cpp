#include "render/render.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "config/run_config.hpp"
#include "io/plane_io.hpp"
#include "render/panels.hpp"
#include "render/plane_plot.hpp"
#include "render/png_writer.hpp"

namespace trilo::render {

namespace {

using config::BadInput;

std::string text_attr(const io::ResultData& r, const char* name) {
  const io::AttrValue* v = r.attribute(name);
  if (!v) return "";
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return io::attr_text(*v);
}

std::string default_title(const Scene& sc) {
  const auto& r = sc.result;
  std::string land = text_attr(r, "landscape");
  if (land == "formula") {
    land = text_attr(r, "landscape_formula");
    if (land.size() > 60) land = land.substr(0, 57) + "...";
  }
  if (land.empty()) land = "(unnamed landscape)";
  std::string t = land;
  const std::string dim = text_attr(r, "dim");
  if (!dim.empty()) t += " (" + dim + "-D)";
  const std::string job = text_attr(r, "job");
  if (job == "critical")  // no optimizer ran: a census of stationary points
    return t + "  ·  critical points (" + text_attr(r, "critical_method") + ")";
  if (job == "grid") return t + "  ·  loss grid";  // no optimizer ran
  const std::string opt = text_attr(r, "optimizer");
  const std::string varied = sc.sweep ? sc.sweep->parameter : "";
  const std::string varied2 = sc.sweep ? sc.sweep->parameter2 : "";
  if (!opt.empty()) {
    t += "  ·  " + opt;
    const std::string lr = text_attr(r, "lr");
    if (!lr.empty() && varied != "lr" && varied2 != "lr") t += ", lr " + lr;
    // The optimizer's own settings, those it uses.
    const bool heavy_ball = opt == "momentum" || opt == "nesterov";
    for (const char* p : {"momentum", "beta1", "beta2", "rho"}) {
      const std::string name = p;
      const bool used = name == "momentum" ? heavy_ball : name == "rho" ? opt == "rmsprop" : opt == "adam";
      const std::string v = text_attr(r, p);
      if (used && !v.empty() && varied != name && varied2 != name) t += ", " + name + " " + v;
    }
  }
  const std::string noise = text_attr(r, "noise");
  if (!noise.empty() && noise != "0" && varied != "noise" && varied2 != "noise") t += ", noise " + noise;
  return t;
}

// Which panels to draw, left to right.
std::vector<std::string> choose_panels(const Scene& sc, const std::string& want) {
  const auto& r = sc.result;
  const bool grid2 = r.has_grid && !r.grid.axes.one_d();
  const bool basins2 = r.has_basins && !r.basins.axes.one_d();
  const std::string file = "'" + r.path + "'";
  if (want == "auto") {
    if (sc.sweep) return {"sweep"};
    if (grid2 && basins2) return {"loss", "basins"};
    if (r.has_grid) return {"loss"};
    if (r.has_basins) return {"basins"};
    if (r.has_descents && r.descents.dim >= 2) return {"starts"};
    throw BadInput(file + " has nothing to draw (no /grid, /basins, 2-D /descents or /sweep)");
  }
  if (want == "sweep") {
    if (!sc.sweep) throw BadInput(file + " has no /sweep group (--panel sweep)");
    return {"sweep"};
  }
  const bool need_grid = want == "loss" || want == "both";
  const bool need_basins = want == "basins" || want == "both";
  if (need_grid && !r.has_grid) throw BadInput(file + " has no /grid (--panel " + want + ")");
  if (need_basins && !r.has_basins) throw BadInput(file + " has no /basins (--panel " + want + ")");
  if (need_basins && r.basins.axes.one_d())
    throw BadInput(file + " has a 1-D basin map: it is drawn under the loss curve (--panel loss)");
  if (want == "both") {
    if (r.grid.axes.one_d()) throw BadInput(file + " has a 1-D grid: use --panel loss");
    return {"loss", "basins"};
  }
  return {want};
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// One row of legend entries, centred on x, its middle at y.
void legend_row(Canvas& c, const Style& s, double x, double y, const std::vector<LegendEntry>& e) {
  const double box = s.text_px * 0.9, gap = s.text_px * 1.6;
  double total = 0;
  for (const auto& k : e) total += box + s.text_px * 0.4 + s.font->width(k.text, s.text_px) + gap;
  double pen = x - (total - gap) / 2;
  for (const auto& k : e) {
    draw_marker(c, k.marker, {pen + box / 2, y}, box * 0.45, k.colour, k.edge);
    pen += box + s.text_px * 0.4;
    s.font->draw(c, k.text, pen, y, s.text_px, {30, 30, 30}, Align::kStart, Align::kCentre);
    pen += s.font->width(k.text, s.text_px) + gap;
  }
}

// A default height that leaves no empty band above and below a map whose
// box is wider than tall (at most `most`, at least 60% of it).
int fitted_height(const Scene& sc, const Style& s, const std::string& panel, int panel_width,
                  int top, int most) {
  const auto& r = sc.result;
  const io::GridAxes* a = panel == "loss" && r.has_grid     ? &r.grid.axes
                          : panel == "basins" && r.has_basins ? &r.basins.axes
                                                              : nullptr;
  if (!a || a->one_d()) return most;
  const double w = a->coord0.back() - a->coord0.front(), h = a->coord1.back() - a->coord1.front();
  if (!(w > 0) || !(h > 0)) return most;
  const int side = s.side ? s.side : panel == "loss" ? loss_side(s) : basin_side(s, sc, most - top);
  const double plot_w = panel_width - 5.2 * s.text_px - side;
  const double need = top + 2.2 * s.label_px + plot_w * h / w + 3.6 * s.text_px + 4;
  return std::clamp(static_cast<int>(std::lround(need)), most * 3 / 5, most);
}

std::string frame_note(const std::string& name, const Frame& f) {
  char buf[320];
  std::snprintf(buf, sizeof buf, "panel=%s px=%d,%d,%d,%d data=%.17g,%.17g,%.17g,%.17g%s",
                name.c_str(), f.x0, f.y0, f.x1, f.y1, f.lo0, f.hi0, f.lo1, f.hi1,
                f.log0 ? " log0" : "");
  return buf;
}

}  // namespace

std::string render_file(const RenderOptions& options) {
  RenderOptions opt = options;
  if (!opt.size.empty()) {
    int w = 0, h = 0;
    char tail = 0;
    if (std::sscanf(opt.size.c_str(), "%dx%d%c", &w, &h, &tail) != 2 || w < 1 || h < 1)
      throw BadInput("--size must be WIDTHxHEIGHT in pixels, e.g. 1200x500, not '" + opt.size + "'");
    opt.width = w;
    opt.height = h;
  }
  const std::vector<std::string> kinds = {"auto", "loss", "basins", "both", "sweep"};
  if (std::find(kinds.begin(), kinds.end(), opt.panel) == kinds.end())
    throw BadInput("--panel must be auto, loss, basins, both or sweep, not '" + opt.panel + "'");
  if (opt.scale != "auto" && opt.scale != "linear" && opt.scale != "log")
    throw BadInput("--scale must be auto, linear or log, not '" + opt.scale + "'");
  if (opt.width < 0 || opt.height < 0 || opt.width > 8000 || opt.height > 8000)
    throw BadInput("--width and --height must be 0 (default) to 8000 pixels");
  if (opt.contour_levels < 0 || opt.contour_levels > 100)
    throw BadInput("--contour-levels must be 0 to 100");
  if (opt.output == opt.input || same_file(opt.output, opt.input))
    throw BadInput("the picture would overwrite the input '" + opt.input + "'; choose another -o");

  if (io::has_plane(opt.input)) return render_plane(opt);  // a plane through a network's weight space
  if (io::has_start_basins(opt.input)) return render_start_basins(opt);  // a network's initialisations
  Scene sc;
  try {
    sc.result = io::read_result(opt.input);
    const io::ResultData& r = sc.result;
    if (r.network) {
      const std::string wrote = render_density(opt);
      if (!wrote.empty()) return wrote;
      const io::AttrValue* job = r.attribute("job");
      const std::string* name = job ? std::get_if<std::string>(job) : nullptr;
      if (name && *name == "sweep")
        throw BadInput("'" + opt.input + "' is a network sweep (sweep --model): render does not draw one yet; "
                       "`trilobite info` summarises it and its /sweep opens in Python (docs/networks.md)");
      throw BadInput("'" + opt.input + "' is a network file (" + (name ? *name : std::string("descend")) +
                     " --model): render draws its eigenvalue density (--density N), its planes and basin maps; "
                     "this one has none. `trilobite info` summarises it");
    }
    if (r.has_critical) {
      const analysis::CriticalTable& t = r.critical;
      sc.critical = CriticalData{t.dim, t.position, t.loss, t.kind, t.morse_index};
    }
    if (r.has_sweep) {
      const analysis::SweepTable& t = r.sweep;
      // Where some values ran with noise, their descents rarely meet the
      // tolerance: the picture shows where the starts settled (the quench).
      const bool quenched = t.quenched_count != t.count;
      sc.sweep = SweepData{t.parameter, t.spacing,        t.value,
                           quenched ? t.quenched_fraction : t.fraction,
                           t.n_minima,  t.fraction_diverged,
                           t.fraction_max_steps, t.fraction_bounced, quenched,
                           t.parameter2, t.spacing2, t.value2};
    }
  } catch (const BadInput&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw BadInput(e.what());  // a missing or foreign file is the user's input
  }
  const std::vector<std::string> panels = choose_panels(sc, opt.panel);
  const int n = static_cast<int>(panels.size());
  const bool sweep = panels.front() == "sweep";
  const int width = opt.width ? opt.width : (n == 2 ? 1500 : sweep ? 960 : 800);
  int height = opt.height ? opt.height : (sweep ? 560 : 640);

  const Font font(opt.font);
  Style s = picture_style(font, width, height, n);
  const int title_px = s.text_px + 6;
  const auto markers = sweep ? std::vector<LegendEntry>{} : marker_legend(sc);
  const int top = static_cast<int>(title_px * 2.0) +
                  (markers.empty() ? 0 : static_cast<int>(s.text_px * 1.6));
  // Side by side maps get the same side room, so their plots line up.
  if (n == 2) s.side = std::max(loss_side(s), basin_side(s, sc, height - top));
  if (!opt.height && !sweep) height = fitted_height(sc, s, panels.front(), width / n, top, height);

  Canvas c(width, height);
  const std::string title = opt.title.empty() ? default_title(sc) : opt.title;
  font.draw(c, title, width / 2.0, title_px * 0.5, title_px, {20, 20, 20}, Align::kCentre,
            Align::kStart);
  if (!markers.empty()) legend_row(c, s, width / 2.0, title_px * 2.0 + s.text_px * 0.4, markers);

  std::string note = "trilobite render of " + opt.input;
  for (int k = 0; k < n; ++k) {
    const Box b{k * width / n, top, (k + 1) * width / n, height};
    Frame f;
    try {
      const std::string& p = panels[k];
      const bool one_d = sc.result.has_grid && sc.result.grid.axes.one_d();
      if (p == "loss") f = one_d ? draw_line_panel(c, s, sc, b) : draw_loss_panel(c, s, sc, b, opt);
      else if (p == "basins") f = draw_basin_panel(c, s, sc, b);
      else if (p == "starts") f = draw_starts_panel(c, s, sc, b);
      else f = draw_sweep_panel(c, s, sc, b);
    } catch (const std::invalid_argument& e) {
      throw BadInput("cannot draw '" + opt.input + "': " + e.what());
    }
    note += "; " + frame_note(panels[k], f);
  }
  write_png(c, opt.output, opt.force, note);
  std::string what;
  for (const auto& p : panels) what += (what.empty() ? "" : " + ") + p;
  return "wrote " + opt.output + " (" + std::to_string(width) + " x " + std::to_string(height) +
         ", " + what + "): " + title;
}

}  // namespace trilo::render
