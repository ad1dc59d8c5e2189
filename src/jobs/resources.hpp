// Resource limits: before a job starts, an estimate of the host memory it
// will hold at its peak and of the bytes its result file will take, checked
// against what the machine offers. A job whose only excess is its chunk and
// tile buffers runs with smaller ones; any other job that would not fit is
// refused with one line giving both figures (docs/limits.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/run_config.hpp"

namespace trilo::jobs {

// What the job keeps of each descent: every record ("all", today's only
// mode), a sample of `sample_rows` records, or none (minima statistics
// only). An input here so that the streaming modes are estimated too.
// `result_chunks`: the checkpoint keeps the records a second time, deflated
// in the result's chunks (jobs::result_rows, decided by the backend and
// TRILOBITE_RECORD_CHUNKS; jobs::records_mode gives all three for a job).
struct RecordsMode {
  std::string mode = "all";  // all | sample | none
  std::int64_t sample_rows = 0;
  bool result_chunks = false;
};

// One term of an estimate: `bytes` for `what` (e.g. "descent records for
// 10^9 starts"); `hint` says how to make it smaller.
struct ResourceItem {
  std::string what;
  std::uint64_t bytes = 0;
  std::string hint;
  // Buffers only: the option that sizes them (--chunk or --tile) and their
  // bytes per item.
  std::string option;
  std::uint64_t per_item = 0;
};

struct ResourceEstimate {
  std::vector<ResourceItem> memory;    // held data, working arrays, writer caches
  std::vector<ResourceItem> buffers;   // chunk and tile buffers: shrinkable
  std::vector<ResourceItem> disk;      // the result file, uncompressed
  std::uint64_t memory_bytes() const;  // the peak: memory plus the largest buffer
  std::uint64_t fixed_bytes() const;   // sum of memory alone
  std::uint64_t disk_bytes() const;
};

// Host bytes of one descent record in memory: start and end (dim doubles
// each), loss, grad_norm, steps (8 bytes each) and status (1 byte).
std::uint64_t record_bytes(int dim);

// The estimate for the job `c.job` (run, grid, descend, basins, sweep,
// critical) with its chunk and tile sizes as they are in `c`.
ResourceEstimate estimate_resources(const config::RunConfig& c, const config::Resolved& r,
                                    const RecordsMode& records = {});

// What the machine offers right now.
struct Available {
  std::uint64_t memory = 0;
  std::string memory_source;  // which limit binds, e.g. "MemAvailable", "cgroup memory.max"
  std::uint64_t disk = 0;
  std::string disk_dir;  // the output's directory, whose filesystem was asked
};

// Memory: the least of MemAvailable (/proc/meminfo), RLIMIT_AS less the
// address space in use, and the cgroup's memory.max less its usage (v2, or
// v1's limit_in_bytes). Disk: statvfs of the output's directory, blocks
// available to unprivileged users.
Available available_resources(const std::string& output);

// Fits the job: shrinks c.chunk and c.tile (halving, not below a floor) when
// only the buffers exceed the memory available; throws config::BadInput with
// one line giving the estimate and what is available when the job still
// does not fit in memory, or its file does not fit on disk.
void fit_resources(config::RunConfig& c, const config::Resolved& r, const Available& avail,
                   const RecordsMode& records = {});
// As above, with what the machine offers now. Called once per command,
// after validation and before any file is created.
void fit_resources(config::RunConfig& c, const config::Resolved& r,
                   const RecordsMode& records = {});

// A network job's trainings (descend, basins, sweep or run with --model),
// as the estimate needs them.
struct NetworkJobSize {
  std::int64_t runs = 0;          // trainings, every setting's together in a sweep
  std::int64_t params = 0;        // weights of the network
  std::int64_t probe_width = 0;   // probe outputs per training
  std::int64_t chunk = 0;         // trainings a chunk
  bool weights = false;           // start and end weights recorded (--records all)
  bool keeps_outcomes = false;    // every training's outcome held (a basin map, a sweep)
  std::int64_t trace_rows = 0;    // rows of every trace together
  bool trace_weights = false;     // the weights at each traced row
};

// The estimate for a network job's trainings: what grows with them. The
// minima are not counted (how many there are is the job's result), nor the
// data sets, which are loaded already.
ResourceEstimate estimate_network_resources(const NetworkJobSize& s);
// Refuses (config::BadInput, one line as fit_resources) a network job whose
// trainings would not fit in memory or whose file would not fit on disk.
void fit_network_resources(const NetworkJobSize& s, const Available& avail);
void fit_network_resources(const NetworkJobSize& s, const std::string& output);

// "37.2 GiB", "512.0 MiB", "100 B": binary units, one decimal.
std::string format_bytes(std::uint64_t bytes);
// "10^9" for a power of ten from 10^4 on, else the plain number.
std::string format_count(std::int64_t n);

}  // namespace trilo::jobs
