// The descents of `descend`, `basins` and `run`, chunk by chunk on the chunk
// driver (jobs/chunk_driver.hpp): each chunk is descended, its converged end
// points are clustered into the minima accumulator, its records (all, a sample, or none) and the accumulator's
// state go to the checkpoint and are committed together. Memory holds one
// chunk and the accumulator, whatever the number of starts (unless the
// caller asks to keep everything, as the library API execute_job does).
// Starting from a checkpoint's counters and state continues the run exactly
// where it stopped: every descent depends only on its index and the seed,
// and the accumulator sees the end points in index order either way.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "analysis/accumulator.hpp"
#include "backend/backend.hpp"
#include "io/checkpoint.hpp"
#include "jobs/stage_times.hpp"

namespace trilo::jobs {

// Which descents keep a row in the file.
struct Records {
  enum Mode { kAll, kSample, kNone } mode = kAll;
  std::int64_t every = 1;  // kSample: descents 0, every, 2 every, ...
  bool keeps(std::int64_t i) const { return mode == kAll || (mode == kSample && i % every == 0); }
  // Rows recorded among descents [0, n).
  std::int64_t rows(std::int64_t n) const {
    return mode == kAll ? n : mode == kNone ? 0 : (n + every - 1) / every;
  }
};

// Whether the descents of a chunk are reduced by merge cell where they are
// made (Backend::descend_cells) and the cells clustered
// (MinimaAccumulator::add_cells), the end points brought home and added
// only for a chunk whose cells cannot be: the files are the same either
// way. kBackend: for the descents of a job that records none or a sample
// of them, on a backend that reduces on the device. kOn: every chunk of
// both phases on any backend (on the CPU the host reduction: the path
// tested and timed without a GPU); kOff: never. Not in an MPI run of
// several ranks (their chunks travel as end points) nor when the records
// are kept in memory (execute_job).
enum class CellsPath { kBackend, kOn, kOff };
// The diagnostic TRILOBITE_REDUCE_CELLS: unset or empty kBackend, "on",
// "off"; throws config::BadInput for any other value.
CellsPath cells_path_from_env();

// The diagnostic TRILOBITE_DESCENT_KERNEL (core/descent_variants.hpp):
// throws config::BadInput when it is set to no variant's name.
void check_descent_kernel_env();

// Whether the checkpoint keeps the descent records in the result file's
// chunks as well, deflated as they are committed, so that the end of the
// job moves those chunks into the result as they are (io/chunk_copy.hpp)
// instead of deflating every record after the last commit. The files are
// the same either way. kBackend: on a backend whose descents run on a
// device (Backend::reduces_on_device), where the host's cores are free to
// deflate beside them; on the CPU backend the deflating would compete with
// the descents for the same cores and gain nothing (bench/RESULTS.md).
// kOn: on every backend; kOff: never.
enum class RecordChunks { kBackend, kOn, kOff };
// The diagnostic TRILOBITE_RECORD_CHUNKS: unset or empty kBackend, "on",
// "off"; throws config::BadInput for any other value.
RecordChunks record_chunks_from_env();

struct DescentPlan {
  backend::DescentRequest descents;  // random or explicit starts
  std::int64_t n_descents = 0;
  backend::DescentRequest cells;  // the basin map's lattice
  std::int64_t n_cells = 0;
  std::int64_t chunk = 1 << 16;
  bool bar = false;  // progress bars on stderr
  Records records;
  CellsPath reduce = CellsPath::kBackend;
  RecordChunks record_chunks = RecordChunks::kBackend;
};

// Counters committed with each chunk (the checkpoint's progress record).
struct DescentCounters {
  std::int64_t descents_done = 0, descent_rows = 0, cells_done = 0;
  std::int64_t descent_status[3] = {0, 0, 0};  // converged, max-steps, diverged
  std::int64_t cell_status[3] = {0, 0, 0};
  static constexpr int kSize = 9;
  std::vector<std::int64_t> flat() const;
  static DescentCounters from(const std::vector<std::int64_t>& v);  // throws on a wrong size
};

// The checkpoint streams: "descents" (start, end, loss, grad_norm, steps,
// status, raw cluster id, bounce flag per recorded descent) and "cells" (raw
// cluster id, steps, status per basin-map cell). All the descents' columns
// but the raw cluster id are those of /descents in the result; with
// `result_rows` >= 0 (the rows /descents will have) the checkpoint keeps
// them in the result's chunks too (io::StreamSpec::result_rows).
std::vector<io::StreamSpec> descent_streams(int dim, std::int64_t result_rows = -1);
// The rows /descents of `plan`'s result will have when the checkpoint keeps
// them in the result's chunks on `be` (DescentPlan::record_chunks), else -1.
std::int64_t result_rows(const DescentPlan& plan, const backend::Backend& be);

class DescentRun {
 public:
  DescentRun(const DescentPlan& plan, int dim, double merge_tol);

