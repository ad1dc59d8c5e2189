#include "jobs/resources.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <utility>

#include <zlib.h>

#include "core/work.hpp"
#include "io/checkpoint.hpp"
#include "io/hdf5_util.hpp"
#include "jobs/chunk_driver.hpp"
#include "jobs/descent_run.hpp"
#include "nn/train.hpp"

namespace trilo::jobs {

namespace {

using u64 = std::uint64_t;
constexpr u64 kMax = std::numeric_limits<u64>::max();

// Saturating arithmetic: an absurd job must give an absurd figure, not a
// wrapped small one.
u64 mul(u64 a, u64 b) { return (a != 0 && b > kMax / a) ? kMax : a * b; }
u64 add(u64 a, u64 b) { return b > kMax - a ? kMax : a + b; }
u64 u(std::int64_t v) { return v > 0 ? static_cast<u64>(v) : 0; }

// Bytes of the merge's working arrays per end point: raw cluster index and
// label (4 bytes each) and the copy of its steps for the percentiles (8).
constexpr u64 kMergeBytes = 16;
// /descents on disk per row beyond start and end: loss, grad_norm, steps
// (8 bytes each), status (1), minimum (4) and the descent index scale (8).
constexpr u64 kDescentRowExtra = 8 + 8 + 8 + 1 + 4 + 8;
// /basins on disk per cell: label (4), steps (8), status (1).
constexpr u64 kBasinCellBytes = 4 + 8 + 1;
// Attributes, /minima, /known_minima and HDF5's own structures.
constexpr u64 kMetadataBytes = u64(1) << 20;
// HDF5 keeps up to this many bytes of chunks per open dataset
// (src/io/hdf5_util.cpp), and chunks only datasets above 4096 elements.
constexpr u64 kChunkCacheBytes = u64(2) << 20;
constexpr u64 kContiguousMax = 4096;
// Halving stops here: smaller buffers would cost more in calls than they save.
constexpr std::int64_t kChunkFloor = 1024;
constexpr std::int64_t kTileFloor = 4096;
// Rows per block when the result is written from the checkpoint.
constexpr std::uint64_t kCopyBlockRows = std::uint64_t{1} << 16;

bool has_grid(const std::string& job) { return job == "run" || job == "grid" || job == "critical"; }
bool has_descents(const std::string& job) { return job == "run" || job == "descend"; }
bool has_basins(const std::string& job) { return job == "run" || job == "basins"; }

u64 cache_bytes(u64 elements, u64 element_size) {
  return elements > kContiguousMax ? std::min(kChunkCacheBytes, mul(elements, element_size)) : 0;
}

std::int64_t kept_records(std::int64_t n, const RecordsMode& m) {
  if (m.mode == "all") return n;
  if (m.mode == "sample") return std::min(n, std::max<std::int64_t>(m.sample_rows, 0));
  if (m.mode == "none") return 0;
  throw std::invalid_argument("estimate_resources: records mode '" + m.mode +
                              "' is not one of all, sample, none");
}

ResourceItem item(std::string what, u64 bytes, std::string hint, std::string option = "",
                  u64 per_item = 0) {
  return ResourceItem{std::move(what), bytes, std::move(hint), std::move(option), per_item};
}

const char* const kStartsHint = "use --records none|sample or fewer --starts";

// The checkpoint's second copy of `rows` descent records in the result's
// chunks (io::StreamSpec::result_rows): the columns of descent_streams that
// the result holds, each in the chunks h5::create_dataset gives it; one
// whose dataset is contiguous (4096 values or fewer) keeps no copy.
struct RecordChunkCopy {
  u64 bytes = 0;        // every chunk at its largest deflated (compressBound), the last one whole
  u64 chunk_bytes = 0;  // one chunk of each column, uncompressed
  u64 raw_bytes = 0;    // every chunk uncompressed
};

RecordChunkCopy record_chunk_copy(int dim, u64 rows) {
  RecordChunkCopy copy;
  const auto streams = descent_streams(dim, static_cast<std::int64_t>(rows));  // held: the loop reads its columns
  for (const io::Column& col : streams[0].columns) {
    if (!col.in_result) continue;
    const io::h5::Shape dims =
        col.width == 1 ? io::h5::Shape{rows} : io::h5::Shape{rows, static_cast<u64>(col.width)};
    const io::h5::Shape chunk = io::h5::chunk_shape(dims);
    if (chunk.empty()) continue;
    u64 bytes = io::column_type_size(col.type);
    for (const u64 extent : chunk) bytes = mul(bytes, extent);
    const u64 chunks = (rows + chunk[0] - 1) / chunk[0];
    copy.chunk_bytes = add(copy.chunk_bytes, bytes);
    copy.raw_bytes = add(copy.raw_bytes, mul(chunks, bytes));
    copy.bytes = add(copy.bytes, mul(chunks, compressBound(static_cast<uLong>(bytes))));
  }
  return copy;
}

u64 sum(const std::vector<ResourceItem>& items) {
  u64 s = 0;
  for (const ResourceItem& i : items) s = add(s, i.bytes);
  return s;
}

u64 largest(const std::vector<ResourceItem>& items) {
  u64 m = 0;
  for (const ResourceItem& i : items) m = std::max(m, i.bytes);
  return m;
}

const ResourceItem* biggest(const std::vector<ResourceItem>& a,
                            const std::vector<ResourceItem>& b) {
  const ResourceItem* best = nullptr;
  for (const auto* v : {&a, &b})
    for (const ResourceItem& i : *v)
      if (!best || i.bytes > best->bytes) best = &i;
  return best;
}

}  // namespace

u64 record_bytes(int dim) { return 16 * u64(std::max(dim, 0)) + 8 + 8 + 8 + 1; }

u64 ResourceEstimate::fixed_bytes() const { return sum(memory); }
// Buffers of different phases (grid tiles, then descent chunks) are never
// held at once: the peak has the largest of them.
u64 ResourceEstimate::memory_bytes() const { return add(sum(memory), largest(buffers)); }
u64 ResourceEstimate::disk_bytes() const { return sum(disk); }

ResourceEstimate estimate_resources(const config::RunConfig& c, const config::Resolved& r,
                                    const RecordsMode& records) {
  ResourceEstimate e;
  const u64 d = u(r.dim), rec = record_bytes(r.dim);
  const bool plane2 = r.axis1 >= 0;
  const std::int64_t n = r.n_starts;
  const std::string& job = c.job;
  std::int64_t batch = 0;  // the most descents or searches one phase runs in chunks

  if (!r.explicit_starts.empty())
    e.memory.push_back(item("explicit starts (" + format_count(n) + ")",
                            mul(u(static_cast<std::int64_t>(r.explicit_starts.size())), 8),
                            "use fewer starts"));

  if (has_grid(job)) {
    const u64 points = mul(u(c.grid_res), plane2 ? u(c.grid_res) : 1);
    const u64 sets = plane2 ? 4 : 3;  // loss, grad_norm, grad per plane axis
    // The tile (32 bytes a point), the chunks it fills and their deflated
    // form before they are stored (src/io/chunk_writer.cpp): 96 in all.
    e.buffers.push_back(item("grid tile buffers",
                             mul(std::min(u(c.tile), points), kChunksInFlight * 96),
                             "use a smaller --tile", "--tile", kChunksInFlight * 96));
    e.memory.push_back(item("HDF5 chunk caches of /grid", mul(sets, cache_bytes(points, 8)), ""));
    e.disk.push_back(item("grid of " + format_count(static_cast<std::int64_t>(points)) + " points",
                          add(mul(mul(points, sets), 8), mul(u(c.grid_res), plane2 ? 16 : 8)),
                          "use a smaller --grid-res"));
  }

  if (has_descents(job)) {
    const u64 kept = u(kept_records(n, records));
    batch = std::max(batch, n);
    if (kept > 0) {
      // Records stream through the checkpoint (src/jobs/descent_run.cpp):
      // memory holds one block of rows while the result is written from it,
      // whatever the number of starts; the disk holds them twice at the
      // end (checkpoint and result), counted uncompressed.
      const std::string what = "descent records for " + format_count(n) + " starts";
      e.memory.push_back(item("descent rows copied into the result",
                              mul(std::min<u64>(kept, kCopyBlockRows), add(rec, 8)), ""));
      // start, end (kept x dim doubles); loss, grad_norm, steps; status; minimum.
      e.memory.push_back(item(
          "HDF5 chunk caches of /descents",
          add(mul(2, cache_bytes(mul(kept, d), 8)),
              add(mul(3, cache_bytes(kept, 8)), add(cache_bytes(kept, 1), cache_bytes(kept, 4)))),
          ""));
      e.disk.push_back(item(what + ", checkpoint and result",
                            mul(2, add(mul(kept, add(mul(16, d), kDescentRowExtra)), mul(d, 4))),
                            kStartsHint));
      // Where the checkpoint also keeps them deflated in the result's
      // chunks (RecordsMode::result_chunks; nothing is deflated at
      // --compression 0), the disk holds that copy as well until the end.
      // Counted at its bound, as the result is counted uncompressed: each
      // chunk deflated by compress2 (io/chunk_writer.cpp) takes at most
      // zlib's compressBound of its bytes (its size and 0.03%; random
      // start points shrink little). The checkpoint's writer holds up to
      // io::kHeldResultChunkBytes of complete chunks plus the one being
      // filled of each column, and each one's deflated form before it is
      // stored (as large again, the 0.03% aside): never more than the copy.
      if (records.result_chunks && c.compression > 0) {
        const RecordChunkCopy copy = record_chunk_copy(r.dim, kept);
        if (copy.bytes > 0) {
          e.disk.push_back(item(what + ", deflated a second time in the checkpoint", copy.bytes,
                                kStartsHint));
          e.memory.push_back(item(
              "descent record chunks held for deflating",
              mul(2, std::min(copy.raw_bytes, add(io::kHeldResultChunkBytes, copy.chunk_bytes))), ""));
        }
      }
    }
    if (!c.trace.empty()) {
      const u64 k = u(static_cast<std::int64_t>(c.trace.size()));
      const u64 cap = u(trajectory_capacity(c.steps + std::max<std::int64_t>(c.quench_steps, 0), c.trace_every));
      // step (int64), position (dim doubles) and loss per record, full
      // capacity per traced descent (what the backends allocate).
      const u64 bytes = mul(mul(k, cap), add(16, mul(8, d)));
      const std::string what =
          "trajectories of " + format_count(static_cast<std::int64_t>(k)) + " traced descents";
      const std::string hint = "trace fewer descents or use a larger --trace-every";
      e.memory.push_back(item(what, bytes, hint));
      e.disk.push_back(item(what, add(bytes, mul(k, 16)), hint));
    }
  }

  if (has_basins(job)) {
    const std::int64_t cells = c.basin_res * (plane2 ? c.basin_res : 1);
    batch = std::max(batch, cells);
    const std::string what = "basin map of " + format_count(cells) + " cells";
    e.memory.push_back(
        item(what, mul(u(cells), add(rec, kMergeBytes)), "use a smaller --basin-res"));
    // label, steps and status pass through their caches when written.
    e.memory.push_back(
        item("HDF5 chunk caches of /basins",
             add(cache_bytes(u(cells), 4), add(cache_bytes(u(cells), 8), cache_bytes(u(cells), 1))),
             ""));
    e.disk.push_back(item(what,
                          add(mul(u(cells), kBasinCellBytes), mul(u(c.basin_res), plane2 ? 16 : 8)),
                          "use a smaller --basin-res"));
  }

  if (job == "critical") {
    batch = std::max(batch, n);
    // The searches stream through the census accumulator
    // (src/analysis/critical_accumulator.hpp): each search's raw cluster
    // index and label stay, its record does not.
    e.memory.push_back(item("critical-point labels for " + format_count(n) + " starts", mul(u(n), 8),
                            "use fewer --starts"));
  }

  if (job == "sweep") {
    batch = std::max(batch, n);
    const u64 nv = static_cast<u64>(config::sweep_settings(r));
    // Settings with noise get every end point quenched (src/jobs/sweep_job.cpp).
    u64 noisy = 0;
    for (std::int64_t s = 0; s < config::sweep_settings(r); ++s) {
      double noise = c.noise;
      for (const auto& [name, v] : config::sweep_setting(r, s))
        if (name == "noise") noise = v;
      noisy += noise != 0;
    }
    const u64 all = mul(u(n), nv), quenched = mul(u(n), noisy);
    // End points stream through the minima accumulator and the checkpoint;
    // per row stay its raw cluster, steps, status, bounce flag, label and
    // settled label (4 + 8 + 1 + 1 + 4 + 4), per quench its raw cluster (4).
    const u64 bytes = add(mul(all, 22), mul(quenched, 4));
    e.memory.push_back(item(
        "sweep labels for " + format_count(n) + " starts x " + std::to_string(nv) + " settings",
        bytes, "use fewer --starts or fewer --vary values"));
  }

  // Chunks in flight: one computing while the one before is written
  // (src/jobs/chunk_driver.hpp). A sweep's chunk also holds its quenches.
  const u64 in_flight = kChunksInFlight * (job == "sweep" ? 2 : 1);
  if (batch > 0)
    e.buffers.push_back(item("descent chunk buffers",
                             mul(std::min(u(c.chunk), u(batch)), in_flight * rec),
                             "use a smaller --chunk", "--chunk", in_flight * rec));
  e.disk.push_back(item("attributes, tables and HDF5 metadata", kMetadataBytes, ""));
  return e;
}

namespace {

// Throws the one-line refusal when the estimate exceeds what is available.
void check_fits(const ResourceEstimate& e, const Available& avail) {
  if (e.memory_bytes() > avail.memory) {
    const ResourceItem* top = biggest(e.memory, e.buffers);
    const bool plain = avail.memory_source.empty() || avail.memory_source == "MemAvailable";
    throw config::BadInput("the job needs about " + format_bytes(e.memory_bytes()) +
                           " of memory (" + top->what + "), " + format_bytes(avail.memory) +
                           " are available" + (plain ? "" : " (" + avail.memory_source + ")") +
                           (top->hint.empty() ? "" : "; " + top->hint));
  }
  if (e.disk_bytes() > avail.disk) {
    const ResourceItem* top = biggest(e.disk, {});
    throw config::BadInput("the result file needs about " + format_bytes(e.disk_bytes()) + " (" +
                           top->what + "), " + format_bytes(avail.disk) + " are free in '" +
                           avail.disk_dir + "'" + (top->hint.empty() ? "" : "; " + top->hint));
  }
}

// A training's row of /trainings (and of the checkpoint's stream) beyond
// its weights: loss, grad_norm, accuracy, test_loss, test_accuracy, steps
// (8 bytes each), status (1) and its minimum (4).
constexpr u64 kTrainingRowExtra = 6 * 8 + 1 + 4;
// A traced row beyond its weights: run, step, loss, accuracy.
constexpr u64 kTraceRowExtra = 4 * 8;

}  // namespace

ResourceEstimate estimate_network_resources(const NetworkJobSize& s) {
  ResourceEstimate e;
  const u64 P = u(s.params);
  const u64 row = add(s.weights ? mul(16, P) : 0, kTrainingRowExtra);
  // Per training stay its raw minimum (4 bytes) and, in a basin map or a
  // sweep, its outcome.
  e.memory.push_back(item("training labels for " + format_count(s.runs) + " trainings",
                          mul(u(s.runs), 4 + (s.keeps_outcomes ? sizeof(nn::TrainOutcome) : 0)),
                          "use fewer --starts"));
  // Chunks in flight: each training's start and end weights, its probe
  // outputs and its outcome.
  const u64 per_training = add(add(mul(16, P), mul(8, u(s.probe_width))), sizeof(nn::TrainOutcome));
  e.buffers.push_back(item("training chunk buffers", mul(mul(kChunksInFlight, u(s.chunk)), per_training),
                           "use a smaller --chunk", "--chunk", kChunksInFlight * per_training));
  e.disk.push_back(item("training records for " + format_count(s.runs) + " trainings, checkpoint and result",
                        mul(2, mul(u(s.runs), row)),
                        s.weights ? "use --records none or fewer --starts" : "use fewer --starts"));
  if (s.trace_rows > 0)
    e.disk.push_back(item("traces, checkpoint and result",
                          mul(2, mul(u(s.trace_rows), add(s.trace_weights ? mul(8, P) : 0, kTraceRowExtra))),
                          s.trace_weights ? "trace without --trace-weights, or fewer runs" : "trace fewer runs"));
  e.disk.push_back(item("attributes, tables and HDF5 metadata", kMetadataBytes, ""));
  return e;
}

void fit_network_resources(const NetworkJobSize& s, const Available& avail) {
  check_fits(estimate_network_resources(s), avail);
}

void fit_network_resources(const NetworkJobSize& s, const std::string& output) {
  fit_network_resources(s, available_resources(output));
}

void fit_resources(config::RunConfig& c, const config::Resolved& r, const Available& avail,
                   const RecordsMode& records) {
  ResourceEstimate e = estimate_resources(c, r, records);
  // Only the buffers can shrink: halve the largest while it is above its floor.
  while (e.memory_bytes() > avail.memory && !e.buffers.empty()) {
    const ResourceItem& top = *biggest(e.buffers, {});
    const bool tile = top.option == "--tile";
    const std::int64_t floor = tile ? kTileFloor : kChunkFloor;
    const auto items = static_cast<std::int64_t>(top.bytes / std::max<u64>(top.per_item, 1));
    if (items <= floor) break;
    (tile ? c.tile : c.chunk) = std::max(floor, items / 2);
    e = estimate_resources(c, r, records);
  }
  check_fits(e, avail);
}

void fit_resources(config::RunConfig& c, const config::Resolved& r, const RecordsMode& records) {
  fit_resources(c, r, available_resources(c.output), records);
}

std::string format_bytes(std::uint64_t bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int k = 0;
  while (v >= 1024 && k < 6) {
    v /= 1024;
    ++k;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[k]);
  return buf;
}

std::string format_count(std::int64_t n) {
  if (n >= 10000) {
    int k = 0;
    std::int64_t m = n;
    while (m % 10 == 0) {
      m /= 10;
      ++k;
    }
    if (m == 1) return "10^" + std::to_string(k);
  }
  return std::to_string(n);
}

}  // namespace trilo::jobs
