#include "jobs/chunk_driver.hpp"

#include <algorithm>
#include <future>
#include <stdexcept>

#include "jobs/interrupt.hpp"
#include "jobs/progress.hpp"

namespace trilo::jobs {

std::int64_t ChunkWork::cut(std::int64_t first, std::int64_t n, std::int64_t chunk) const {
  return std::min(chunk, n - first);
}

void drive(ChunkWork& work, const DriveOptions& o) {
  if (o.n <= 0) return;
  if (o.done < 0 || o.done > o.n)
    throw std::logic_error("drive: the committed count is outside [0, n]");
  Progress progress(o.what, o.n, o.bar);
  progress.update(o.done);
  const std::int64_t chunk =
      chunk_for_progress(std::max<std::int64_t>(1, o.chunk), o.n, o.bar, o.bar_floor);
  auto take = [&work, &progress](const Chunk& c) {
    work.absorb(c);
    work.commit(c);
    progress.update(c.first + c.count);
  };
  // With overlap, the absorb and commit of the chunk before run here while
  // the next one computes; they still run one after another in index order.
  std::future<void> absorbing;
  auto settle = [&absorbing] {
    if (absorbing.valid()) absorbing.get();
  };
  std::int64_t next = o.done;
  int slot = 0;
  try {
    while (next < o.n) {
      try {
        check_interrupted();
      } catch (const Interrupted&) {
        settle();  // the chunk already computed is committed first
        throw;
      }
      const std::int64_t count = work.cut(next, o.n, chunk);
      if (count < 1 || count > o.n - next)
        throw std::logic_error("ChunkWork::cut: a chunk outside [first, n)");
      const Chunk c{next, count, slot};
      work.compute(c);
      settle();
      if (o.overlap) {
        absorbing = std::async(std::launch::async, take, c);
        slot ^= 1;
      } else {
        take(c);
      }
      next += count;
    }
    settle();
  } catch (...) {
    if (absorbing.valid()) absorbing.wait();  // never leave it working on the job's buffers
    throw;
  }
}

}  // namespace trilo::jobs
