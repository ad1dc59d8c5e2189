// One job over several processes: the ranks of an MPI run (mpirun, srun).
//
// Every rank parses the same command line and builds the same job. The
// chunks of each distributed loop (jobs/chunk_driver.hpp) are dealt out in a
// static interleave: chunk j of the loop, counted from where the loop
// starts, is computed by rank j mod N. Rank 0 is the writer: it computes its
// own share, receives every other chunk from the rank that computed it, and
// absorbs and commits all of them in index order, so the files are those of
// a one-process run, bit for bit, for any N. Only the writer reads or writes
// files, prints, or resumes; the other ranks compute and send.
//
// A build without MPI, or a process not started by an MPI launcher, is one
// rank and never touches MPI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trilo::jobs {

// Starts MPI when the process was started by an MPI launcher and the build
// has MPI (MPI_Init_thread, funneled: only the main thread calls MPI);
// finishes it on destruction. One per process, in main().
class RankSession {
 public:
  RankSession(int* argc, char*** argv);
  ~RankSession();
  RankSession(const RankSession&) = delete;
  RankSession& operator=(const RankSession&) = delete;
  // After a failure past the start gate: stops every rank (MPI_Abort with
  // `status`), since the others may be waiting on this one.
  [[noreturn]] void abort(int status);
};

// This process's rank and the number of ranks (0 and 1 without MPI).
int rank();
int ranks();
inline bool is_writer() { return rank() == 0; }
// The rank among those on this node (its GPU: local rank mod devices).
int local_rank();
// True when this binary was built with MPI.
bool mpi_built();

// The start gate, before the first file is created or any work is done:
// every rank passes through it exactly once, either here (its input was
// accepted) or through refuse_start() (it refused the input). When any rank
// refused, every rank throws config::BadInput with the refusal of the lowest
// such rank, so all of them exit 2 and rank 0 prints the one line.
void agree_to_start();
// A rank that refused the input (`line`): takes its place in the gate.
// Returns false when the gate was passed already (the failure is then a
// runtime one, and with several ranks the caller must abort); otherwise
// sets `shown` to the line the job's refusal is (the lowest refusing
// rank's), which rank 0 prints.
bool refuse_start(const std::string& line, std::string& shown);
// Whether this rank has passed the gate.
bool past_start_gate();

// The wire between ranks, used by the chunk driver. Messages from one rank
// to another arrive in the order they were sent.
namespace wire {

// Sends a chunk's bytes to the writer. At most two sends are in flight:
// a third waits for the first to be delivered.
void send_to_writer(std::int64_t first, std::int64_t count, std::vector<char>&& bytes);
// Waits for rank `from`'s next chunk; fills first, count and bytes. While
// it waits, a pending SIGINT/SIGTERM (mpirun sends SIGTERM when another
// rank dies) prints one line naming the rank waited for and throws
// Interrupted.
void receive_from(int from, std::int64_t& first, std::int64_t& count, std::vector<char>& bytes);
// Waits until the sends of this rank are delivered.
void flush_sends();
// Rank 0's values of `v` on every rank.
void broadcast(std::vector<std::int64_t>& v);

}  // namespace wire

}  // namespace trilo::jobs
