// MinimaAccumulator::add_cells: clustering the cells of a reduced batch
// exactly as add() clusters its end points.
//
// add() takes the rows in order; a row joins the nearest cluster whose first
// member lies within tol, or starts a new one. Take the cells' first members
// alone, in row order, through the same steps. Let f be a cell's first
// member, r the cluster it joins, d = |f - r's first member|, and delta the
// cell's radius (every member m has |m - f| <= delta). If
//   (a) d + 2 delta < tol, and
//   (b) every other cluster's first member g among the 3^k cells around f
//       has |g - f| > d + 2 delta,
// then, at m's turn in add(), r lies within d + delta < tol of m, and every
// other cluster is further: those around f by (b) and the triangle
// inequality, those beyond (a coordinate more than tol away from f's) by
// (a). So no member but f ever starts a cluster, the clusters and their
// numbering are those of the first members, and each member's descent lands
// in its first member's cluster: the counts, step sums and histograms are
// the cells' own. (a) and (b) are checked against every cluster there is
// after the batch, a superset of those any member saw, with a relative
// margin far above the rounding of the distances.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "analysis/accumulator.hpp"
#include "core/cell_key.hpp"

namespace trilo::analysis {

namespace {

constexpr double kMargin = 1e-9;  // relative; rounding of the distances is ~1e-16

double distance(const double* a, const double* b, int n) {
  double d2 = 0;
  for (int i = 0; i < n; ++i) d2 += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(d2);
}

}  // namespace

bool MinimaAccumulator::add_cells(Source src, const Cells& c, std::int32_t* raw_labels) {
  if (c.dim != dim_) throw std::invalid_argument("add_cells: reduced cells of another dimension");
  if (raw_labels && !c.cell_of && c.rows > 0)
    throw std::invalid_argument("add_cells: labels asked for, but the cells have no rows");
  const std::int64_t cells = c.n;
  const int n = dim_;
  // Keys far out are clamped (core/cell_key.hpp), where the reasoning about
  // neighbouring cells no longer holds: such cells take add()'s path.
  constexpr double kFar = 1e15;
  detail::Clusters trial = raw_;
  std::vector<int> id(static_cast<std::size_t>(cells));
  for (std::int64_t k = 0; k < cells; ++k) {
    const double* f = c.position + k * n;
    for (int i = 0; i < std::min(n, kCellAxes); ++i)
      if (!(std::abs(f[i] / tol_) < kFar)) return false;
    id[static_cast<std::size_t>(k)] = trial.assign(f);
  }
  for (std::int64_t k = 0; k < cells; ++k) {
    const double* f = c.position + k * n;
    const int r = id[static_cast<std::size_t>(k)];
    const double reach = distance(f, trial.rep(r), n) + 2 * c.radius[k];
    if (!(reach * (1 + kMargin) < tol_)) return false;
    for (int g : trial.near(f))
      if (g != r && !(distance(f, trial.rep(g), n) > reach * (1 + kMargin))) return false;
  }

  const int s = static_cast<int>(src);
  raw_ = std::move(trial);
  if (per_.size() < static_cast<std::size_t>(raw_.size())) per_.resize(static_cast<std::size_t>(raw_.size()));
  for (std::int64_t k = 0; k < cells; ++k) {
    const int cluster = id[static_cast<std::size_t>(k)];
    PerCluster& p = per_[static_cast<std::size_t>(cluster)];
    for (std::int64_t h = c.offset[k]; h < c.offset[k + 1]; ++h) {
      const std::int64_t steps = c.steps[h], count = c.count[h];
      p.count[s] += count;
      p.steps_sum[s] += steps * count;
      steps_.add(s, cluster, steps, count);
    }
  }
  if (raw_labels)
    for (std::int64_t i = 0; i < c.rows; ++i) {
      const std::int32_t cell = c.cell_of[i];
      raw_labels[i] = cell < 0 ? -1 : id[static_cast<std::size_t>(cell)];
    }
  trials_[s] += c.rows;
  return true;
}

}  // namespace trilo::analysis
