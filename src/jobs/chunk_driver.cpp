#include "jobs/chunk_driver.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <future>
#include <stdexcept>
#include <utility>

#include "jobs/interrupt.hpp"
#include "jobs/progress.hpp"
#include "jobs/ranks.hpp"

namespace trilo::jobs {

std::int64_t ChunkWork::cut(std::int64_t first, std::int64_t n, std::int64_t chunk) const {
  return std::min(chunk, n - first);
}

void ChunkWork::pack(const Chunk&, Packer&) const {
  throw std::logic_error("ChunkWork: this job's loop does not run over ranks");
}

void ChunkWork::unpack(const Chunk&, Unpacker&) {
  throw std::logic_error("ChunkWork: this job's loop does not run over ranks");
}

namespace {

// The chunk at `next`, checked against the loop.
Chunk next_chunk(const ChunkWork& work, std::int64_t next, std::int64_t n, std::int64_t chunk,
                 int slot) {
  const std::int64_t count = work.cut(next, n, chunk);
  if (count < 1 || count > n - next) throw std::logic_error("ChunkWork::cut: a chunk outside [first, n)");
  return {next, count, slot};
}

// Test hook (tests/python/check_ranks.py): TRILOBITE_FAULT=kill-rank:R:K
// sends SIGKILL to rank R > 0 once it has sent its K-th chunk of a loop, to
// show that a rank that dies stops the job and leaves it resumable.
void rank_fault_hook(std::int64_t sent) {
  static const char* spec = std::getenv("TRILOBITE_FAULT");
  if (!spec) return;
  const std::string s = spec, prefix = "kill-rank:";
  if (s.rfind(prefix, 0) != 0) return;
  char* end = nullptr;
  const long r = std::strtol(s.c_str() + prefix.size(), &end, 10);
  if (*end != ':' || r != rank()) return;
  if (std::strtoll(end + 1, nullptr, 10) == sent) std::raise(SIGKILL);
}

// A rank other than the writer: computes chunks j = rank, rank + N, ...
// and sends each to the writer.
void compute_and_send(ChunkWork& work, std::int64_t n, std::int64_t done, std::int64_t chunk) {
  const int me = rank(), size = ranks();
  std::int64_t sent = 0;
  for (std::int64_t next = done, j = 0; next < n; ++j) {
    const Chunk c = next_chunk(work, next, n, chunk, 0);
    if (j % size == me) {
      work.compute(c);
      std::vector<char> bytes;
      Packer p(bytes);
      work.pack(c, p);
      wire::send_to_writer(c.first, c.count, std::move(bytes));
      rank_fault_hook(++sent);
    }
    next += c.count;
  }
  wire::flush_sends();
}

}  // namespace

void drive(ChunkWork& work, const DriveOptions& o) {
  if (o.n <= 0) return;
  if (o.done < 0 || o.done > o.n)
    throw std::logic_error("drive: the committed count is outside [0, n]");
  std::int64_t done = o.done;
  std::int64_t chunk = chunk_for_progress(std::max<std::int64_t>(1, o.chunk), o.n, o.bar, o.bar_floor);
  const int size = o.spread ? ranks() : 1;
  if (size > 1) {
    // The writer's start and chunk size hold on every rank.
    std::vector<std::int64_t> head = {o.n, done, chunk};
    wire::broadcast(head);
    if (head[0] != o.n) throw std::logic_error("drive: the ranks disagree on the loop's size");
    done = head[1];
    chunk = head[2];
    if (!is_writer()) return compute_and_send(work, o.n, done, chunk);
  }

  Progress progress(o.what, o.n, o.bar);
  progress.update(done);
  auto take = [&work, &progress](const Chunk& c) {
    work.absorb(c);
    work.commit(c);
    progress.update(c.first + c.count);
  };
  // With overlap, the absorb and commit of the chunk before run here while
  // the next one computes (or arrives); they still run one after another in
  // index order.
  std::future<void> absorbing;
  auto settle = [&absorbing] {
    if (absorbing.valid()) absorbing.get();
  };
  std::int64_t next = done;
  int slot = 0;
  std::vector<char> bytes;
  try {
    for (std::int64_t j = 0; next < o.n; ++j) {
      try {
        check_interrupted();
      } catch (const Interrupted&) {
        settle();  // the chunk already computed is committed first
        throw;
      }
      const Chunk c = next_chunk(work, next, o.n, chunk, slot);
      const int owner = static_cast<int>(j % size);
      if (owner == 0) {
        work.compute(c);
      } else {
        std::int64_t first = 0, count = 0;
        wire::receive_from(owner, first, count, bytes);
        if (first != c.first || count != c.count)
          throw std::logic_error("drive: rank " + std::to_string(owner) + " sent another chunk than the one due");
        Unpacker u(bytes);
        work.unpack(c, u);
        u.finish();
      }
      settle();
      if (o.overlap) {
        absorbing = std::async(std::launch::async, take, c);
        slot ^= 1;
      } else {
        take(c);
      }
      next += c.count;
    }
    settle();
  } catch (...) {
    if (absorbing.valid()) absorbing.wait();  // never leave it working on the job's buffers
    throw;
  }
}

}  // namespace trilo::jobs
