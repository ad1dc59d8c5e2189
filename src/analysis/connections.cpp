#include "analysis/connections.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "analysis/points.hpp"

namespace trilo::analysis {

namespace {

using detail::Vec;

// Steepest descent with an Armijo backtracking line search; the trial step
// doubles after each accepted one, up to max_len in length. The sufficient-
// decrease constant 1/4 (not the usual 1e-4) refuses steps near 2/lambda,
// which would barely contract along a stiff direction: on a quadratic every
// accepted step is below 1.5/lambda.
template <class L>
Vec steepest_descent(const L& land, Vec x, double max_len, const ConnectOptions& opt) {
  const int n = land.dim;
  Vec g(n), gn(n), xn(n);
  double f = land.value_grad(x.data(), g.data());
  double t = 1e-3;
  for (int it = 0; it < opt.max_iterations && std::isfinite(f); ++it) {
    const double g2 = g.squaredNorm();
    if (std::sqrt(g2) <= opt.grad_tol) break;
    t = std::min(2 * t, max_len / std::sqrt(g2));
    bool kept = false;
    for (int k = 0; k < 60 && !kept; ++k, t *= 0.5) {
      xn = x - t * g;
      const double fn = land.value_grad(xn.data(), gn.data());
      if (std::isfinite(fn) && fn <= f - 0.25 * t * g2) {
        x = xn;
        g = gn;
        f = fn;
        kept = true;
        t *= 2;  // undo the halving of the loop step
      }
    }
    if (!kept) break;
  }
  return x;
}

std::int64_t nearest_minimum(const CriticalTable& t, const Vec& x) {
  std::int64_t best = -1;
  double best_d = t.merge_tol;
  for (std::int64_t r = 0; r < t.n_points; ++r) {
    if (t.kind[r] != static_cast<std::int8_t>(PointKind::kMinimum)) continue;
    const double d = (Eigen::Map<const Vec>(&t.position[r * t.dim], t.dim) - x).norm();
    if (d <= best_d) {
      best = r;
      best_d = d;
    }
  }
  return best;
}

}  // namespace

Connections connect_saddles(const LandscapeSpec& land, const CriticalTable& t,
                            const std::vector<double>& box_lo, const std::vector<double>& box_hi,
                            const ConnectOptions& opt) {
  const int n = t.dim;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double diag2 = 0;
  for (int i = 0; i < n; ++i) diag2 += (box_hi[i] - box_lo[i]) * (box_hi[i] - box_lo[i]);
  const double max_len = 0.01 * std::sqrt(diag2);
  const double offset = opt.offset > 0 ? opt.offset : t.merge_tol;
  Connections c;
  for (std::int64_t r = 0; r < t.n_points; ++r) {
    if (t.kind[r] != static_cast<std::int8_t>(PointKind::kSaddle) || t.morse_index[r] != 1) continue;
    const Vec s = Eigen::Map<const Vec>(&t.position[r * n], n);
    const detail::Local at = detail::evaluate(land, s);
    Eigen::SelfAdjointEigenSolver<detail::Mat> eig(at.hess);
    Vec v = eig.eigenvectors().col(0);  // the negative eigenvalue's
    // A fixed sign, so "a" and "b" do not depend on the eigensolver's choice:
    // the largest component positive.
    Eigen::Index big;
    v.cwiseAbs().maxCoeff(&big);
    if (v[big] < 0) v = -v;
    std::int64_t ends[2];
    for (int side = 0; side < 2; ++side) {
      const Vec x0 = s + (side == 0 ? -offset : offset) * v;
      Vec x = with_landscape(land, [&](auto l) { return steepest_descent(l, x0, max_len, opt); });
      x = detail::polish(land, x, t.merge_tol);
      ends[side] = nearest_minimum(t, x);
    }
    c.saddle.push_back(r);
    c.minimum_a.push_back(ends[0]);
    c.minimum_b.push_back(ends[1]);
    c.barrier_a.push_back(ends[0] >= 0 ? t.loss[r] - t.loss[ends[0]] : nan);
    c.barrier_b.push_back(ends[1] >= 0 ? t.loss[r] - t.loss[ends[1]] : nan);
  }
  build_merge_tree(t, c);
  return c;
}

void build_merge_tree(const CriticalTable& t, Connections& c) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  c.minimum_row.clear();
  std::vector<std::int64_t> leaf(t.n_points, -1);
  for (std::int64_t r = 0; r < t.n_points; ++r)
    if (t.kind[r] == static_cast<std::int8_t>(PointKind::kMinimum)) {
      leaf[r] = static_cast<std::int64_t>(c.minimum_row.size());
      c.minimum_row.push_back(r);
    }
  const auto k = static_cast<std::int64_t>(c.minimum_row.size());
  const bool matrix = k <= kMaxLevelMinima;
  c.merge_level.assign(matrix ? static_cast<std::size_t>(k * k) : 0, nan);
  for (std::int64_t i = 0; matrix && i < k; ++i) c.merge_level[i * k + i] = t.loss[c.minimum_row[i]];

  // Kruskal over the connections by saddle loss (ties: saddle row), with
  // union-find; each union is one internal node of the tree.
  std::vector<std::size_t> edges(c.saddle.size());
  std::iota(edges.begin(), edges.end(), 0);
  std::sort(edges.begin(), edges.end(), [&](std::size_t a, std::size_t b) {
    const double la = t.loss[c.saddle[a]], lb = t.loss[c.saddle[b]];
    return la != lb ? la < lb : c.saddle[a] < c.saddle[b];
  });
  std::vector<std::int64_t> parent(k), node(k);
  std::vector<std::vector<std::int64_t>> members(k);
  std::iota(parent.begin(), parent.end(), 0);
  std::iota(node.begin(), node.end(), 0);
  for (std::int64_t i = 0; i < k; ++i) members[i] = {i};
  auto find = [&](std::int64_t a) {
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
  };
  c.tree_left.clear();
  c.tree_right.clear();
  c.tree_saddle.clear();
  c.tree_level.clear();
  for (std::size_t e : edges) {
    if (c.minimum_a[e] < 0 || c.minimum_b[e] < 0) continue;
    std::int64_t a = find(leaf[c.minimum_a[e]]), b = find(leaf[c.minimum_b[e]]);
    if (a == b) continue;
    if (node[a] > node[b]) std::swap(a, b);
    const double level = t.loss[c.saddle[e]];
    if (matrix)
      for (std::int64_t i : members[a])
        for (std::int64_t j : members[b]) c.merge_level[i * k + j] = c.merge_level[j * k + i] = level;
    c.tree_left.push_back(node[a]);
    c.tree_right.push_back(node[b]);
    c.tree_saddle.push_back(c.saddle[e]);
    c.tree_level.push_back(level);
    parent[b] = a;
    node[a] = k + static_cast<std::int64_t>(c.tree_level.size()) - 1;
    members[a].insert(members[a].end(), members[b].begin(), members[b].end());
    members[b].clear();
  }
}

}  // namespace trilo::analysis
