// The resource estimate against byte counts worked out by hand from the
// layouts of DescentBatch, GridTile, the merge and the file (docs/format.md),
// and how a job is fitted to what is available: buffers shrink, anything
// else that does not fit is refused with both figures.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

#include "config/run_config.hpp"
#include "jobs/resources.hpp"
#include "nn/train.hpp"

namespace {

using trilo::config::BadInput;
using trilo::config::Resolved;
using trilo::config::RunConfig;
using trilo::jobs::Available;
using trilo::jobs::estimate_resources;
using trilo::jobs::fit_resources;
using trilo::jobs::RecordsMode;
using trilo::jobs::ResourceEstimate;
using u64 = std::uint64_t;

constexpr u64 kMiB = u64(1) << 20;
constexpr u64 kMetadata = kMiB;  // the fixed allowance for attributes and tables

// A job on quartic-dimple (dimension 2), validated as the CLI would.
RunConfig job(const std::string& name) {
  RunConfig c;
  c.job = name;
  c.output = std::string(TRILOBITE_TEST_TMP) + "/resources_unused.h5";  // never written
  return c;
}

u64 item(const std::vector<trilo::jobs::ResourceItem>& items, const std::string& prefix) {
  for (const auto& i : items)
    if (i.what.rfind(prefix, 0) == 0) return i.bytes;
  ADD_FAILURE() << "no item '" << prefix << "'";
  return 0;
}

// One descent record in memory at dimension 2: start and end (2 doubles
// each), loss, grad_norm, steps (8 bytes each), status (1 byte).
constexpr u64 kRecord2 = 2 * 2 * 8 + 8 + 8 + 8 + 1;  // 57
// The merge's working arrays per end point: cluster index, label (4 + 4)
// and the steps copied for the percentiles (8).
constexpr u64 kMerge = 4 + 4 + 8;
// Per record while the result is written from the checkpoint: the record
// and its raw cluster id and label (4 + 4).
constexpr u64 kCopy = 8;
// One /descents row on disk at dimension 2: start and end, loss,
// grad_norm, steps, status, minimum, and the row's index-scale entry.
constexpr u64 kDiskRow2 = 2 * 2 * 8 + 8 + 8 + 8 + 1 + 4 + 8;  // 69

// Records stream through the checkpoint: memory holds at most one block of
// 65536 of them; the disk holds them twice (checkpoint and result). Two
// chunks are in flight: one descending, the one before being written.
TEST(ResourceEstimate, DescendHoldsOneBlockOfRecordsPlusTwoChunks) {
  RunConfig c = job("descend");
  c.starts = 1000;
  c.chunk = 256;
  Resolved r = trilo::config::validate(c);
  const ResourceEstimate e = estimate_resources(c, r);
  EXPECT_EQ(item(e.memory, "descent rows copied"), 1000 * (kRecord2 + kCopy));
  // 1000 rows is too few for HDF5 chunking (datasets of <= 4096 elements
  // are contiguous), so there is no chunk cache.
  EXPECT_EQ(item(e.memory, "HDF5 chunk caches of /descents"), 0u);
  EXPECT_EQ(item(e.buffers, "descent chunk"), 2 * 256 * kRecord2);
  EXPECT_EQ(e.memory_bytes(), 1000 * (kRecord2 + kCopy) + 2 * 256 * kRecord2);
  // The coord scale: 2 int32.
  EXPECT_EQ(e.disk_bytes(), 2 * (1000 * kDiskRow2 + 2 * 4) + kMetadata);
  // A million starts: still one block of 65536 in memory.
  c.starts = 1000000;
  r = trilo::config::validate(c);
  EXPECT_EQ(item(estimate_resources(c, r).memory, "descent rows copied"), 65536 * (kRecord2 + kCopy));
}

TEST(ResourceEstimate, GridStreamsTilesAndCachesChunks) {
  RunConfig c = job("grid");
  c.grid_res = 100;
  c.tile = 1000;
  Resolved r = trilo::config::validate(c);
  const ResourceEstimate e = estimate_resources(c, r);
  // 10^4 points: loss, grad_norm, grad_x, grad_y, 8 bytes each; chunked
  // (over 4096 elements), each cache holding at most the whole dataset.
  EXPECT_EQ(item(e.memory, "HDF5 chunk caches of /grid"), 4u * 10000 * 8);
  // The tile (4 x 8 bytes a point), the chunks it fills and their
  // compressed form: three times that; two tiles in flight (one computing
  // while the one before is written).
  EXPECT_EQ(item(e.buffers, "grid tile"), 2 * 1000u * 4 * 8 * 3);
  EXPECT_EQ(e.memory_bytes(), 4u * 10000 * 8 + 2 * 1000u * 4 * 8 * 3);
  // The datasets and the two coordinate scales of 100 doubles.
  EXPECT_EQ(e.disk_bytes(), 4u * 10000 * 8 + 2 * 100 * 8 + kMetadata);
}

TEST(ResourceEstimate, RunAddsBasinsTrajectoriesAndTheLargerOfItsBuffers) {
  RunConfig c = job("run");
  c.grid_res = 64;  // 4096 points: contiguous, no cache
  c.starts = 10000;
  c.basin_res = 50;
  c.trace = {0, 1};
  c.steps = 100;
  c.trace_every = 10;
  Resolved r = trilo::config::validate(c);
  const ResourceEstimate e = estimate_resources(c, r);

  const u64 descents = 10000 * (kRecord2 + kCopy);
  // start, end: 20000 elements of 8 bytes; loss, grad_norm, steps: 10000 of
  // 8; status 10000 of 1; minimum 10000 of 4 (all under 16 MiB).
  const u64 caches = 2 * 160000 + 3 * 80000 + 10000 + 40000;
  // Capacity (100 steps + 1000 of a quench)/10 + 3 = 113 records of step,
  // x, y, loss (8 bytes each).
  const u64 traces = 2 * 113 * (8 + 2 * 8 + 8);
  const u64 basins = 2500 * (kRecord2 + kMerge);
  EXPECT_EQ(item(e.memory, "descent rows copied"), descents);
  EXPECT_EQ(item(e.memory, "HDF5 chunk caches of /descents"), caches);
  EXPECT_EQ(item(e.memory, "trajectories"), traces);
  EXPECT_EQ(item(e.memory, "basin map"), basins);
  EXPECT_EQ(item(e.memory, "HDF5 chunk caches of /basins"), 0u);  // 2500 cells: contiguous
  // Grid tiles: two of 4096 points x 96 bytes; descent chunks: two of the 10000
  // starts (chunk 65536 is larger) x 57. The phases never overlap: the
  // larger counts.
  EXPECT_EQ(item(e.buffers, "grid tile"), 2 * 4096u * 96);
  EXPECT_EQ(item(e.buffers, "descent chunk"), 2 * 10000 * kRecord2);
  EXPECT_EQ(e.memory_bytes(), descents + caches + traces + basins + 2 * 10000 * kRecord2);

  const u64 grid_disk = 4096u * 4 * 8 + 2 * 64 * 8;
  const u64 descent_disk = 2 * (10000 * kDiskRow2 + 2 * 4);
  const u64 trace_disk = traces + 2 * (8 + 8);             // plus descent and length per trajectory
  const u64 basin_disk = 2500 * (4 + 8 + 1) + 2 * 50 * 8;  // label, steps, status; scales
  EXPECT_EQ(e.disk_bytes(), grid_disk + descent_disk + trace_disk + basin_disk + kMetadata);
}

TEST(ResourceEstimate, BasinsHoldEveryCellAndPassLabelStepsStatusThroughCaches) {
  RunConfig c = job("basins");
  c.basin_res = 100;
  Resolved r = trilo::config::validate(c);
  const ResourceEstimate e = estimate_resources(c, r);
  EXPECT_EQ(item(e.memory, "basin map"), 10000 * (kRecord2 + kMerge));
  // 10^4 cells, chunked: label (4 bytes), steps (8), status (1).
  EXPECT_EQ(item(e.memory, "HDF5 chunk caches of /basins"), 10000u * (4 + 8 + 1));
  EXPECT_EQ(e.memory_bytes(), 10000 * (kRecord2 + kMerge) + 10000u * 13 + 2 * 10000 * kRecord2);
  EXPECT_EQ(e.disk_bytes(), 10000u * 13 + 2 * 100 * 8 + kMetadata);
}

TEST(ResourceEstimate, RecordsModeNoneOrSampleDropsThePerDescentRecords) {
  RunConfig c = job("descend");
  c.starts = 100000;
  c.chunk = 1000;
  Resolved r = trilo::config::validate(c);
  const ResourceEstimate none = estimate_resources(c, r, RecordsMode{"none", 0});
  EXPECT_EQ(none.memory_bytes(), 2 * 1000 * kRecord2);  // the two chunks alone
  EXPECT_EQ(none.disk_bytes(), kMetadata);
  const ResourceEstimate sample = estimate_resources(c, r, RecordsMode{"sample", 100});
  EXPECT_EQ(item(sample.memory, "descent rows copied"), 100 * (kRecord2 + kCopy));
  EXPECT_EQ(sample.disk_bytes(), 2 * (100 * kDiskRow2 + 2 * 4) + kMetadata);
  EXPECT_THROW(estimate_resources(c, r, RecordsMode{"most", 0}), std::invalid_argument);
}

// zlib's bound on what deflating n bytes can give (compressBound, zlib
// 1.2.x's compress.c): the size of the records' deflated chunks is bounded
// by it, since random start points shrink little; the uncompressed size
// alone would not bound a chunk that does not shrink at all.
constexpr u64 deflate_bound(u64 n) { return n + (n >> 12) + (n >> 14) + (n >> 25) + 13; }

// The checkpoint's second copy of the records, deflated in the result's
// chunks (RecordsMode::result_chunks): on disk until the end, every chunk
// of the seven columns (start, end, loss, grad_norm, steps, status,
// bounced) at its bound, the last one whole; in memory the writer's 16 MiB
// of held chunks plus one being filled per column, and their deflated
// form (as large again), never more than the copy itself.
TEST(ResourceEstimate, RecordChunksInTheCheckpointAddTheirCopyAndHeldChunks) {
  RunConfig c = job("descend");
  c.starts = 1000000;
  Resolved r = trilo::config::validate(c);
  const ResourceEstimate off = estimate_resources(c, r, RecordsMode{"all", 0, false});
  const ResourceEstimate on = estimate_resources(c, r, RecordsMode{"all", 0, true});
  // 2-D points: chunks of 32768 rows x 2 doubles (64 Ki values, 512 KiB),
  // 31 of them for 10^6 rows; the 1-D columns 65536 values a chunk, 16
  // chunks, of 8 bytes (loss, grad_norm, steps) or 1 (status, bounced).
  const u64 point = 32768 * 2 * 8, wide = 65536 * 8, narrow = 65536;
  EXPECT_EQ((1000000 + 32767) / 32768, 31);
  EXPECT_EQ((1000000 + 65535) / 65536, 16);
  const u64 disk = 2 * 31 * deflate_bound(point) + 3 * 16 * deflate_bound(wide) + 2 * 16 * deflate_bound(narrow);
  const u64 raw = 2 * 31 * point + 3 * 16 * wide + 2 * 16 * narrow;
  EXPECT_GT(disk, raw);
  EXPECT_LT(disk, raw + raw / 1000);
  EXPECT_EQ(on.disk_bytes() - off.disk_bytes(), disk);
  EXPECT_EQ(item(on.disk, "descent records for 10^6 starts, deflated a second time"), disk);
  const u64 held = 16 * kMiB + 2 * point + 3 * wide + 2 * narrow;
  EXPECT_EQ(on.memory_bytes() - off.memory_bytes(), 2 * held);
  EXPECT_EQ(item(on.memory, "descent record chunks held"), 2 * held);
  EXPECT_EQ(on.buffers.size(), off.buffers.size());

  // 5000 rows: every column in one chunk (start and end 10^4 values, the
  // others 5000, all over 4096), the whole copy held at once at most.
  c.starts = 5000;
  r = trilo::config::validate(c);
  const u64 small_raw = 2 * 5000 * 2 * 8 + 3 * 5000 * 8 + 2 * 5000;
  const u64 small = 2 * deflate_bound(5000 * 2 * 8) + 3 * deflate_bound(5000 * 8) + 2 * deflate_bound(5000);
  const ResourceEstimate s_on = estimate_resources(c, r, RecordsMode{"all", 0, true});
  const ResourceEstimate s_off = estimate_resources(c, r, RecordsMode{"all", 0, false});
  EXPECT_EQ(s_on.disk_bytes() - s_off.disk_bytes(), small);
  EXPECT_EQ(s_on.memory_bytes() - s_off.memory_bytes(), 2 * small_raw);

  // 3000 rows: the 1-D columns are contiguous (3000 values) and keep no
  // copy; start and end (6000 values) do.
  c.starts = 3000;
  r = trilo::config::validate(c);
  EXPECT_EQ(estimate_resources(c, r, RecordsMode{"all", 0, true}).disk_bytes() -
                estimate_resources(c, r).disk_bytes(),
            2 * deflate_bound(3000 * 2 * 8));

  // Nothing is deflated at --compression 0, nothing kept with --records none.
  c.starts = 1000000;
  r = trilo::config::validate(c);
  for (const auto& [level, mode] : {std::pair{0, "all"}, std::pair{4, "none"}}) {
    c.compression = level;
    const ResourceEstimate a = estimate_resources(c, r, RecordsMode{mode, 0, true});
    const ResourceEstimate b = estimate_resources(c, r, RecordsMode{mode, 0, false});
    EXPECT_EQ(a.disk_bytes(), b.disk_bytes()) << level << " " << mode;
    EXPECT_EQ(a.memory_bytes(), b.memory_bytes()) << level << " " << mode;
  }
}

TEST(ResourceEstimate, SweepKeepsLabelsNotEndPoints) {
  RunConfig c = job("sweep");
  c.starts = 1000;
  c.vary_text = "lr=0.01:0.1:4";
  c.chunk = 100;
  Resolved r = trilo::config::validate(c);
  // Per row: raw cluster (4), steps (8), status (1), bounce flag (1),
  // label (4), settled label (4); no coordinates, whatever the dimension.
  const u64 kept = 4000 * (4 + 8 + 1 + 1 + 4 + 4);
  EXPECT_EQ(item(estimate_resources(c, r).memory, "sweep labels"), kept);
  // Chunk buffers: two in flight, each a chunk of descents and its quenches.
  EXPECT_EQ(item(estimate_resources(c, r).buffers, "descent chunk"), 2 * 2 * 100 * kRecord2);
  // With noise every end point is quenched: its raw cluster (4).
  c.noise = 0.5;
  EXPECT_EQ(item(estimate_resources(c, r).memory, "sweep labels"), kept + 4000 * 4);
  // Swept noise 0, 0.5, 1: the value 0 has nothing to quench.
  RunConfig n = job("sweep");
  n.starts = 1000;
  n.vary_text = "noise=0:1:3";
  Resolved rn = trilo::config::validate(n);
  EXPECT_EQ(item(estimate_resources(n, rn).memory, "sweep labels"),
            3000 * (4 + 8 + 1 + 1 + 4 + 4) + 2000 * 4);
}

TEST(ResourceEstimate, CriticalHoldsEachSearchsClusterAndLabel) {
  RunConfig c = job("critical");
  c.starts = 500;
  c.grid_res = 64;
  Resolved r = trilo::config::validate(c);
  const ResourceEstimate e = estimate_resources(c, r);
  EXPECT_EQ(item(e.memory, "critical-point labels"), 500u * (4 + 4));
  EXPECT_EQ(e.memory_bytes(),
            500u * 8 + 2 * 4096u * 96);  // the tiles are larger than the chunks
}

TEST(ResourceEstimate, AbsurdSizesDoNotWrap) {
  // The largest sweep validation admits: 2^40 starts x 10^5 values. Its
  // per-row labels come to about 2.4 x 10^18 bytes: computed in 128 bits
  // here, so a product that wrapped past 2^64 on the way would show.
  RunConfig c = job("sweep");
  c.starts = std::int64_t(1) << 40;
  c.vary_text = "lr=0.01:0.1:100000";
  c.dim = 64;
  c.landscape = "rastrigin";
  Resolved r = trilo::config::validate(c);
  const unsigned __int128 want = static_cast<unsigned __int128>(u64(1) << 40) * 100000u * 22u;
  ASSERT_LT(want, static_cast<unsigned __int128>(std::numeric_limits<u64>::max()));
  EXPECT_EQ(item(estimate_resources(c, r).memory, "sweep labels"), static_cast<u64>(want));
  EXPECT_GE(estimate_resources(c, r).memory_bytes(), static_cast<u64>(want));
}

TEST(ResourceEstimate, AbsurdSizesSaturateInsteadOfWrapping) {
  // 10^5 traced descents of 2^40 steps, every step kept, in 64 dimensions:
  // 10^5 x 2^40 x (16 + 8 x 64) bytes is past 2^64.
  RunConfig c = job("descend");
  c.starts = 100000;
  c.steps = std::int64_t(1) << 40;
  c.dim = 64;
  c.landscape = "rastrigin";
  c.trace_every = 1;
  for (std::int64_t i = 0; i < 100000; ++i) c.trace.push_back(i);
  Resolved r = trilo::config::validate(c);
  EXPECT_EQ(estimate_resources(c, r).memory_bytes(), std::numeric_limits<u64>::max());
}

Available plenty() { return Available{u64(1) << 50, "MemAvailable", u64(1) << 50, "/tmp"}; }

TEST(FitResources, AJobThatFitsIsLeftAsItIs) {
  RunConfig c = job("run");
  Resolved r = trilo::config::validate(c);
  const std::int64_t chunk = c.chunk, tile = c.tile;
  fit_resources(c, r, plenty());
  EXPECT_EQ(c.chunk, chunk);
  EXPECT_EQ(c.tile, tile);
}

TEST(FitResources, OnlyTheChunkTooLargeHalvesItUntilItFits) {
  RunConfig c = job("descend");
  c.starts = 1000000;
  c.chunk = 1 << 20;
  Resolved r = trilo::config::validate(c);
  Available a = plenty();
  // Room for the records, caches and 30 MB of chunks (two in flight, 57
  // bytes a descent): 10^6 -> 500000 (57 MB) -> 250000 (28.5 MB).
  a.memory = estimate_resources(c, r).fixed_bytes() + 30000000;
  fit_resources(c, r, a);
  EXPECT_EQ(c.chunk, 250000);
  EXPECT_LE(estimate_resources(c, r).memory_bytes(), a.memory);
}

TEST(FitResources, OnlyTheTileTooLargeHalvesItUntilItFits) {
  RunConfig c = job("grid");
  c.grid_res = 2000;
  c.tile = 1 << 22;
  Resolved r = trilo::config::validate(c);
  Available a = plenty();
  // 4 x 10^6 points: caches 4 x 2 MiB; two tile buffers of 96 bytes a
  // point. 200 MB of tiles: 4e6 -> 2e6 (384 MB) -> 1e6 (192 MB).
  a.memory = 4 * 2 * kMiB + 200000000;
  fit_resources(c, r, a);
  EXPECT_EQ(c.tile, 1000000);
}

TEST(FitResources, TooManyStartsIsRefusedWithBothFiguresAndWhatToChange) {
  RunConfig c = job("descend");
  c.starts = 100000000000;  // 10^11
  Resolved r = trilo::config::validate(c);
  Available a = plenty();
  a.disk = u64(1) << 40;
  try {
    fit_resources(c, r, a);
    FAIL() << "not refused";
  } catch (const BadInput& e) {
    const std::string m = e.what();
    // Memory holds one block; the disk twice 10^11 rows of 69 bytes
    // (checkpoint and result) = 1.38e13 B = 12.6 TiB.
    EXPECT_EQ(m.rfind("the result file needs about 12.6 TiB (descent records for 10^11 starts, "
                      "checkpoint and result), 1.0 TiB are free in '",
                      0),
              0u)
        << m;
    EXPECT_NE(m.find("use --records none|sample or fewer --starts"), std::string::npos) << m;
  }
}

TEST(FitResources, TheBindingLimitIsNamedWhenItIsNotMemAvailable) {
  RunConfig c = job("basins");
  c.basin_res = 100000;
  Resolved r = trilo::config::validate(c);
  Available a = plenty();
  a.memory = u64(1) << 30;
  a.memory_source = "cgroup memory.max";
  try {
    fit_resources(c, r, a);
    FAIL() << "not refused";
  } catch (const BadInput& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("(basin map of 10^10 cells)"), std::string::npos) << m;
    EXPECT_NE(m.find("1.0 GiB are available (cgroup memory.max); use a smaller --basin-res"),
              std::string::npos)
        << m;
  }
}

