#include "backend/reduced_cells.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "core/cell_key.hpp"

namespace trilo::backend {

ReducedCells reduce_cells_host(const EndColumns& e, double tol, bool per_row) {
  const int d = e.dim;
  // Counting rows by cell, then by row: each cell's members in row order.
  std::vector<std::pair<CellKey, std::int64_t>> rows;
  ReducedCells out;
  for (std::int64_t i = 0; i < e.n; ++i) {
    ++out.status_rows[e.status[i]];
    if (end_point_counts(e.status, e.quench, i)) rows.push_back({cell_key(e.end + i * d, d, tol), i});
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.first < b.first || (a.first == b.first && a.second < b.second);
  });

  // One group per cell, then the groups in the order of their first rows.
  struct Group {
    std::int64_t first;
    double radius2 = 0;
    std::map<std::int64_t, std::int64_t> steps;
    std::vector<std::int64_t> members;
  };
  std::vector<Group> groups;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const std::int64_t i = rows[k].second;
    if (k == 0 || !(rows[k].first == rows[k - 1].first)) groups.push_back({i, 0, {}, {}});
    Group& g = groups.back();
    double r2 = 0;
    for (int j = 0; j < d; ++j) {
      const double t = e.end[i * d + j] - e.end[g.first * d + j];
      r2 += t * t;
    }
    // A NaN distance (a member with a NaN coordinate) makes the radius
    // infinite, so that the cell is refused and its rows clustered one by one.
    g.radius2 = std::max(g.radius2, r2 == r2 ? r2 : std::numeric_limits<double>::infinity());
    ++g.steps[e.steps[i]];
    if (per_row) g.members.push_back(i);
  }
  std::sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) { return a.first < b.first; });

  out.dim = d;
  out.rows = e.n;
  out.offset.push_back(0);
  if (per_row) out.cell_of.assign(static_cast<std::size_t>(e.n), -1);
  for (std::size_t c = 0; c < groups.size(); ++c) {
    const Group& g = groups[c];
    out.first.push_back(g.first);
    out.position.insert(out.position.end(), e.end + g.first * d, e.end + (g.first + 1) * d);
    out.radius.push_back(std::sqrt(g.radius2));
    for (const auto& [s, n] : g.steps) {
      out.steps.push_back(s);
      out.count.push_back(n);
    }
    out.offset.push_back(static_cast<std::int64_t>(out.steps.size()));
    for (std::int64_t i : g.members) out.cell_of[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(c);
  }
  return out;
}

}  // namespace trilo::backend