  // Continues from a checkpoint's counters and accumulator state.
  void restore(const io::CheckpointReader& from);
  // Descends what is left, committing each chunk to `checkpoint` when it is
  // not null; keeps every record in memory when `keep` (descents(), cells()).
  // Throws Interrupted between chunks once SIGINT/SIGTERM arrived.
  void run(backend::Backend& be, io::CheckpointWriter* checkpoint, bool keep);

  const DescentCounters& counters() const { return counters_; }
  const analysis::MinimaAccumulator& accumulator() const { return acc_; }
  // Kept records (keep = true) and their raw cluster ids.
  const backend::DescentBatch& descents() const { return descents_; }
  const backend::DescentBatch& cells() const { return cells_; }
  const std::vector<std::int32_t>& descent_raw() const { return descent_raw_; }
  const std::vector<std::int32_t>& cell_raw() const { return cell_raw_; }
  // Seconds run() spent on the descents and on the basin-map cells (this
  // process's share of a resumed run).
  double descent_seconds() const { return descent_seconds_; }
  double cell_seconds() const { return cell_seconds_; }
  // The loop and absorb stages of run() (the rest stay zero).
  const StageTimes& stage_times() const { return times_; }

 private:
  // One source's descents through the chunk driver (jobs/chunk_driver.hpp).
  void phase(backend::Backend& be, analysis::Source src, io::CheckpointWriter* ck, bool keep);
  // The driver's absorb: clusters, counts, keeps and writes the recorded
  // rows of one descended chunk starting at index `first`; commit() is its
  // commit. Both run on the driver's second thread while the next chunk is
  // descended.
  // With `cells` (the chunk reduced by Backend::descend_cells) the cells
  // are clustered, and only where they cannot be does fetch() complete
  // `part` with the end points for MinimaAccumulator::add.
  void absorb(analysis::Source src, std::int64_t first, backend::DescentBatch& part,
              const backend::ReducedCells* cells, const std::function<void()>& fetch, io::CheckpointWriter* ck,
              bool keep);
  // Whether `src`'s chunks take the cells path on `be` (CellsPath), and
  // which rows they then bring home (Backend::descend_cells' `every`).
  bool reduces(const backend::Backend& be, analysis::Source src, bool keep) const;
  std::int64_t rows_home(analysis::Source src) const;
  void commit(io::CheckpointWriter* ck);

  DescentPlan plan_;
  int dim_;
  analysis::MinimaAccumulator acc_;
  DescentCounters counters_;
  backend::DescentBatch descents_, cells_;
  std::vector<std::int32_t> descent_raw_, cell_raw_;
  // absorb()'s scratch: raw cluster ids of a chunk, its recorded rows.
  std::vector<std::int32_t> raw_, rec_raw_;
  backend::DescentBatch rec_;
  double descent_seconds_ = 0, cell_seconds_ = 0;
  StageTimes times_;
};

}  // namespace trilo::jobs
