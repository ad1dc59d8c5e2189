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
// Ranks (jobs/ranks.hpp): a loop marked `spread` in an MPI run of N > 1
// ranks deals its chunks out, chunk j (counted from `done`) to rank j mod N.
// Every rank computes its chunks; the other ranks pack theirs and send them
// to rank 0, the writer, which unpacks each in place of computing it and
// absorbs and commits all of them in index order, so the files are those of
// a one-process run. The writer's `done` and chunk size are the loop's on
// every rank. Only the writer calls absorb and commit.
#pragma once

#include <cstdint>
#include <string>

#include "jobs/packing.hpp"

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
  // Over ranks: buffer c.slot, computed, as bytes (on the rank that
  // computed it), and buffer c.slot filled from those bytes in place of
  // compute (on the writer). A job whose loop is spread overrides both.
  virtual void pack(const Chunk& c, Packer& out) const;
  virtual void unpack(const Chunk& c, Unpacker& in);
};

struct DriveOptions {
  std::int64_t n = 0;             // items [0, n)
  std::int64_t done = 0;          // items already committed: the run starts here
  std::int64_t chunk = 1;         // items per chunk (at most)
  bool overlap = true;            // compute the next chunk while this one is absorbed
  std::string what;               // the progress bar's units ("descents")
  bool bar = false;               // a progress bar on stderr
  std::int64_t bar_floor = 4096;  // with a bar, chunks are cut to about 64 steps, not below this
  // Over the ranks of an MPI run: every rank runs this loop at the same
  // point of the same job (a loop of the writer's alone, such as reading a
  // checkpoint back, is not spread).
  bool spread = false;
};

// Where the writer's loop spent its time (wall seconds). compute: in
// ChunkWork::compute; wait: receiving chunks from other ranks; settle: the
// loop thread waiting for the absorb and commit of the chunk before to end
// (with overlap, the time the host's work holds the next compute back);
// take: absorb and commit (on the second thread with overlap).
struct DriveStats {
  std::int64_t own = 0, received = 0, bytes = 0;  // chunks computed here, received; bytes received
  double compute_s = 0, wait_s = 0, settle_s = 0, take_s = 0, wall_s = 0;
};

// Runs chunks [done, n) of `work`. Rethrows the first exception of any step
// once no step is running any more (the buffers are then free to go).
// With TRILOBITE_DRIVER_STATS set, prints its DriveStats to stderr at the
// end of the loop.
DriveStats drive(ChunkWork& work, const DriveOptions& o);

// Buffers in flight at once (overlap): what a resource estimate counts per
// chunk or tile.
inline constexpr int kChunksInFlight = 2;

}  // namespace trilo::jobs
