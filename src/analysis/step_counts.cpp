#include "analysis/step_counts.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace trilo::analysis::detail {

namespace {

std::size_t slot_of(int source, std::int32_t cluster, std::int64_t steps, std::size_t mask) {
  std::uint64_t h = static_cast<std::uint64_t>(steps) * 0x9e3779b97f4a7c15ull;
  h ^= (static_cast<std::uint64_t>(static_cast<std::uint32_t>(cluster)) << 1 | static_cast<std::uint64_t>(source)) *
       0xc2b2ae3d27d4eb4full;
  return static_cast<std::size_t>(h ^ (h >> 29)) & mask;
}

}  // namespace

void StepCounts::add(int source, std::int32_t cluster, std::int64_t steps, std::int64_t by) {
  if (2 * (used_ + 1) > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = slot_of(source, cluster, steps, mask);; i = (i + 1) & mask) {
    Entry& e = slots_[i];
    if (e.cluster < 0) {
      e = {steps, cluster, source, by};
      ++used_;
      return;
    }
    if (e.steps == steps && e.cluster == cluster && e.source == source) {
      e.count += by;
      return;
    }
  }
}

void StepCounts::grow() {
  std::vector<Entry> old = std::move(slots_);
  slots_.assign(std::max<std::size_t>(64, 2 * old.size()), Entry{});
  used_ = 0;
  for (const Entry& e : old)
    if (e.cluster >= 0) add(e.source, e.cluster, e.steps, e.count);
}

std::vector<StepCounts::Entry> StepCounts::sorted() const {
  std::vector<Entry> out;
  out.reserve(used_);
  for_each([&out](const Entry& e) { out.push_back(e); });
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.source, a.cluster, a.steps) < std::tie(b.source, b.cluster, b.steps);
  });
  return out;
}

}  // namespace trilo::analysis::detail
