#include "analysis/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace trilo::analysis {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string position_text(const MinimaTable& t, std::int64_t r) {
  std::string s = "(";
  const int shown = std::min(t.dim, 4);
  for (int i = 0; i < shown; ++i) {
    if (i) s += ", ";
    s += fmt("%.6f", t.position[r * t.dim + i]);
  }
  if (t.dim > shown) s += ", ... " + std::to_string(t.dim - shown) + " more";
  return s + ")";
}

// Fixed-point with 10 decimals where that is readable, so a polished value
// of 1e-31 reads as the 0.0000000000 it is to that precision.
std::string loss_text(double v) {
  return std::abs(v) < 1e7 ? fmt("%.10f", v) : fmt("%.10e", v);
}

}  // namespace

std::string counted(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string rows_left_note(std::int64_t rows, const char* group) {
  if (rows <= kPrintedRows) return "";
  return "... " + counted(rows - kPrintedRows, "more row", "more rows") + " in the file (" + group + ")\n";
}

std::string format_minima_table(const MinimaTable& t, const std::vector<double>& box_lo,
                                const std::vector<double>& box_hi) {
  auto outside = [&](std::int64_t r) {
    if (static_cast<int>(box_lo.size()) != t.dim || static_cast<int>(box_hi.size()) != t.dim) return false;
    for (int i = 0; i < t.dim; ++i) {
      const double x = t.position[r * t.dim + i];
      if (x < box_lo[i] || x > box_hi[i]) return true;
    }
    return false;
  };
  bool cells = false;
  for (const Plateau& p : t.plateaus) cells = cells || p.basin_count > 0;
  const std::string plateaus = format_plateaus(t.plateaus, t.dim, cells);
  if (t.n_minima == 0)
    return (t.plateaus.empty() ? "no converged descents" : "only plateaus reached") +
           std::string(": no minima found\n") + plateaus;
  // Column widths follow the widest position text.
  size_t pos_w = 8;
  const std::int64_t shown = std::min(t.n_minima, kPrintedRows);
  for (std::int64_t r = 0; r < shown; ++r) pos_w = std::max(pos_w, position_text(t, r).size());
  char line[512];
  std::string out;
  std::snprintf(line, sizeof line, "%3s  %-10s  %-*s  %18s  %9s  %8s  %8s  %9s  %11s  %11s\n", "#",
                "kind", static_cast<int>(pos_w), "position", "loss", "count", "fraction", "basin",
                "mean_steps", "min_eig", "max_eig");
  out += line;
  // The global minimum: the lowest row that is a minimum (a stalled saddle
  // can only rank above it if no descent reached the lower valley), and
  // every minimum whose loss ties it (as the table's order ties losses).
  std::int64_t global_row = -1;
  for (std::int64_t r = 0; r < t.n_minima && global_row < 0; ++r)
    if (t.kind[r] == static_cast<std::int8_t>(PointKind::kMinimum)) global_row = r;
  auto is_global = [&](std::int64_t r) {
    if (global_row < 0 || t.kind[r] != static_cast<std::int8_t>(PointKind::kMinimum)) return false;
    const double v = t.loss[global_row];
    return t.loss[r] - v <= 1e-9 * std::max(1.0, std::abs(v));
  };
  for (std::int64_t r = 0; r < shown; ++r) {
    const double* lam = &t.eigenvalues[r * t.dim];
    const bool global = is_global(r);
    std::string kind = kind_name(static_cast<PointKind>(t.kind[r]));
    std::snprintf(line, sizeof line,
                  "%3lld  %-10s  %-*s  %18s  %9lld  %8.4f  %8.4f  %9.1f  %11.4g  %11.4g%s\n",
                  static_cast<long long>(r), kind.c_str(), static_cast<int>(pos_w),
                  position_text(t, r).c_str(), loss_text(t.loss[r]).c_str(), static_cast<long long>(t.count[r]),
                  t.fraction[r], t.basin_fraction[r], t.mean_steps[r], lam[0], lam[t.dim - 1],
                  global ? "  <- global" : "");
    out += line;
    if (outside(r)) out.insert(out.size() - 1, "  (outside the box)");
  }
  return out + rows_left_note(t.n_minima, "/minima") + plateaus;
}

}  // namespace trilo::analysis
