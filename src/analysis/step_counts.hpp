// How many descents of each cluster took each number of steps, per source:
// the step histograms behind the minima table's percentiles. One flat
// open-addressing table of (source, cluster, steps) -> count, because the
// accumulator adds one entry per end point (a tree per cluster cost a
// pointer chase per level for each).
#pragma once

#include <cstdint>
#include <vector>

namespace trilo::analysis::detail {

class StepCounts {
 public:
  struct Entry {
    std::int64_t steps = 0;
    std::int32_t cluster = -1;  // -1: an empty slot
    std::int32_t source = 0;
    std::int64_t count = 0;
  };

  // count(source, cluster, steps) += by (by > 0).
  void add(int source, std::int32_t cluster, std::int64_t steps, std::int64_t by = 1);
  // Every entry, sorted by source, then cluster, then steps.
  std::vector<Entry> sorted() const;
  // Calls f(entry) for every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const Entry& e : slots_)
      if (e.cluster >= 0) f(e);
  }
  std::size_t size() const { return used_; }

 private:
  void grow();
  std::vector<Entry> slots_;  // a power of two, at most half full
  std::size_t used_ = 0;
};

}  // namespace trilo::analysis::detail
