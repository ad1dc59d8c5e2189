#include "analysis/curvature.hpp"

#include <cmath>
#include <limits>

#include "analysis/lanczos.hpp"
#include "analysis/minima.hpp"

namespace trilo::analysis {

Curvature minima_curvature(const LandscapeSpec& spec, std::int64_t rows,
                           const std::vector<double>& position,
                           const std::vector<double>& eigenvalues,
                           const std::vector<std::int8_t>& kind, const CurvatureOptions& opt) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const int n = spec.dim;
  const auto m = static_cast<std::size_t>(rows);
  Curvature c{std::vector<double>(m, nan), std::vector<double>(m, nan), std::vector<double>(m, nan),
              std::vector<double>(m, nan), std::vector<double>(m, nan)};
  for (std::size_t r = 0; r < m; ++r) {
    if (kind[r] != static_cast<std::int8_t>(PointKind::kMinimum)) continue;
    std::vector<double> lam;
    bool whole = true;
    if (n <= opt.lanczos_above) {
      lam.assign(eigenvalues.begin() + r * n, eigenvalues.begin() + (r + 1) * n);
    } else {
      const double* x = &position[r * n];
      lam = lanczos_eigenvalues(
          [&](const double* v, double* y) { hessian_vector(spec, x, v, y); }, n,
          opt.lanczos_steps, 1);
      whole = static_cast<int>(lam.size()) == n;
    }
    if (lam.empty()) continue;
    c.lambda_min[r] = lam.front();
    c.lambda_max[r] = lam.back();
    c.condition_number[r] = lam.back() / lam.front();
    if (!whole) continue;
    double tr = 0, ld = 0;
    for (double l : lam) {
      tr += l;
      ld += std::log(l);
    }
    c.hessian_trace[r] = tr;
    c.log_det[r] = ld;
  }
  return c;
}

}  // namespace trilo::analysis
