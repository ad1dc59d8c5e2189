// The OpenMP backend: the shared per-index work of src/core/work.hpp over
// `#pragma omp parallel for`. Results do not depend on the thread count.
#pragma once

#include "backend/backend.hpp"

namespace trilo::cpu {

class CpuBackend final : public backend::Backend {
 public:
  // lanes: descents W at a time where the landscape allows (the default);
  // false keeps every descent on the scalar path (for comparison).
  explicit CpuBackend(int threads, bool lanes = true);
  std::string name() const override { return lanes_ ? "cpu" : "cpu-scalar"; }
  std::string device() const override;
  void descend(const backend::DescentRequest& req, std::int64_t first, std::int64_t count,
               backend::DescentBatch& out) override;
  std::vector<backend::Trajectory> trace(const backend::DescentRequest& req,
                                         const std::vector<std::int64_t>& indices,
                                         std::int64_t every) override;
  void grid(const backend::GridRequest& req, std::int64_t first, std::int64_t count,
            backend::GridTile& out) override;
  backend::PeakRates peak() override;  // cpu/peak.cpp
  void critical(const backend::CriticalRequest& req, std::int64_t first, std::int64_t count,
                backend::DescentBatch& out) override;

 private:
  int threads_;
  bool lanes_;
};

}  // namespace trilo::cpu
