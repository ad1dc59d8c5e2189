#include "analysis/critical.hpp"

#include "analysis/critical_accumulator.hpp"

namespace trilo::analysis {

CriticalResult merge_critical(const LandscapeSpec& land, const std::vector<double>& box_lo,
                              const std::vector<double>& box_hi, const EndPoints& searches,
                              const MergeOptions& opt) {
  CriticalAccumulator acc(land.dim, detail::effective_merge_tol(opt.merge_tol, box_lo, box_hi));
  acc.add(searches);
  return acc.finish(land, box_lo, box_hi, opt);
}

}  // namespace trilo::analysis
