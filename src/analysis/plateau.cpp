#include "analysis/plateau.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "analysis/points.hpp"

namespace trilo::analysis {

LandscapeScale landscape_scale(const LandscapeSpec& land, const std::vector<double>& lo,
                               const std::vector<double>& hi) {
  LandscapeScale s;
  const int n = land.dim;
  if (static_cast<int>(lo.size()) != n || static_cast<int>(hi.size()) != n || n < 1) return s;
  double diag2 = 0;
  for (int i = 0; i < n; ++i) diag2 += (hi[i] - lo[i]) * (hi[i] - lo[i]);
  // phi_d: the positive root of x^(d+1) = x + 1; step i of coordinate k
  // moves by 1 / phi_d^(k+1).
  double phi = 2;
  for (int it = 0; it < 64; ++it) phi = std::pow(1 + phi, 1.0 / (n + 1));
  std::vector<double> alpha(n), u(n, 0.5), x(n), g(n);
  for (int k = 0; k < n; ++k) alpha[k] = std::fmod(1.0 / std::pow(phi, k + 1), 1.0);
  double mn = INFINITY, mx = -INFINITY;
  with_landscape(land, [&](auto l) {
    for (int i = 0; i <= kScaleSamples; ++i) {  // i = 0: the centre
      for (int k = 0; k < n; ++k) x[k] = lo[k] + u[k] * (hi[k] - lo[k]);
      const double v = l.value_grad(x.data(), g.data());
      if (std::isfinite(v)) {
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
      for (int k = 0; k < n; ++k) u[k] = std::fmod(u[k] + alpha[k], 1.0);
    }
  });
  if (mn > mx) return s;
  s.loss_min = mn;
  s.loss_max = mx;
  s.length = std::sqrt(diag2);
  return s;
}

bool is_flat(const LandscapeScale& s, double grad_norm, const double* eigenvalues, int dim,
             double rel_tol) {
  if (!s.known() || !std::isfinite(grad_norm)) return false;
  const double budget = rel_tol * s.loss_range();
  double lam = 0;
  for (int i = 0; i < dim; ++i) {
    if (!std::isfinite(eigenvalues[i])) return false;
    lam = std::max(lam, std::abs(eigenvalues[i]));
  }
  return grad_norm * s.length <= budget && lam * s.length * s.length <= budget;
}

std::string format_plateaus(const std::vector<Plateau>& ps, int dim, bool cells) {
  std::string out;
  char buf[256];
  for (const Plateau& p : ps) {
    std::snprintf(buf, sizeof buf, "plateau at loss %.10g to %.10g: %lld flat points in the box ",
                  p.loss_lo, p.loss_hi, static_cast<long long>(p.points));
    out += buf;
    const int shown = std::min(dim, 4);
    for (int i = 0; i < shown; ++i) {
      std::snprintf(buf, sizeof buf, "%s[%.4g, %.4g]", i ? " x " : "", p.extent_lo[i], p.extent_hi[i]);
      out += buf;
    }
    if (dim > shown) out += " x ... " + std::to_string(dim - shown) + " more";
    std::snprintf(buf, sizeof buf, "; %lld starts stopped on it", static_cast<long long>(p.count));
    out += buf;
    if (cells) {
      std::snprintf(buf, sizeof buf, ", %lld basin cells", static_cast<long long>(p.basin_count));
      out += buf;
    }
    out += " (no minimum: label -1)\n";
  }
  return out;
}

namespace detail {

KeptRows kept_rows(const PlateauSplit& split, const std::vector<Vec>& points, const std::vector<Local>& all_local,
                   double tol) {
  const int m = static_cast<int>(split.kept.size());
  KeptRows r;
  r.kept_of.assign(points.size(), -1);
  std::vector<double> value;
  for (int k = 0; k < m; ++k) {
    r.kept_of[split.kept[k]] = k;
    r.points.push_back(points[split.kept[k]]);
    r.local.push_back(all_local[split.kept[k]]);
    value.push_back(r.local.back().value);
  }
  r.order = loss_order(value, r.points, tol);
  r.rank.resize(m);
  for (int k = 0; k < m; ++k) r.rank[r.order[k]] = k;
  return r;
}

PlateauSplit split_plateaus(const std::vector<Vec>& points, const std::vector<Local>& local,
                            const LandscapeScale& scale, double rel_tol) {
  const int m = static_cast<int>(points.size());
  PlateauSplit out;
  out.plateau_of.assign(m, -1);
  LandscapeScale s = scale;
  for (const Local& l : local)
    if (std::isfinite(l.value)) {
      s.loss_min = std::min(s.loss_min, l.value);
      s.loss_max = std::max(s.loss_max, l.value);
    }
  std::vector<int> flat;
  for (int p = 0; p < m; ++p) {
    const Vec lam = eigenvalues(local[p].hess);
    if (is_flat(s, local[p].grad.norm(), lam.data(), static_cast<int>(lam.size()), rel_tol))
      flat.push_back(p);
  }
  // Loss levels: sorted flat points split where two neighbours differ by
  // more than rel_tol of the range. A level of one point stays a row (a
  // single degenerate point is no region).
  std::stable_sort(flat.begin(), flat.end(),
                   [&](int a, int b) { return local[a].value < local[b].value; });
  const double gap = rel_tol * s.loss_range();
  for (std::size_t lo = 0; lo < flat.size();) {
    std::size_t hi = lo + 1;
    while (hi < flat.size() && local[flat[hi]].value - local[flat[hi - 1]].value <= gap) ++hi;
    if (hi - lo >= 2) {
      Plateau pl;
      const int id = static_cast<int>(out.plateaus.size());
      pl.loss_lo = local[flat[lo]].value;
      pl.loss_hi = local[flat[hi - 1]].value;
      pl.points = static_cast<std::int64_t>(hi - lo);
      const Vec& x0 = points[flat[lo]];
      pl.extent_lo.assign(x0.data(), x0.data() + x0.size());
      pl.extent_hi = pl.extent_lo;
      for (std::size_t j = lo; j < hi; ++j) {
        const Vec& x = points[flat[j]];
        for (int i = 0; i < x.size(); ++i) {
          pl.extent_lo[i] = std::min(pl.extent_lo[i], x[i]);
          pl.extent_hi[i] = std::max(pl.extent_hi[i], x[i]);
        }
        out.plateau_of[flat[j]] = id;
      }
      out.plateaus.push_back(std::move(pl));
    }
    lo = hi;
  }
  for (int p = 0; p < m; ++p)
    if (out.plateau_of[p] < 0) out.kept.push_back(p);
  return out;
}

}  // namespace detail

}  // namespace trilo::analysis
