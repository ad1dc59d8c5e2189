#include "backend/backend.hpp"

#include <algorithm>

namespace trilo::backend {

void DescentBatch::place(const DescentBatch& part) {
  const std::int64_t f = part.first;
  const auto d = static_cast<std::int64_t>(dim);
  std::copy(part.start.begin(), part.start.end(), start.begin() + f * d);
  std::copy(part.end.begin(), part.end.end(), end.begin() + f * d);
  std::copy(part.loss.begin(), part.loss.end(), loss.begin() + f);
  std::copy(part.grad_norm.begin(), part.grad_norm.end(), grad_norm.begin() + f);
  std::copy(part.steps.begin(), part.steps.end(), steps.begin() + f);
  std::copy(part.status.begin(), part.status.end(), status.begin() + f);
  std::copy(part.quench.begin(), part.quench.end(), quench.begin() + f);
  std::copy(part.bounced.begin(), part.bounced.end(), bounced.begin() + f);
}

void DescentBatch::resize(std::int64_t n, int d) {
  count = n;
  dim = d;
  start.resize(static_cast<size_t>(n * d));
  end.resize(static_cast<size_t>(n * d));
  loss.resize(static_cast<size_t>(n));
  grad_norm.resize(static_cast<size_t>(n));
  steps.resize(static_cast<size_t>(n));
  status.resize(static_cast<size_t>(n));
  quench.resize(static_cast<size_t>(n));
  bounced.resize(static_cast<size_t>(n));
}

void GridTile::resize(std::int64_t n) {
  count = n;
  loss.resize(static_cast<size_t>(n));
  grad0.resize(static_cast<size_t>(n));
  grad1.resize(static_cast<size_t>(n));
  grad_norm.resize(static_cast<size_t>(n));
}

ReducedCells Backend::reduce_cells(const DescentBatch& batch, double tol, bool per_row) {
  return reduce_cells_host({batch.end.data(), batch.status.data(),
                            batch.quench.empty() ? nullptr : batch.quench.data(), batch.steps.data(),
                            batch.count, batch.dim},
                           tol, per_row);
}

void Backend::descend_cells(const DescentRequest& req, std::int64_t first, std::int64_t count, double tol,
                            std::int64_t every, int slot, DescentBatch& out, ReducedCells& cells) {
  (void)slot;
  descend(req, first, count, out);
  cells = reduce_cells(out, tol, every > 0);
}

}  // namespace trilo::backend
