#include "jobs/chunk_driver.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
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

// The loop's DriveStats, printed to stderr at its end when
// TRILOBITE_DRIVER_STATS is set (docs/scaling.md measures the writer with it).
double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void print_stats(const DriveStats& s, const std::string& what) {
  if (!std::getenv("TRILOBITE_DRIVER_STATS")) return;
  std::fprintf(stderr,
               "driver: %s: %lld chunks computed here, %lld received (%.3f MB); compute %.3f s, wait %.3f s, "
               "absorb+commit %.3f s, waiting for absorb %.3f s, wall %.3f s\n",
               what.empty() ? "loop" : what.c_str(), static_cast<long long>(s.own),
               static_cast<long long>(s.received), static_cast<double>(s.bytes) / 1e6, s.compute_s, s.wait_s,
               s.take_s, s.settle_s, s.wall_s);
}

// The second thread of an overlapped loop: runs the steps handed to it one
// at a time, in order, on one thread for the whole loop. (A thread per chunk
// cost a thread start each, and each new thread a new OpenMP team for the
// parallel regions of its absorb.)
class StepThread {
 public:
  ~StepThread() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  // Runs f on the thread once the step before has ended; the future holds
  // its end (or its exception).
  std::future<void> run(std::function<void()> f) {
    std::packaged_task<void()> task(std::move(f));
    std::future<void> done = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(task));
    }
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    wake_.notify_one();
    return done;
  }

 private:
  void loop() {
    for (;;) {
      std::packaged_task<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopped, nothing left
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<void()>> queue_;
  bool stop_ = false;
};

}  // namespace

DriveStats drive(ChunkWork& work, const DriveOptions& o) {
  DriveStats stats;
  if (o.n <= 0) return stats;
  const auto start = std::chrono::steady_clock::now();
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
    if (!is_writer()) {
      compute_and_send(work, o.n, done, chunk);
      return stats;
    }
  }

  Progress progress(o.what, o.n, o.bar);
  progress.update(done);
  auto take = [&work, &progress, &stats](const Chunk& c) {
    const auto t = std::chrono::steady_clock::now();
    work.absorb(c);
    work.commit(c);
    stats.take_s += since(t);
    progress.update(c.first + c.count);
  };
  // With overlap, the absorb and commit of the chunk before run here while
  // the next one computes (or arrives); they still run one after another in
  // index order.
  StepThread second;  // outlives `absorbing`, whose step it may still be running
  std::future<void> absorbing;
  auto settle = [&absorbing, &stats] {
    if (!absorbing.valid()) return;
    const auto t = std::chrono::steady_clock::now();
    absorbing.get();
    stats.settle_s += since(t);
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
      const auto t = std::chrono::steady_clock::now();
      if (owner == 0) {
        work.compute(c);
        stats.compute_s += since(t);
        ++stats.own;
      } else {
        std::int64_t first = 0, count = 0;
        wire::receive_from(owner, first, count, bytes);
        stats.wait_s += since(t);
        ++stats.received;
        stats.bytes += static_cast<std::int64_t>(bytes.size());
        if (first != c.first || count != c.count)
          throw std::logic_error("drive: rank " + std::to_string(owner) + " sent another chunk than the one due");
        Unpacker u(bytes);
        work.unpack(c, u);
        u.finish();
      }
      settle();
      if (o.overlap) {
        absorbing = second.run([&take, c] { take(c); });
        slot ^= 1;
      } else {
        take(c);
      }
      next += c.count;
    }
    settle();
    stats.wall_s = since(start);
    print_stats(stats, o.what);
  } catch (...) {
    if (absorbing.valid()) absorbing.wait();  // never leave it working on the job's buffers
    throw;
  }
  return stats;
}

}  // namespace trilo::jobs
