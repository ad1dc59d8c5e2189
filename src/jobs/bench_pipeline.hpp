// `trilobite bench --pipeline`: whole `descend` jobs, timed stage by stage
// (jobs/stage_times.hpp), on the zero-cost backend (backend.hpp), whose
// compute costs nothing, so that what is left is the host's own work per
// descent: the part of a GPU job that the GPU does not take away. The same
// jobs on the real backends beside it show what the compute adds.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trilo::jobs {

struct PipelineCase {
  std::string name;       // "quartic-dimple-2d"
  std::string landscape;  // "quartic-dimple"
  int dim = 2;
};

struct PipelineOptions {
  std::vector<PipelineCase> cases;
  std::vector<std::string> precisions;  // "f32", "f64"
  std::vector<std::int64_t> starts;     // descents per job
  std::vector<std::string> records;     // --records of each job: none, sample, all
  std::vector<std::int64_t> chunks;     // --chunk of each job (descents per backend call)
  std::vector<std::string> backends;    // "zero-cost", "cpu", "cuda", in this order
  int repeats = 3;
  int threads = 0;
  bool json = false;
};

// Runs every backend x case x precision x starts x records x chunk as a `descend`
// job into a temporary file (removed after each run): one warm-up, then the
// run of median wall time of `repeats`. Prints the table to `out` (or adds
// "pipeline_results" to `doc` when json), notes to `log`.
void run_pipeline_bench(const PipelineOptions& opt, nlohmann::json& doc, std::ostream& out, std::ostream& log);

}  // namespace trilo::jobs
