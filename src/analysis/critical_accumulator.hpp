// The critical-point census built chunk by chunk: converged search end
// points are clustered as they arrive (in index order) and only the
// clusters and each search's raw cluster id are kept, so memory holds no
// end points, whatever the number of searches. finish() then polishes,
// keeps the points inside the box, re-merges, classifies and sorts exactly
// as merge_critical does (merge_critical is this class fed in one go).
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/critical.hpp"
#include "analysis/points.hpp"

namespace trilo::analysis {

class CriticalAccumulator {
 public:
  // `tol`: the effective merge distance (detail::effective_merge_tol).
  CriticalAccumulator(int dim, double tol);

  // Clusters the converged rows of `e`, which continue the previous call's
  // rows in index order.
  void add(const EndPoints& e);
  std::int64_t searches() const { return static_cast<std::int64_t>(raw_of_.size()); }

  // The census of everything added (labels: one per search).
  CriticalResult finish(const LandscapeSpec& land, const std::vector<double>& box_lo,
                        const std::vector<double>& box_hi, const MergeOptions& opt) const;

 private:
  int dim_;
  double tol_;
  detail::Clusters raw_;
  std::vector<std::int32_t> raw_of_;  // per search: raw cluster, -1 when not converged
};

}  // namespace trilo::analysis
