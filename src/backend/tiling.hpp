// Work split into tiles that shrink when the device runs out of memory.
// Host-only: the CUDA backend (kernels/) wraps its per-tile allocation and
// launch in for_each_tile; tests drive it with a fake that fails above a size.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace trilo::backend {

// A device allocation or launch that failed for want of memory
// (cudaErrorMemoryAllocation). Not sticky: the device is still usable, and a
// smaller request may succeed. A runtime failure (exit 1) if it escapes.
class OutOfDeviceMemory : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Calls fn(tile_first, tile_count) over consecutive tiles covering
// [first, first + count), in increasing index order, each at most `tile`
// items. When fn throws OutOfDeviceMemory the same range is retried with
// half the items (never fewer than `floor`), and later tiles keep the
// smaller size. fn must fully (re)write the results of the range it is
// given, so a retried range leaves the results of one successful call:
// identical to an untiled call when the per-index work is independent.
// Throws OutOfDeviceMemory naming the size when a tile of `floor` items (or
// a remainder below it) still fails. Returns the tile size last used.
template <class Fn>
std::int64_t for_each_tile(std::int64_t first, std::int64_t count, std::int64_t tile, Fn&& fn,
                           std::int64_t floor = 1) {
  tile = std::max<std::int64_t>(tile, 1);
  floor = std::clamp<std::int64_t>(floor, 1, tile);
  for (std::int64_t done = 0; done < count;) {
    const std::int64_t m = std::min(tile, count - done);
    try {
      fn(first + done, m);
    } catch (const OutOfDeviceMemory& e) {
      if (m <= floor)
        throw OutOfDeviceMemory("out of device memory even for " + std::to_string(m) +
                                (m == 1 ? " item" : " items") + " per launch (" + e.what() + ")");
      tile = std::max(floor, m / 2);
      continue;
    }
    done += m;
  }
  return tile;
}

}  // namespace trilo::backend
