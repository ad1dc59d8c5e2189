// Where a descent job's wall time goes, stage by stage: printed to stderr by
// `descend`, `basins` and `run` when TRILOBITE_DRIVER_STATS is set, and
// tabled by `trilobite bench --pipeline` (bench/README.md). Every figure is
// wall seconds summed over the job's chunks; the absorb stages run on the
// driver's second thread, beside the next chunk's compute.
#pragma once

#include <cstdint>
#include <iosfwd>

namespace trilo::jobs {

struct StageTimes {
  // The chunk loops (descents and basin-map cells; jobs/chunk_driver.hpp).
  double compute_s = 0;  // backend calls (on a GPU the kernels and the copies home); over ranks,
                         // also the writer's wait for the other ranks' chunks
  double settle_s = 0;   // the loop waiting for the chunk before to be absorbed
  double loop_s = 0;     // the loops' wall time
  // Absorb and commit of each chunk.
  double cluster_s = 0;     // end points into the minima accumulator (cell keys, search, counts)
  double count_s = 0;       // status counts and the rows kept in memory
  double records_s = 0;     // the recorded rows picked out (--records sample)
  double checkpoint_s = 0;  // rows written to the checkpoint
  double commit_s = 0;      // the checkpoint's counters and accumulator state committed
  // Before and after the loops.
  double setup_s = 0;   // the checkpoint created (or a resumed one copied)
  double finish_s = 0;  // the minima table: polish, merge, describe, sort
  double copy_s = 0;    // records (and basin labels) from the checkpoint into the result file
  double tables_s = 0;  // the tables, known minima, summary and commit of the result file
  double total_s = 0;   // the whole job
  // Chunks whose end points were reduced by cell (Backend::descend_cells),
  // and those of them whose cells could not be clustered, so that their end
  // points were brought home and added one by one.
  std::int64_t cells_chunks = 0, cells_fallbacks = 0;
  // Rows written into /descents, and the chunks of them moved from the
  // checkpoint as stored (io/chunk_copy.hpp); -1: deflated from the
  // checkpoint's rows.
  std::int64_t record_rows = 0, chunks_moved = -1;
  // Of the checkpoint's chunks of the records: those it took as stored from
  // the checkpoint it resumed, and those this process deflated.
  std::int64_t chunks_adopted = 0, chunks_deflated = 0;
  // The device's kernel time of the job (Backend::take_device_seconds; set
  // by bench --pipeline); negative where the work runs on the host.
  double kernel_s = -1;

  double absorb_s() const { return cluster_s + count_s + records_s + checkpoint_s + commit_s; }
};

// One line per group of stages, for TRILOBITE_DRIVER_STATS.
void print_stage_times(const StageTimes& t, std::ostream& out);

}  // namespace trilo::jobs
