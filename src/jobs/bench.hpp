// `trilobite bench`: descent steps and grid points per second for a fixed,
// documented set of cases on every backend present, with the fraction of
// the hardware's peak each reaches (bench/README.md describes the cases).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace trilo::jobs {

struct BenchOptions {
  // Names as "rastrigin-16d", or network cases as "mlp784-fmnist-b32"
  // (jobs/bench_networks.hpp); empty: the default landscape set.
  std::vector<std::string> cases;
  std::vector<std::string> precisions;  // empty: f32 and f64 (f32 alone with --pipeline)
  // Descents per landscape case, networks per network case; empty: 1000 and
  // 100000 descents, 16 networks.
  std::vector<std::int64_t> starts;
  std::int64_t steps = 100;                // optimizer steps per descent
  bool steps_given = false;                // --steps was given (refused with --pipeline)
  int repeats = 5;                         // timed runs per case (after one warm-up)
  std::string backend = "all";             // all | cpu | cuda | cpu+scalar | zero-cost (--pipeline)
  int threads = 0;
  bool json = false;
  // Also time each case's landscape written as a formula (rows
  // "<case>+formula"; compiled with the system compiler on the CPU and NVRTC
  // on the GPU), with its rate as a fraction of the built-in's.
  bool formula = false;
  // The network cases (network_bench_cases()), alone or beside the landscape
  // cases of `cases` (which must then name no network case).
  bool networks = false;
  // Whole `descend` jobs timed stage by stage on the zero-cost backend,
  // whose compute costs nothing, and on the backends --backend names
  // (jobs/bench_pipeline.hpp); --records chooses the jobs' records.
  bool pipeline = false;
  std::vector<std::string> records;  // empty: none and all
  std::vector<std::int64_t> chunks;  // --pipeline: the jobs' --chunk (empty: the job default, 65536)
};

// The default cases: quartic-dimple (2-D), rosenbrock and rastrigin in 2-D and 16-D.
std::vector<std::string> default_bench_cases();

// Checks the options (BadInput on a bad one), runs every case on every
// backend asked for, prints the table (or JSON) to `out`, notes to `log`.
void run_bench(const BenchOptions& opt, std::ostream& out, std::ostream& log);

}  // namespace trilo::jobs
