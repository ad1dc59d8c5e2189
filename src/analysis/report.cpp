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
  if (t.n_minima == 0) return "no converged descents: no minima found\n";
  // Column widths follow the widest position text.
  size_t pos_w = 8;
  for (std::int64_t r = 0; r < t.n_minima; ++r) pos_w = std::max(pos_w, position_text(t, r).size());
  char line[512];
  std::string out;
  std::snprintf(line, sizeof line, "%3s  %-10s  %-*s  %18s  %9s  %8s  %8s  %9s  %11s  %11s\n", "#",
                "kind", static_cast<int>(pos_w), "position", "loss", "count", "fraction", "basin",
                "mean_steps", "min_eig", "max_eig");
  out += line;
  // The global minimum: the lowest row that is a minimum (a stalled saddle
  // can only rank above it if no descent reached the lower valley).
  std::int64_t global_row = -1;
  for (std::int64_t r = 0; r < t.n_minima && global_row < 0; ++r)
    if (t.kind[r] == static_cast<std::int8_t>(PointKind::kMinimum)) global_row = r;
  for (std::int64_t r = 0; r < t.n_minima; ++r) {
    const double* lam = &t.eigenvalues[r * t.dim];
    const bool global = r == global_row;
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
  return out;
}

}  // namespace trilo::analysis
