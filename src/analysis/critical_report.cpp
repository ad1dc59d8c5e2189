#include "analysis/critical_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analysis/report.hpp"

namespace trilo::analysis {

namespace {

std::string point_text(const CriticalTable& t, std::int64_t r) {
  std::string s = "(";
  const int shown = std::min(t.dim, 4);
  char buf[32];
  for (int i = 0; i < shown; ++i) {
    std::snprintf(buf, sizeof buf, "%s%.6f", i ? ", " : "", t.position[r * t.dim + i]);
    s += buf;
  }
  if (t.dim > shown) s += ", ... " + std::to_string(t.dim - shown) + " more";
  return s + ")";
}

}  // namespace

std::string format_critical_table(const CriticalTable& t) {
  char line[512];
  std::string out;
  out += "critical points: " + std::to_string(t.n_points) + " (" + counted(t.n_minima, "minimum", "minima") +
         ", " + counted(t.n_saddles, "saddle", "saddles") + ", " + counted(t.n_maxima, "maximum", "maxima") +
         ", " + std::to_string(t.n_degenerate) + " degenerate); Euler characteristic " +
         std::to_string(t.euler_characteristic) + "\n";
  const std::string plateaus = format_plateaus(t.plateaus, t.dim, false);
  if (t.n_points == 0) return out + plateaus;
  const std::int64_t shown = std::min(t.n_points, kPrintedRows);
  size_t pos_w = 8;
  for (std::int64_t r = 0; r < shown; ++r) pos_w = std::max(pos_w, point_text(t, r).size());
  std::snprintf(line, sizeof line, "%4s  %-10s  %5s  %-*s  %18s  %8s  %11s  %11s\n", "#", "kind",
                "index", static_cast<int>(pos_w), "position", "loss", "count", "min_eig", "max_eig");
  out += line;
  for (std::int64_t r = 0; r < shown; ++r) {
    const double* lam = &t.eigenvalues[r * t.dim];
    std::snprintf(line, sizeof line, "%4lld  %-10s  %5d  %-*s  %18.10g  %8lld  %11.4g  %11.4g\n",
                  static_cast<long long>(r), kind_name(static_cast<PointKind>(t.kind[r])),
                  t.morse_index[r], static_cast<int>(pos_w), point_text(t, r).c_str(), t.loss[r],
                  static_cast<long long>(t.count[r]), lam[0], lam[t.dim - 1]);
    out += line;
  }
  return out + rows_left_note(t.n_points, "/critical") + plateaus;
}

std::string format_connections(const CriticalTable& t, const Connections& c) {
  std::string out = "connections: " + counted(static_cast<std::int64_t>(c.saddle.size()), "index-1 saddle", "index-1 saddles") +
                    ", " + counted(static_cast<std::int64_t>(c.tree_level.size()), "merge", "merges") + " of " +
                    counted(static_cast<std::int64_t>(c.minimum_row.size()), "minimum", "minima") + "\n";
  if (c.saddle.empty()) return out;
  char line[256];
  std::snprintf(line, sizeof line, "%6s  %18s  %9s  %9s  %14s  %14s\n", "saddle", "loss",
                "minimum_a", "minimum_b", "barrier_a", "barrier_b");
  out += line;
  const std::size_t shown = std::min<std::size_t>(c.saddle.size(), kPrintedRows);
  for (std::size_t i = 0; i < shown; ++i) {
    std::snprintf(line, sizeof line, "%6lld  %18.10g  %9lld  %9lld  %14.8g  %14.8g\n",
                  static_cast<long long>(c.saddle[i]), t.loss[c.saddle[i]],
                  static_cast<long long>(c.minimum_a[i]), static_cast<long long>(c.minimum_b[i]),
                  c.barrier_a[i], c.barrier_b[i]);
    out += line;
  }
  return out + rows_left_note(static_cast<std::int64_t>(c.saddle.size()), "/connections");
}

}  // namespace trilo::analysis
