// The chunk driver (src/jobs/chunk_driver.hpp) on a fake job: a "backend"
// that writes f(i) = 3 i^2 + 1 for each item into the chunk's slot, and an
// absorb/commit that log what they saw. Checked against the closed form and
// the index order, with and without overlap, for chunk sizes that do and do
// not divide n, n = 0 and 1, a resumed count, and an interruption between
// chunks (in a child process: the signal flag is process-wide).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "jobs/chunk_driver.hpp"
#include "jobs/interrupt.hpp"

namespace trilo::jobs {
namespace {

double f(std::int64_t i) { return 3.0 * static_cast<double>(i) * static_cast<double>(i) + 1.0; }

struct FakeJob : ChunkWork {
  std::vector<double> slot[2];
  std::vector<double> absorbed;                                  // values in absorb order
  std::vector<std::pair<std::int64_t, std::int64_t>> committed;  // (first, count)
  std::vector<int> slots_used;
  std::int64_t absorbed_through = -1;  // set by absorb: the next index expected
  bool order_ok = true;
  std::int64_t fail_compute_at = -1;  // compute of the chunk at this first throws
  std::int64_t interrupt_at = -1;     // compute of the chunk at this first raises SIGINT

  void compute(const Chunk& c) override {
    if (c.first == fail_compute_at) throw std::runtime_error("device failed");
    if (c.first == interrupt_at) std::raise(SIGINT);
    std::vector<double>& b = slot[c.slot];
    b.assign(static_cast<std::size_t>(c.count), 0.0);
    for (std::int64_t k = 0; k < c.count; ++k) b[k] = f(c.first + k);
    slots_used.push_back(c.slot);
  }
  void absorb(const Chunk& c) override {
    if (absorbed_through >= 0 && c.first != absorbed_through) order_ok = false;
    for (std::int64_t k = 0; k < c.count; ++k) absorbed.push_back(slot[c.slot][k]);
    absorbed_through = c.first + c.count;
  }
  void commit(const Chunk& c) override { committed.emplace_back(c.first, c.count); }
};

DriveOptions options(std::int64_t n, std::int64_t chunk, bool overlap, std::int64_t done = 0) {
  DriveOptions o;
  o.n = n;
  o.chunk = chunk;
  o.overlap = overlap;
  o.done = done;
  o.what = "items";
  return o;
}

// Every item in [done, n) absorbed once, in order, with its value; commits
// contiguous from done to n, each at most `chunk` long.
void expect_complete(const FakeJob& job, std::int64_t n, std::int64_t chunk, std::int64_t done) {
  EXPECT_TRUE(job.order_ok);
  ASSERT_EQ(static_cast<std::int64_t>(job.absorbed.size()), n - done);
  for (std::int64_t i = done; i < n; ++i) EXPECT_EQ(job.absorbed[i - done], f(i)) << "item " << i;
  std::int64_t next = done;
  for (const auto& [first, count] : job.committed) {
    EXPECT_EQ(first, next);
    EXPECT_GE(count, 1);
    EXPECT_LE(count, chunk);
    next = first + count;
  }
  EXPECT_EQ(next, n);
  const std::int64_t chunks = n > done ? (n - done + chunk - 1) / chunk : 0;
  EXPECT_EQ(static_cast<std::int64_t>(job.committed.size()), chunks);
}

TEST(ChunkDriver, CommitsEveryChunkInIndexOrder) {
  for (bool overlap : {false, true})
    for (std::int64_t n : {1, 2, 7, 100, 101})
      for (std::int64_t chunk : {1, 3, 7, 10, 1000}) {
        SCOPED_TRACE("n " + std::to_string(n) + " chunk " + std::to_string(chunk) +
                     (overlap ? " overlap" : ""));
        FakeJob job;
        drive(job, options(n, chunk, overlap));
        expect_complete(job, n, chunk, 0);
      }
}

TEST(ChunkDriver, NothingToDoCallsNothing) {
  FakeJob job;
  drive(job, options(0, 5, true));
  EXPECT_TRUE(job.committed.empty());
  FakeJob all_done;
  drive(all_done, options(10, 5, true, 10));
  EXPECT_TRUE(all_done.committed.empty());
  EXPECT_TRUE(all_done.slots_used.empty());
}

TEST(ChunkDriver, ResumesFromACommittedCount) {
  for (std::int64_t done : {1, 9, 10, 11, 99}) {
    FakeJob job;
    drive(job, options(100, 10, true, done));
    SCOPED_TRACE("done " + std::to_string(done));
    expect_complete(job, 100, 10, done);
    ASSERT_FALSE(job.committed.empty());
    EXPECT_EQ(job.committed.front().first, done);
  }
}

TEST(ChunkDriver, OverlapAlternatesSlotsWithoutOverlapOneSlot) {
  FakeJob a, b;
  drive(a, options(50, 10, true));
  drive(b, options(50, 10, false));
  EXPECT_EQ(a.slots_used, (std::vector<int>{0, 1, 0, 1, 0}));
  EXPECT_EQ(b.slots_used, (std::vector<int>{0, 0, 0, 0, 0}));
}

// The next chunk really computes while the last one is absorbed, and the
// absorbs still come in order with the values of their own chunk (a slow
// absorb whose slot the next compute overwrote would see wrong values).
struct SlowAbsorb : FakeJob {
  std::mutex m;
  std::condition_variable cv;
  std::int64_t computed_through = 0;
  int overlapped = 0;
  void compute(const Chunk& c) override {
    FakeJob::compute(c);
    std::lock_guard<std::mutex> lock(m);
    computed_through = c.first + c.count;
    cv.notify_all();
  }
  void absorb(const Chunk& c) override {
    {
      // Waits (bounded) for the next chunk's compute to finish: it can only
      // finish now when the driver overlaps.
      std::unique_lock<std::mutex> lock(m);
      if (cv.wait_for(lock, std::chrono::seconds(2),
                      [&] { return computed_through > c.first + c.count; }))
        ++overlapped;
    }
    FakeJob::absorb(c);
  }
};

TEST(ChunkDriver, OverlapComputesAheadWithoutReordering) {
  SlowAbsorb job;
  drive(job, options(40, 8, true));
  expect_complete(job, 40, 8, 0);
  EXPECT_EQ(job.overlapped, 4);  // every chunk but the last had its successor computed meanwhile
}

TEST(ChunkDriver, CustomCutsAreHonoured) {
  // Chunks never straddle a multiple of 10 (as a sweep's chunks never span
  // two values).
  struct Cut : FakeJob {
    std::int64_t cut(std::int64_t first, std::int64_t n, std::int64_t chunk) const override {
      return std::min({chunk, n - first, 10 - first % 10});
    }
  } job;
  drive(job, options(35, 4, true));
  const std::vector<std::pair<std::int64_t, std::int64_t>> want = {
      {0, 4},  {4, 4},  {8, 2},  {10, 4}, {14, 4}, {18, 2},
      {20, 4}, {24, 4}, {28, 2}, {30, 4}, {34, 1}};
  EXPECT_EQ(job.committed, want);
  EXPECT_TRUE(job.order_ok);
}

TEST(ChunkDriver, AFailingComputeStopsAfterTheChunksBefore) {
  FakeJob job;
  job.fail_compute_at = 30;
  EXPECT_THROW(drive(job, options(100, 10, true)), std::runtime_error);
  // Chunks before the failure may or may not have been committed when the
  // exception left; none after it, and those committed are in order.
  ASSERT_LE(job.committed.size(), 3u);
  for (std::size_t k = 0; k < job.committed.size(); ++k)
    EXPECT_EQ(job.committed[k].first, static_cast<std::int64_t>(10 * k));
}

// SIGINT raised while chunk [30, 40) computes: that chunk is still absorbed
// and committed, then Interrupted is thrown before any further compute.
// In a child process, because the flag cannot be cleared.
TEST(ChunkDriverDeathTest, InterruptionStopsBetweenChunks) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (bool overlap : {false, true}) {
    EXPECT_EXIT(
        {
          install_interrupt_handlers();
          FakeJob job;
          job.interrupt_at = 30;
          bool interrupted = false;
          try {
            drive(job, options(100, 10, overlap));
          } catch (const Interrupted&) {
            interrupted = true;
          }
          const bool ok = interrupted && job.committed.size() == 4 &&
                          job.committed.back().first == 30 && job.absorbed.size() == 40 &&
                          job.absorbed[39] == f(39) && job.order_ok && job.slots_used.size() == 4;
          std::exit(ok ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "");
  }
}

}  // namespace
}  // namespace trilo::jobs
