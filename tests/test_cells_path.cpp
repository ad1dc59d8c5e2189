// Which chunks of a descent job take the cells path (Backend::descend_cells,
// jobs/descent_run.hpp's CellsPath): on a backend that reduces on the device,
// the descents of a job that records none or a sample of them, and nothing
// else; TRILOBITE_REDUCE_CELLS=on takes every chunk, off none. The backend
// here is the CPU's, saying that it reduces on the device and counting the
// calls; the files of both paths are compared by
// tests/python/check_reduce_cells.py. Whether the records' chunks are
// moved from the checkpoint as stored follows the same backend property.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <vector>

#include <hdf5.h>
#include <memory>
#include <sstream>
#include <string>

#include "backend/backend.hpp"
#include "config/run_config.hpp"
#include "jobs/jobs.hpp"
#include "support/thrust_host_backend.hpp"

namespace {

using namespace trilo;

class DeviceReducing final : public backend::Backend {
 public:
  std::string name() const override { return cpu_->name(); }
  std::string device() const override { return cpu_->device(); }
  void descend(const backend::DescentRequest& req, std::int64_t first, std::int64_t count,
               backend::DescentBatch& out) override {
    ++descends;
    cpu_->descend(req, first, count, out);
  }
  std::vector<backend::Trajectory> trace(const backend::DescentRequest& req, const std::vector<std::int64_t>& i,
                                         std::int64_t every) override {
    return cpu_->trace(req, i, every);
  }
  void grid(const backend::GridRequest& req, std::int64_t first, std::int64_t count,
            backend::GridTile& out) override {
    cpu_->grid(req, first, count, out);
  }
  backend::PeakRates peak() override { return cpu_->peak(); }
  void critical(const backend::CriticalRequest& req, std::int64_t first, std::int64_t count,
                backend::DescentBatch& out) override {
    cpu_->critical(req, first, count, out);
  }
  bool reduces_on_device() const override { return true; }
  void descend_cells(const backend::DescentRequest& req, std::int64_t first, std::int64_t count, double tol,
                     std::int64_t every, int slot, backend::DescentBatch& out,
                     backend::ReducedCells& cells) override {
    ++reduced;
    last_every = every;
    Backend::descend_cells(req, first, count, tol, every, slot, out, cells);
  }
  void fetch_end_points(int, backend::DescentBatch&) override { ++fetched; }

  int descends = 0, reduced = 0, fetched = 0;
  std::int64_t last_every = -1;

