#include "analysis/minima.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/accumulator.hpp"

namespace trilo::analysis {

const char* kind_name(PointKind k) {
  switch (k) {
    case PointKind::kMinimum: return "minimum";
    case PointKind::kSaddle: return "saddle";
    case PointKind::kDegenerate: return "degenerate";
    case PointKind::kMaximum: return "maximum";
  }
  return "?";
}

MergeResult merge_minima(const LandscapeSpec& land, const std::vector<double>& box_lo,
                         const std::vector<double>& box_hi, const EndPoints& descents,
                         const EndPoints& basins, const MergeOptions& opt) {
  MinimaAccumulator acc(land.dim, detail::effective_merge_tol(opt.merge_tol, box_lo, box_hi));
  MergeResult out;
  out.descent_labels.resize(descents.n);
  out.basin_labels.resize(basins.n);
  acc.add(Source::kDescents, descents, out.descent_labels.data());
  acc.add(Source::kBasins, basins, out.basin_labels.data());
  MergeOptions o = opt;
  if (o.box_lo.empty() && o.box_hi.empty()) {
    o.box_lo = box_lo;
    o.box_hi = box_hi;
  }
  MinimaAccumulator::Finished f = acc.finish(land, o);
  for (std::vector<std::int32_t>* labels : {&out.descent_labels, &out.basin_labels})
    for (std::int32_t& l : *labels)
      if (l >= 0) l = f.raw_to_row[l];
  out.table = std::move(f.table);
  return out;
}

}  // namespace trilo::analysis
