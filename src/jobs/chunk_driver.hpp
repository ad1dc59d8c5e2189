// The one loop over chunks that every job runs. A job is a range of work
// items [0, n) — descents, basin-map cells, grid points, critical-point
// searches, sweep rows — cut into chunks, and three steps per chunk:
//
//   compute  the backend fills the chunk's buffer. It depends only on the
//            chunk's first index and count (and the job's inputs), never on
//            what was computed before: any process could compute any chunk.
//   absorb   the host takes the buffer in: clustering, statistics, rows kept.
//   commit   what absorb produced is made durable (the checkpoint's rows
//            and counters, a tile of the result file).
//
// The driver owns the order, the overlap, resume, progress and
// interruption:
//   - absorb and commit run in index order, one chunk after the other, so
//     the files depend neither on the chunk size nor on the overlap;
//   - with overlap, chunk k + 1 is computed while chunk k is absorbed and
//     committed on a second thread (two buffers, slots 0 and 1), so the
//     device or the cores are not idle while the file is written;
//   - a run starts at `done` (the count a checkpoint committed);
//   - between chunks a pending SIGINT/SIGTERM (jobs/interrupt.hpp) stops the
//     run: the chunk already computed is absorbed and committed first, then
//     Interrupted is thrown.
//
// The seam between compute and absorb/commit is where ranks fit: several
// processes each compute chunks (a static interleave or chunks handed out),
// and one writer absorbs and commits them in index order, which keeps every
// file identical to a one-process run's.
#pragma once

#include <cstdint>
#include <string>

namespace trilo::jobs {

// One chunk: items [first, first + count), computed into buffer `slot`.
struct Chunk {
  std::int64_t first = 0, count = 0;
  int slot = 0;  // 0 or 1: which of the job's two buffers
};

// A job's side of the driver.
class ChunkWork {
 public:
  virtual ~ChunkWork() = default;
  // Items in the chunk starting at `first` (1 .. n - first); by default
  // min(chunk, n - first). A job whose chunks must not straddle a boundary
  // (a sweep's values) cuts them shorter.
  virtual std::int64_t cut(std::int64_t first, std::int64_t n, std::int64_t chunk) const;
  // Fills buffer c.slot; may run while the other slot is absorbed.
  virtual void compute(const Chunk& c) = 0;
  // Takes buffer c.slot in; called in index order, never concurrently.
  virtual void absorb(const Chunk& c) = 0;
  // Makes chunk c durable; right after its absorb, same thread.
  virtual void commit(const Chunk& c) { (void)c; }
};

struct DriveOptions {
  std::int64_t n = 0;             // items [0, n)
  std::int64_t done = 0;          // items already committed: the run starts here
  std::int64_t chunk = 1;         // items per chunk (at most)
  bool overlap = true;            // compute the next chunk while this one is absorbed
  std::string what;               // the progress bar's units ("descents")
  bool bar = false;               // a progress bar on stderr
  std::int64_t bar_floor = 4096;  // with a bar, chunks are cut to about 64 steps, not below this
};

// Runs chunks [done, n) of `work`. Rethrows the first exception of any step
// once no step is running any more (the buffers are then free to go).
void drive(ChunkWork& work, const DriveOptions& o);

// Buffers in flight at once (overlap): what a resource estimate counts per
// chunk or tile.
inline constexpr int kChunksInFlight = 2;

}  // namespace trilo::jobs
