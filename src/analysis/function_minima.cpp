#include "analysis/function_minima.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace trilo::analysis {

FunctionClusters::FunctionClusters(std::int64_t width, double tol) : width_(width), tol_(tol) {
  if (width < 1) throw std::invalid_argument("FunctionClusters: width must be positive");
}

double FunctionClusters::distance(const double* a, const double* b) const {
  double s = 0;
  for (std::int64_t k = 0; k < width_; ++k) {
    const double d = a[k] - b[k];
    s += d * d;
  }
  return std::sqrt(s / static_cast<double>(width_));
}

void FunctionClusters::restore(std::vector<double> reps) {
  if (reps.size() % static_cast<std::size_t>(width_) != 0)
    throw std::runtime_error("FunctionClusters: saved representatives do not fit the probe width");
  reps_ = std::move(reps);
}

int FunctionClusters::add(const double* outputs) {
  int best = -1;
  double best_d = std::numeric_limits<double>::infinity();
  for (int c = 0; c < size(); ++c) {
    const double d = distance(outputs, reps_.data() + static_cast<std::size_t>(c) * width_);
    if (d < best_d) best_d = d, best = c;
  }
  if (best >= 0 && best_d <= tol_) return best;
  reps_.insert(reps_.end(), outputs, outputs + width_);
  return size() - 1;
}

}  // namespace trilo::analysis
