// for_each_tile (src/backend/tiling.hpp), the CUDA backend's answer to
// running out of device memory, driven on the CPU by a fake that fails
// whenever a tile is larger than what "fits".
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "backend/tiling.hpp"

namespace {

using trilo::backend::for_each_tile;
using trilo::backend::OutOfDeviceMemory;

// Per-index work whose result depends on the index alone.
std::int64_t work(std::int64_t i) { return i * 2654435761 % 1000003 - 17; }

// A device with room for `fits` items: larger tiles fail after scribbling
// over their range (as a partly run tile might), smaller ones fill it.
struct FakeDevice {
  std::int64_t first, fits;
  std::vector<std::int64_t>& out;
  std::vector<std::pair<std::int64_t, std::int64_t>> done;  // successful tiles
  void operator()(std::int64_t f, std::int64_t m) {
    if (m > fits) {
      for (std::int64_t k = 0; k < m; ++k) out[f - first + k] = -999;
      throw OutOfDeviceMemory("cudaMallocAsync: out of memory");
    }
    for (std::int64_t k = 0; k < m; ++k) out[f - first + k] = work(f + k);
    done.emplace_back(f, m);
  }
};

std::vector<std::int64_t> untiled(std::int64_t first, std::int64_t count) {
  std::vector<std::int64_t> v(count);
  for (std::int64_t k = 0; k < count; ++k) v[k] = work(first + k);
  return v;
}

TEST(ForEachTile, HalvesUntilATileFitsAndGivesTheUntiledResults) {
  const std::int64_t first = 7, count = 1000;
  std::vector<std::int64_t> out(count, 0);
  FakeDevice dev{first, 100, out, {}};
  const std::int64_t used = for_each_tile(first, count, 512, std::ref(dev));
  EXPECT_EQ(used, 64);  // 512 -> 256 -> 128 -> 64
  EXPECT_EQ(out, untiled(first, count));
  // The successful tiles cover the range once, in index order.
  std::int64_t next = first;
  for (const auto& [f, m] : dev.done) {
    EXPECT_EQ(f, next);
    EXPECT_LE(m, 100);
    next = f + m;
  }
  EXPECT_EQ(next, first + count);
}

TEST(ForEachTile, WithoutFailuresTilesAreTheRequestedSizeAndTheLastIsTheRest) {
  std::vector<std::int64_t> out(130, 0);
  FakeDevice dev{0, 1 << 20, out, {}};
  EXPECT_EQ(for_each_tile(0, 130, 64, std::ref(dev)), 64);
  const std::vector<std::pair<std::int64_t, std::int64_t>> want = {{0, 64}, {64, 64}, {128, 2}};
  EXPECT_EQ(dev.done, want);
  EXPECT_EQ(out, untiled(0, 130));
}

TEST(ForEachTile, ARemainderThatNoLongerFitsIsHalvedToo) {
  // The device fills up after the first tile: the remainder of 30 then
  // fails and runs as 15 + 15.
  std::vector<std::int64_t> out(130, 0);
  FakeDevice dev{0, 100, out, {}};
  for_each_tile(0, 130, 100, [&](std::int64_t f, std::int64_t m) {
    dev(f, m);
    dev.fits = 20;
  });
  const std::vector<std::pair<std::int64_t, std::int64_t>> want = {{0, 100}, {100, 15}, {115, 15}};
  EXPECT_EQ(dev.done, want);
  EXPECT_EQ(out, untiled(0, 130));
}

TEST(ForEachTile, NothingFitsEvenAtTheFloorIsAClearError) {
  std::vector<std::int64_t> out(1000, 0);
  FakeDevice none{0, 0, out, {}};
  try {
    for_each_tile(0, 1000, 256, std::ref(none));
    FAIL() << "no error";
  } catch (const OutOfDeviceMemory& e) {
    EXPECT_NE(std::string(e.what()).find("even for 1 item per launch"), std::string::npos)
        << e.what();
  }
  FakeDevice tiny{0, 10, out, {}};
  try {
    for_each_tile(0, 1000, 256, std::ref(tiny), 16);
    FAIL() << "no error";
  } catch (const OutOfDeviceMemory& e) {
    EXPECT_NE(std::string(e.what()).find("even for 16 items per launch"), std::string::npos)
        << e.what();
  }
}

TEST(ForEachTile, OtherErrorsPassThroughUntouchedAndAnEmptyRangeCallsNothing) {
  int calls = 0;
  EXPECT_THROW(for_each_tile(0, 10, 4,
                             [&](std::int64_t, std::int64_t) {
                               ++calls;
                               throw std::runtime_error("launch failed");
                             }),
               std::runtime_error);
  EXPECT_EQ(calls, 1);
  for_each_tile(5, 0, 4, [&](std::int64_t, std::int64_t) { ++calls; });
  EXPECT_EQ(calls, 1);
}

}  // namespace