TEST(FitResources, AFileLargerThanTheFreeSpaceIsRefused) {
  RunConfig c = job("grid");
  c.grid_res = 1000;
  Resolved r = trilo::config::validate(c);
  Available a = plenty();
  a.disk = 10 * kMiB;
  a.disk_dir = "/data";
  try {
    fit_resources(c, r, a);
    FAIL() << "not refused";
  } catch (const BadInput& e) {
    // 10^6 points x 4 datasets x 8 bytes + scales + 1 MiB = 31.5 MiB.
    EXPECT_STREQ(e.what(),
                 "the result file needs about 31.5 MiB (grid of 10^6 points), 10.0 MiB are free "
                 "in '/data'; use a smaller --grid-res");
  }
}

// A network job's trainings: each training's row on disk twice
// (checkpoint and result): start and end weights (P doubles each) when
// recorded, loss, grad_norm, accuracy, test_loss, test_accuracy, steps (8
// bytes each), status (1) and minimum (4); in memory its raw minimum (4)
// and, in a basin map or sweep, its outcome; two chunks in flight of start
// and end weights, probe outputs and outcome a training; traced rows of run,
// step, loss and accuracy (8 each) and the weights when asked.
TEST(ResourceEstimate, NetworkTrainingsByTheirRecordsLabelsAndChunks) {
  trilo::jobs::NetworkJobSize s;
  s.runs = 256;
  s.params = 13002;  // 784-16-16-10
  s.probe_width = 1024 * 10;
  s.chunk = 64;
  s.weights = true;
  const u64 outcome = sizeof(trilo::nn::TrainOutcome);
  ResourceEstimate e = trilo::jobs::estimate_network_resources(s);
  EXPECT_EQ(item(e.disk, "training records"), 2u * 256 * (2 * 13002 * 8 + 5 * 8 + 8 + 1 + 4));
  EXPECT_EQ(item(e.memory, "training labels"), 256u * 4);
  EXPECT_EQ(item(e.buffers, "training chunk buffers"), 2u * 64 * (2 * 13002 * 8 + 10240 * 8 + outcome));
  EXPECT_EQ(e.disk_bytes(), 2u * 256 * (2 * 13002 * 8 + 53) + kMetadata);

  s.weights = false;  // --records none: the rows without their weights
  s.keeps_outcomes = true;
  s.trace_rows = 100;
  s.trace_weights = true;
  e = trilo::jobs::estimate_network_resources(s);
  EXPECT_EQ(item(e.disk, "training records"), 2u * 256 * 53);
  EXPECT_EQ(item(e.memory, "training labels"), 256u * (4 + outcome));
  EXPECT_EQ(item(e.disk, "traces"), 2u * 100 * (13002 * 8 + 4 * 8));
}

