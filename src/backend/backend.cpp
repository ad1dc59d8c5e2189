#include "backend/backend.hpp"

namespace trilo::backend {

void DescentBatch::resize(std::int64_t n, int d) {
  count = n;
  dim = d;
  start.assign(static_cast<size_t>(n * d), 0.0);
  end.assign(static_cast<size_t>(n * d), 0.0);
  loss.assign(static_cast<size_t>(n), 0.0);
  grad_norm.assign(static_cast<size_t>(n), 0.0);
  steps.assign(static_cast<size_t>(n), 0);
  status.assign(static_cast<size_t>(n), 0);
}

void GridTile::resize(std::int64_t n) {
  count = n;
  loss.assign(static_cast<size_t>(n), 0.0);
  grad0.assign(static_cast<size_t>(n), 0.0);
  grad1.assign(static_cast<size_t>(n), 0.0);
  grad_norm.assign(static_cast<size_t>(n), 0.0);
}

}  // namespace trilo::backend
