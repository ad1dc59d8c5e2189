#include "jobs/ranks.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <thread>

#include "config/run_config.hpp"
#include "jobs/interrupt.hpp"

#ifdef TRILOBITE_HAVE_MPI
#include <mpi.h>
#endif

namespace trilo::jobs {

namespace {

enum class Gate { kAhead, kPassed, kRefused };

struct State {
  bool mpi = false;  // MPI_Init ran
  int rank = 0, size = 1, local = 0;
  Gate gate = Gate::kAhead;
};

State& state() {
  static State s;
  return s;
}

}  // namespace

int rank() { return state().rank; }
int ranks() { return state().size; }
int local_rank() { return state().local; }
bool past_start_gate() { return state().gate != Gate::kAhead; }

#ifdef TRILOBITE_HAVE_MPI

namespace {

// Started by an MPI launcher: the variables Open MPI, MPICH/Hydra and PMIx
// set in every process they start (cli/launch_guard.hpp lists them).
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

constexpr int kHeadTag = 11, kBodyTag = 12;
// A chunk's bytes travel in pieces of at most this many (MPI counts are int).
constexpr std::int64_t kPiece = std::int64_t{1} << 30;

// Errors of MPI calls come back as codes (MPI_ERRORS_RETURN) and are thrown.
void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  throw std::runtime_error(std::string("MPI ") + what + ": " + std::string(text, static_cast<std::size_t>(len)));
}

// Waits for `r`, yielding the core between tests: a rank waiting for
// another must not take the CPU from the ranks still computing (2 ranks on
// 2 cores, or more ranks than cores).
void wait_for(MPI_Request& r, int from) {
  for (;;) {
    int done = 0;
    check(MPI_Test(&r, &done, MPI_STATUS_IGNORE), "test");
    if (done) return;
    if (from >= 0 && interrupt_pending()) {
      std::cerr << "trilobite: stopped while waiting for rank " << from
                << "'s chunk (that rank ended, or the job was stopped)\n";
      MPI_Cancel(&r);
      throw Interrupted();
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

// A send in flight: its header and bytes stay alive until it is delivered.
struct Outgoing {
  std::int64_t head[3] = {0, 0, 0};
  std::vector<char> bytes;
  std::vector<MPI_Request> requests;
};

std::vector<Outgoing>& outgoing() {
  static std::vector<Outgoing> q;
  return q;
}

void settle_first() {
  Outgoing& o = outgoing().front();
  for (MPI_Request& r : o.requests) wait_for(r, -1);
  outgoing().erase(outgoing().begin());
}

// The gate's collective: every rank says whether it refused; the lowest
// refusing rank's line goes to all. Returns the line (empty: none refused).
std::string gate_exchange(bool refused, const std::string& line) {
  struct {
    int refused;
    int rank;
  } mine{refused ? 0 : 1, rank()}, lowest{1, 0};
  MPI_Request r;
  check(MPI_Iallreduce(&mine, &lowest, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD, &r), "gate");
  wait_for(r, -1);
  if (lowest.refused == 1) return {};
  std::string text = line;
  int n = static_cast<int>(text.size());
  check(MPI_Bcast(&n, 1, MPI_INT, lowest.rank, MPI_COMM_WORLD), "gate");
  text.resize(static_cast<std::size_t>(n));
  check(MPI_Bcast(text.data(), n, MPI_CHAR, lowest.rank, MPI_COMM_WORLD), "gate");
  if (text.empty()) text = "rank " + std::to_string(lowest.rank) + " refused the input";
  return text;
}

}  // namespace

RankSession::RankSession(int* argc, char*** argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw std::runtime_error("MPI could not start (MPI_Init_thread failed)");
  State& s = state();
  s.mpi = true;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &s.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &s.size);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, s.rank, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &s.local);
  MPI_Comm_free(&node);
}

RankSession::~RankSession() {
  if (!state().mpi) return;
  try {
    while (!outgoing().empty()) settle_first();
    // The ranks done first wait here for the writer, without taking a core
    // from it (MPI_Finalize alone would spin).
    MPI_Request r;
    check(MPI_Ibarrier(MPI_COMM_WORLD, &r), "barrier");
    wait_for(r, -1);
  } catch (...) {
  }
  MPI_Finalize();
}

void RankSession::abort(int status) {
  std::cerr.flush();
  // Interrupted: the signal came from mpirun (another rank died) or from
  // the user; leaving without MPI_Finalize is enough for mpirun to end the
  // other ranks. A failure of this rank's own stops them all at once.
  if (state().mpi && state().size > 1 && status != 130) MPI_Abort(MPI_COMM_WORLD, status);
  std::_Exit(status);
}

bool mpi_built() { return true; }

void agree_to_start() {
  State& s = state();
  if (s.size <= 1) {
    s.gate = Gate::kPassed;
    return;
  }
  if (s.gate != Gate::kAhead) throw std::logic_error("agree_to_start: the start gate was passed already");
  const std::string refusal = gate_exchange(false, {});
  if (refusal.empty()) {
    s.gate = Gate::kPassed;
    return;
  }
  s.gate = Gate::kRefused;
  throw config::BadInput(refusal);
}

bool refuse_start(const std::string& line, std::string& shown) {
  State& s = state();
  if (s.gate == Gate::kRefused) {
    shown = line;
    return true;
  }
  if (s.gate == Gate::kPassed) return false;
  s.gate = Gate::kRefused;
  shown = s.size > 1 ? gate_exchange(true, line) : line;
  return true;
}

namespace wire {

void send_to_writer(std::int64_t first, std::int64_t count, std::vector<char>&& bytes) {
  while (outgoing().size() >= 2) settle_first();
  outgoing().emplace_back();
  Outgoing& o = outgoing().back();
  o.bytes = std::move(bytes);
  const auto total = static_cast<std::int64_t>(o.bytes.size());
  o.head[0] = first;
  o.head[1] = count;
  o.head[2] = total;
  o.requests.emplace_back();
  check(MPI_Isend(o.head, 3, MPI_INT64_T, 0, kHeadTag, MPI_COMM_WORLD, &o.requests.back()), "send");
  for (std::int64_t at = 0; at < total; at += kPiece) {
    const int n = static_cast<int>(std::min(kPiece, total - at));
    o.requests.emplace_back();
    check(MPI_Isend(o.bytes.data() + at, n, MPI_BYTE, 0, kBodyTag, MPI_COMM_WORLD, &o.requests.back()), "send");
  }
}

void receive_from(int from, std::int64_t& first, std::int64_t& count, std::vector<char>& bytes) {
  std::int64_t head[3] = {0, 0, 0};
  MPI_Request r;
  check(MPI_Irecv(head, 3, MPI_INT64_T, from, kHeadTag, MPI_COMM_WORLD, &r), "receive");
  wait_for(r, from);
  first = head[0];
  count = head[1];
  if (head[2] < 0) throw std::runtime_error("rank " + std::to_string(from) + " sent a chunk of negative size");
  bytes.resize(static_cast<std::size_t>(head[2]));
  for (std::int64_t at = 0; at < head[2]; at += kPiece) {
    const int n = static_cast<int>(std::min(kPiece, head[2] - at));
    check(MPI_Irecv(bytes.data() + at, n, MPI_BYTE, from, kBodyTag, MPI_COMM_WORLD, &r), "receive");
    wait_for(r, from);
  }
}

void flush_sends() {
  while (!outgoing().empty()) settle_first();
}

void broadcast(std::vector<std::int64_t>& v) {
  MPI_Request r;
  check(MPI_Ibcast(v.data(), static_cast<int>(v.size()), MPI_INT64_T, 0, MPI_COMM_WORLD, &r), "broadcast");
  wait_for(r, -1);
}

}  // namespace wire

#else  // built without MPI: one rank

RankSession::RankSession(int*, char***) {}
RankSession::~RankSession() = default;
void RankSession::abort(int status) { std::_Exit(status); }
bool mpi_built() { return false; }

void agree_to_start() { state().gate = Gate::kPassed; }

bool refuse_start(const std::string& line, std::string& shown) {
  if (state().gate == Gate::kPassed) return false;
  state().gate = Gate::kRefused;
  shown = line;
  return true;
}

namespace wire {
void send_to_writer(std::int64_t, std::int64_t, std::vector<char>&&) {
  throw std::logic_error("wire: this trilobite was built without MPI");
}
void receive_from(int, std::int64_t&, std::int64_t&, std::vector<char>&) {
  throw std::logic_error("wire: this trilobite was built without MPI");
}
void flush_sends() {}
void broadcast(std::vector<std::int64_t>&) {}
}  // namespace wire

#endif

}  // namespace trilo::jobs