 private:
  std::unique_ptr<backend::Backend> cpu_ = backend::make_cpu_backend(2);
};

// `job` on himmelblau, 5000 starts in chunks of 1000, with these records
// (and a 20 x 20 basin map for run); TRILOBITE_REDUCE_CELLS = `path` (unset
// when empty). `spread`: on quartic-dimple with a gradient tolerance of 0.5
// and a merge distance of 0.02 instead.
jobs::StageTimes run(backend::Backend& be, const std::string& job, const std::string& records,
                     const std::string& path, bool spread = false, const std::string& keep = "") {
  if (path.empty())
    unsetenv("TRILOBITE_REDUCE_CELLS");
  else
    setenv("TRILOBITE_REDUCE_CELLS", path.c_str(), 1);
  config::RunConfig c;
  c.job = job;
  c.landscape = "himmelblau";
  c.starts = 5000;
  c.chunk = 1000;
  c.basin_res = 20;
  c.grid_res = 16;
  c.records = records;
  c.sample = 50;
  if (spread) {
    c.landscape = "quartic-dimple";
    c.tol = 0.5;
    c.tol_given = true;
    c.merge_tol = 0.02;
  }
  // Named by the test too: ctest runs this file's tests side by side.
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  c.output = keep.empty()
                 ? (std::filesystem::path(TRILOBITE_TEST_TMP) / ("cells_path_" + test + "_" + job + ".h5")).string()
                 : keep;
  c.output_given = true;
  c.force = true;
  c.quiet = true;
  c.threads = 2;
  c.lr_from_landscape = true;  // as the command line leaves them
  c.steps_from_landscape = true;
  std::ostringstream out, log;
  jobs::StageTimes t;
  jobs::run_descent_command_on(c, be, out, log, &t);
  unsetenv("TRILOBITE_REDUCE_CELLS");
  if (keep.empty()) std::filesystem::remove(c.output);
  return t;
}

// Every dataset of an HDF5 file but its strings (the backend's name): path
// -> its bytes in the native type.
std::map<std::string, std::vector<unsigned char>> datasets_of(const std::string& path) {
  std::map<std::string, std::vector<unsigned char>> out;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return out;
  const auto visit = [](hid_t file, const char* name, const H5L_info_t* link, void* data) -> herr_t {
    H5O_info_t info;
    if (link->type != H5L_TYPE_HARD || H5Oget_info_by_name(file, name, &info, H5P_DEFAULT) < 0 ||
        info.type != H5O_TYPE_DATASET)
      return 0;
    const hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    const hid_t t = H5Dget_type(d);
    if (H5Tget_class(t) != H5T_STRING) {
      const hid_t native = H5Tget_native_type(t, H5T_DIR_ASCEND);
      const hid_t space = H5Dget_space(d);
      const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
      std::vector<unsigned char> bytes(n * H5Tget_size(native));
      if (n > 0) H5Dread(d, native, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
      (*static_cast<std::map<std::string, std::vector<unsigned char>>*>(data))[name] = std::move(bytes);
      H5Sclose(space);
      H5Tclose(native);
    }
    H5Tclose(t);
    H5Dclose(d);
    return 0;
  };
  H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, visit, &out);
  H5Fclose(f);
  return out;
}

TEST(CellsPath, ADeviceReducingBackendReducesTheDescentsOfJobsThatRecordNoneOrASample) {
  {
    DeviceReducing be;
    const jobs::StageTimes t = run(be, "descend", "none", "");
    EXPECT_EQ(be.reduced, 5);
    EXPECT_EQ(be.last_every, 0) << "no row comes home";
    EXPECT_EQ(t.cells_chunks, 5);
    EXPECT_EQ(t.cells_fallbacks, be.fetched);
  }
  {
    DeviceReducing be;
    run(be, "descend", "sample", "");
    EXPECT_EQ(be.reduced, 5);
    EXPECT_EQ(be.last_every, 100) << "5000 starts, about 50 rows: every 100th";
  }
  {
    DeviceReducing be;
    const jobs::StageTimes t = run(be, "descend", "all", "");
    EXPECT_EQ(be.reduced, 0) << "every row comes home anyway";
    EXPECT_EQ(t.cells_chunks, 0);
  }
  {
    DeviceReducing be;  // the basin map labels every cell: end points
    const jobs::StageTimes t = run(be, "run", "none", "");
    EXPECT_EQ(be.reduced, 5);
    EXPECT_EQ(t.cells_chunks, 5);
    EXPECT_GT(be.descends, 5);
  }
  {
    DeviceReducing be;
    run(be, "descend", "none", "off");
    EXPECT_EQ(be.reduced, 0);
  }
}

TEST(CellsPath, OnReducesEveryChunkOfBothPhases) {
  DeviceReducing be;
  const jobs::StageTimes t = run(be, "run", "all", "on");
  EXPECT_EQ(be.reduced, 5 + 1) << "5 chunks of descents, the 400 basin cells in one";
  EXPECT_EQ(be.last_every, 1) << "every basin cell is labelled";
  EXPECT_EQ(t.cells_chunks, 6);
}

// End points spread over most of the merge distance: every chunk's cells
// are refused and its end points fetched.
TEST(CellsPath, RefusedCellsFetchTheEndPoints) {
  DeviceReducing be;
  const jobs::StageTimes t = run(be, "descend", "none", "", true);
  EXPECT_EQ(t.cells_chunks, 5);
  EXPECT_EQ(t.cells_fallbacks, 5);
  EXPECT_EQ(be.fetched, 5);
}

// The records' chunks (jobs::RecordChunks): moved from the checkpoint as
// stored where the descents run on a device, deflated at the end on the
// CPU, unless TRILOBITE_RECORD_CHUNKS says otherwise. 5000 records of 2-D
// descents: one chunk in each of the seven datasets moved.
TEST(CellsPath, RecordsMoveAsStoredChunksWhereTheDescentsRunOnADevice) {
  DeviceReducing device;
  std::unique_ptr<backend::Backend> cpu = backend::make_cpu_backend(2);
  const auto moved = [](backend::Backend& be, const char* value) {
    if (value)
      setenv("TRILOBITE_RECORD_CHUNKS", value, 1);
    else
      unsetenv("TRILOBITE_RECORD_CHUNKS");
    const std::int64_t n = run(be, "descend", "all", "").chunks_moved;
    unsetenv("TRILOBITE_RECORD_CHUNKS");
    return n;
  };
  EXPECT_EQ(moved(device, nullptr), 7);
  EXPECT_EQ(moved(*cpu, nullptr), -1);
  EXPECT_EQ(moved(*cpu, "on"), 7);
  EXPECT_EQ(moved(device, "off"), -1);
  setenv("TRILOBITE_RECORD_CHUNKS", "always", 1);
  EXPECT_THROW(jobs::record_chunks_from_env(), config::BadInput);
  unsetenv("TRILOBITE_RECORD_CHUNKS");
}

// The resource estimate counts the checkpoint's copy of the records' chunks
// exactly where the job keeps one: the same decision, on the same backend.
TEST(CellsPath, TheEstimateCountsTheRecordChunksWhereTheJobKeepsThem) {
  DeviceReducing device;
  std::unique_ptr<backend::Backend> cpu = backend::make_cpu_backend(2);
  config::RunConfig c;
  c.job = "descend";
  c.starts = 100000;
  const config::Resolved r = config::validate(c);
  const auto counted = [&](backend::Backend& be, const char* value, const char* records = "all") {
    if (value)
      setenv("TRILOBITE_RECORD_CHUNKS", value, 1);
    else
      unsetenv("TRILOBITE_RECORD_CHUNKS");
    config::RunConfig k = c;
    k.records = records;
    k.sample = 10000;  // 20000 values of start and end: chunked
    const jobs::RecordsMode m = jobs::records_mode(k, r, be);
    unsetenv("TRILOBITE_RECORD_CHUNKS");
    EXPECT_EQ(m.mode, records);
    EXPECT_EQ(m.sample_rows, 10000);
    bool disk = false;
    for (const jobs::ResourceItem& i : jobs::estimate_resources(k, r, m).disk)
      disk = disk || i.what.find("deflated a second time in the checkpoint") != std::string::npos;
    EXPECT_EQ(disk, m.result_chunks);
    return m.result_chunks;
  };
  EXPECT_TRUE(counted(device, nullptr));
  EXPECT_FALSE(counted(*cpu, nullptr));
  EXPECT_TRUE(counted(*cpu, "on"));
  EXPECT_FALSE(counted(device, "off"));
  EXPECT_FALSE(counted(device, nullptr, "none"));
  EXPECT_TRUE(counted(device, nullptr, "sample"));
  c.job = "basins";  // no descents to record
  c.basin_res = 100;
  EXPECT_FALSE(jobs::records_mode(c, config::validate(c), device).result_chunks);
}

TEST(CellsPath, AnotherValueIsRefused) {
  setenv("TRILOBITE_REDUCE_CELLS", "device", 1);
  EXPECT_THROW(jobs::cells_path_from_env(), config::BadInput);
  unsetenv("TRILOBITE_REDUCE_CELLS");
  EXPECT_EQ(jobs::cells_path_from_env(), jobs::CellsPath::kBackend);
}

}  // namespace

