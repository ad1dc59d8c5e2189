// The minima table built chunk by chunk: end points are clustered as they
// arrive (in index order), and only per-cluster counts, step sums and step
// histograms are kept, so memory does not grow with the number of descents.
// finish() then polishes, merges, describes and sorts exactly as a merge of
// all end points at once would (merge_minima is this class fed in one go).
// The whole state is a few flat arrays (State), so a checkpoint can store it
// and a resumed run continue bit for bit.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "analysis/minima.hpp"
#include "analysis/points.hpp"
#include "analysis/step_counts.hpp"

namespace trilo::analysis {

// End points reduced by merge cell (the backends' reduce_cells,
// backend/reduced_cells.hpp), as plain host arrays: `n` cells in the order
// of their first rows, each with that row, its end point (position, n x dim),
// the largest distance of a member from it (radius) and its step histogram,
// entries [offset[c], offset[c + 1]) of (steps, count); per row (`rows` of
// them) its cell or -1, where cell_of is not null.
struct Cells {
  int dim = 0;
  std::int64_t n = 0, rows = 0;
  const std::int64_t* first = nullptr;
  const double* position = nullptr;
  const double* radius = nullptr;
  const std::int64_t* offset = nullptr;
  const std::int64_t* steps = nullptr;
  const std::int64_t* count = nullptr;
  const std::int32_t* cell_of = nullptr;
};

// Where an end point comes from: the random/explicit descents (/descents)
// or the cells of the basin map (/basins).
enum class Source { kDescents = 0, kBasins = 1 };

class MinimaAccumulator {
 public:
  // `tol`: the effective merge distance (detail::effective_merge_tol).
  MinimaAccumulator(int dim, double tol);

  // Clusters the converged points of `e` (rows in index order, continuing
  // the previous call of the same source) and counts every row as a trial.
  // raw_labels (may be null): per row, the raw cluster id or -1.
  void add(Source src, const EndPoints& e, std::int32_t* raw_labels);

  // The same for the rows reduced by cell: leaves exactly the state add()
  // would, given the end points. Returns false, changing nothing, when the
  // cells cannot show that every member joins its first member's cluster
  // (members spread over more than a sliver of the merge distance, or near
  // two clusters); the caller then adds the end points. raw_labels (may be
  // null) needs c.cell_of. (accumulator_cells.cpp)
  bool add_cells(Source src, const Cells& c, std::int32_t* raw_labels);

  // Trials (rows) seen per source.
  std::int64_t trials(Source src) const { return trials_[int(src)]; }
  int raw_clusters() const { return raw_.size(); }
  int dim() const { return dim_; }
  double tol() const { return tol_; }

  // The table: raw clusters polished (opt.polish), merged, described and
  // sorted by loss. raw_to_row[c] is the table row of raw cluster c.
  struct Finished {
    MinimaTable table;
    std::vector<std::int32_t> raw_to_row;
  };
  Finished finish(const LandscapeSpec& land, const MergeOptions& opt) const;

  // Everything needed to continue: flat arrays, written to and read back
  // from a checkpoint unchanged.
  struct State {
    std::vector<double> reps;             // raw clusters x dim
    std::vector<std::int64_t> counters;   // trials[2], then per cluster: count[2], steps_sum[2]
    std::vector<std::int64_t> histogram;  // (source, cluster, steps, count) quadruples
  };
  State state() const;
  // Replaces this accumulator's state; throws std::invalid_argument when the
  // arrays are inconsistent (a damaged checkpoint).
  void restore(const State& s);

 private:
  struct PerCluster {
    std::int64_t count[2] = {0, 0};
    std::int64_t steps_sum[2] = {0, 0};
  };
  int dim_;
  double tol_;
  detail::Clusters raw_;
  std::vector<PerCluster> per_;
  detail::StepCounts steps_;  // per source and cluster: steps -> descents
  std::int64_t trials_[2] = {0, 0};
  std::vector<std::int32_t> found_;  // add()'s scratch: clusters found in parallel
};

}  // namespace trilo::analysis