TEST(FitResources, ANetworkJobWhoseRecordsDoNotFitIsRefused) {
  trilo::jobs::NetworkJobSize s;
  s.runs = 1000000000;
  s.params = 13002;
  s.probe_width = 10240;
  s.chunk = 64;
  s.weights = true;
  Available a = plenty();
  a.disk = u64(1) << 40;
  try {
    trilo::jobs::fit_network_resources(s, a);
    FAIL() << "not refused";
  } catch (const BadInput& e) {
    // 2 x 10^9 x (16 x 13002 + 53) B = 4.16e14 B = 378.5 TiB.
    EXPECT_EQ(std::string(e.what()).rfind("the result file needs about 378.5 TiB (training records for 10^9 "
                                          "trainings, checkpoint and result), 1.0 TiB are free in '/tmp'; "
                                          "use --records none or fewer --starts",
                                          0),
              0u)
        << e.what();
  }
  s.runs = 1000;  // 416 MB
  EXPECT_NO_THROW(trilo::jobs::fit_network_resources(s, a));
}

TEST(ResourceFormat, BytesInBinaryUnitsAndCountsAsPowersOfTen) {
  EXPECT_EQ(trilo::jobs::format_bytes(1023), "1023 B");
  EXPECT_EQ(trilo::jobs::format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(trilo::jobs::format_bytes(u64(372) * (u64(1) << 30) / 10), "37.2 GiB");
  EXPECT_EQ(trilo::jobs::format_count(1000000000), "10^9");
  EXPECT_EQ(trilo::jobs::format_count(100000), "10^5");
  EXPECT_EQ(trilo::jobs::format_count(4096), "4096");
  EXPECT_EQ(trilo::jobs::format_count(1000), "1000");
  EXPECT_EQ(trilo::jobs::format_count(120000), "120000");
}

// MemAvailable read here, independently; the probe may only report less
// (a tighter limit) or about the same (memory moves between the reads).
TEST(AvailableResources, MemoryIsAtMostMemAvailableAndDiskIsTheOutputsFilesystem) {
  std::ifstream in("/proc/meminfo");
  std::string key;
  u64 kb = 0, mem_available = 0;
  std::string unit;
  while (in >> key >> kb) {
    std::getline(in, unit);
    if (key == "MemAvailable:") mem_available = kb * 1024;
  }
  ASSERT_GT(mem_available, 0u);
  const Available a = trilo::jobs::available_resources(std::string(TRILOBITE_TEST_TMP) + "/x.h5");
  EXPECT_GT(a.memory, 0u);
  EXPECT_LE(a.memory, mem_available + mem_available / 20);
  EXPECT_EQ(a.disk_dir, TRILOBITE_TEST_TMP);
  EXPECT_GT(a.disk, 0u);
}

}  // namespace