namespace {

// The GPU's cells path with the GPU's own reduction, run on the host
// (support/thrust_host_backend.hpp: descents kept per slot, reduced by
// kernels/reduce_cells_thrust.hpp, the sampled rows brought home, the end
// points fetched for refused chunks): every dataset of the file equals the
// CPU's end-point path's, bit for bit.
TEST(CellsPath, TheDevicesReductionWritesTheEndPointPathsFile) {
  if (!test::thrust_host_available()) GTEST_SKIP() << test::ThrustHostBackendMaker::missing();
  // "Device memory" for buffers of 2-D chunks of 1000 descents: all of it;
  // room for the kept columns (16 bytes a row at most) but not for the
  // reduction's cell keys (24 bytes a counting row), which then runs out
  // of device memory or, as Thrust's scratch does, throws bad_alloc; too
  // little for the kept columns.
  constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max(), kKeepOnly = 20000, kNone = 10000;
  struct Case {
    const char* job;
    const char* records;
    bool spread;
    std::size_t limit = kAll;
    bool bad_alloc = false;
  };
  for (const Case& k : {Case{"descend", "none", false}, Case{"descend", "sample", false}, Case{"run", "none", false},
                        Case{"descend", "sample", true}, Case{"descend", "sample", false, kKeepOnly},
                        Case{"descend", "none", false, kKeepOnly, true}, Case{"descend", "sample", false, kNone},
                        Case{"descend", "none", true, kKeepOnly}}) {
    const std::string what = std::string(k.job) + "_" + k.records + (k.spread ? "_spread" : "") +
                             (k.limit == kAll ? "" : "_limit" + std::to_string(k.limit)) +
                             (k.bad_alloc ? "_bad_alloc" : "");
    SCOPED_TRACE(what);
    const std::string stem = (std::filesystem::path(TRILOBITE_TEST_TMP) / "cells_path_device_").string() + what;
    std::unique_ptr<backend::Backend> device = test::make_thrust_host_backend(k.limit, k.bad_alloc);
    std::unique_ptr<backend::Backend> cpu = backend::make_cpu_backend(2);
    const jobs::StageTimes t = run(*device, k.job, k.records, "", k.spread, stem + "_cells.h5");
    run(*cpu, k.job, k.records, "off", k.spread, stem + "_points.h5");
    EXPECT_EQ(t.cells_chunks, 5);
    EXPECT_EQ(test::thrust_host_chunks_at_home(*device), k.limit == kAll ? 0 : 5) << "chunks home unreduced";
    EXPECT_EQ(test::thrust_host_kept_slots(*device), 0) << "the job's phase ended with descents still kept";
    // A chunk home unreduced is clustered by its end points, as one whose
    // cells are refused (spread).
    EXPECT_EQ(t.cells_fallbacks, k.spread || k.limit != kAll ? 5 : 0);
    const auto a = datasets_of(stem + "_cells.h5"), b = datasets_of(stem + "_points.h5");
    EXPECT_GT(a.size(), 5u);
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [name, bytes] : b) {
      const auto it = a.find(name);
      ASSERT_NE(it, a.end()) << name;
      EXPECT_TRUE(it->second == bytes) << name << " differs";
    }
    std::filesystem::remove(stem + "_cells.h5");
    std::filesystem::remove(stem + "_points.h5");
  }
}

}  // namespace
