// The result file: what the writer puts in, the reader gets back, bit for bit;
// failures leave nothing behind; the reader refuses files that are not ours.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "io/hdf5_util.hpp"
#include "io/result_reader.hpp"
#include "io/result_writer.hpp"
#include "support/h5_filters.hpp"

namespace trilo::io {
namespace {

#ifndef TRILOBITE_TEST_TMP
#define TRILOBITE_TEST_TMP "/tmp"
#endif

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A path unique to the running test, so parallel test processes never meet.
std::string test_path(const std::string& suffix = ".h5") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(TRILOBITE_TEST_TMP) + "/io_" + info->test_suite_name() + "_" + info->name() +
         "_" + std::to_string(::getpid()) + suffix;
}

bool exists(const std::string& p) { return std::filesystem::exists(p); }

std::uint64_t bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// Exact equality; doubles compared by bit pattern so NaN and -0.0 count.
template <class T>
void expect_same(const std::vector<T>& got, const std::vector<T>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>)
      EXPECT_EQ(bits(got[i]), bits(want[i]))
          << what << "[" << i << "]: " << got[i] << " vs " << want[i];
    else
      EXPECT_EQ(got[i], want[i]) << what << "[" << i << "]";
  }
}

Attributes provenance() {
  return {{"format_version", std::int64_t{1}},
          {"program", std::string("trilobite")},
          {"program_version", std::string("0.1.0")},
          {"command_line", std::string("trilobite run --seed 7 -o 'a b.h5'")},
          {"landscape", std::string("himmelblau")},
          {"dim", std::int64_t{3}},
          {"box_lo", std::vector<double>{-5, -4.5, -1e300}},
          {"box_hi", std::vector<double>{5, 4.5, 1e-300}},
          {"optimizer", std::string("adam")},
          {"lr", 0.1 + 0.2},
          {"seed", std::uint64_t{18446744073709551615ull}},
          {"empty_list", std::vector<double>{}},
          {"trace", std::vector<std::int64_t>{-3, 0, 9000000000}},
          {"empty_text", std::string()},
          {"unicode", std::string("\xce\xbb = 0.5")}};
}

GridAxes axes_2d(std::int64_t n0, std::int64_t n1) {
  GridAxes a;
  a.name0 = "x";
  a.name1 = "z";
  a.axis0 = 0;
  a.axis1 = 2;
  a.origin = {0.0, 0.25, -0.0};
  for (std::int64_t i = 0; i < n0; ++i) a.coord0.push_back(-1.0 + 0.1 * double(i));
  for (std::int64_t i = 0; i < n1; ++i) a.coord1.push_back(3.0 - 0.7 * double(i));
  return a;
}

// Values with NaN and infinities sprinkled in, distinct per column.
double value(std::int64_t i, int column) {
  if (i % 17 == 3) return kNaN;
  if (i % 29 == 5) return column % 2 ? kInf : -kInf;
  return std::sin(double(i) * 0.37 + column) * std::pow(10.0, double(i % 11) - 5);
}

struct Written {
  GridAxes grid_axes;
  std::vector<double> loss, grad0, grad1, grad_norm;
  backend::DescentBatch descents;
  std::vector<std::int32_t> labels;
  analysis::MinimaTable minima;
  GridAxes basin_axes;
  std::vector<std::int32_t> basin_label;
  std::vector<std::int64_t> basin_steps;
  std::vector<std::int8_t> basin_status;
  std::vector<double> basin_fraction;
  std::vector<backend::Trajectory> trajectories;
};

// Writes every group; the grid (larger than one contiguous dataset, so
// chunked) arrives in tiles that cut rows and come in reverse order.
Written write_everything(const std::string& path) {
  Written w;
  ResultWriter out(path);
  w.grid_axes = axes_2d(71, 61);
  const std::int64_t n = 71 * 61, tile = 250;
  for (std::int64_t i = 0; i < n; ++i) {
    w.loss.push_back(value(i, 0));
    w.grad0.push_back(value(i, 1));
    w.grad1.push_back(value(i, 2));
    w.grad_norm.push_back(value(i, 3));
  }
  out.begin_grid(w.grid_axes);
  for (std::int64_t first = (n - 1) / tile * tile; first >= 0; first -= tile) {
    backend::GridTile t;
    t.resize(std::min(tile, n - first));
    t.first = first;
    for (std::int64_t k = 0; k < t.count; ++k) {
      t.loss[k] = w.loss[first + k];
      t.grad0[k] = w.grad0[first + k];
      t.grad1[k] = w.grad1[first + k];
      t.grad_norm[k] = w.grad_norm[first + k];
    }
    out.write_grid_tile(t);
  }

  const int dim = 3;
  const std::int64_t nd = 37;
  w.descents.resize(nd, dim);
  for (std::int64_t i = 0; i < nd * dim; ++i) {
    w.descents.start[i] = value(i, 4);
    w.descents.end[i] = value(i, 5);
  }
  for (std::int64_t i = 0; i < nd; ++i) {
    w.descents.loss[i] = value(i, 6);
    w.descents.grad_norm[i] = value(i, 7);
    w.descents.steps[i] = i * 1000003;
    w.descents.status[i] = static_cast<std::int8_t>(i % 3);
    w.labels.push_back(i % 3 == 0 ? std::int32_t(i % 5) - 1 : -1);
  }
  out.begin_descents(nd, dim);
  for (std::int64_t first : {30, 0, 10, 20}) {  // batches out of order, the last one short
    backend::DescentBatch b;
    const std::int64_t count = std::min<std::int64_t>(10, nd - first);
    b.resize(count, dim);
    b.first = first;
    std::copy_n(w.descents.start.begin() + first * dim, count * dim, b.start.begin());
    std::copy_n(w.descents.end.begin() + first * dim, count * dim, b.end.begin());
    std::copy_n(w.descents.loss.begin() + first, count, b.loss.begin());
    std::copy_n(w.descents.grad_norm.begin() + first, count, b.grad_norm.begin());
    std::copy_n(w.descents.steps.begin() + first, count, b.steps.begin());
    std::copy_n(w.descents.status.begin() + first, count, b.status.begin());
    out.write_descent_batch(b);
  }
  out.write_descent_labels(w.labels);

  w.minima.dim = dim;  // no minima found
  w.minima.merge_tol = 0.0125;
  out.write_minima(w.minima);

  w.basin_axes = axes_2d(4, 3);
  for (int i = 0; i < 12; ++i) {
    w.basin_label.push_back(i % 4 - 1);
    w.basin_steps.push_back(i * i);
    w.basin_status.push_back(static_cast<std::int8_t>(i % 4 == 0 ? 1 : 0));
  }
  w.basin_fraction = {0.25, 0.5, kNaN};
  out.write_basins(w.basin_axes, w.basin_label, w.basin_steps, w.basin_status, w.basin_fraction);

  for (int k : {3, 0, 5}) {  // lengths 3, 0, 5: padding, and an empty trajectory
    backend::Trajectory t;
    t.descent = 10 * k + 1;
    for (int s = 0; s < k; ++s) {
      t.step.push_back(s * 7);
      for (int c = 0; c < dim; ++c) t.position.push_back(value(s * dim + c, k));
      t.loss.push_back(s == 1 ? kNaN : double(s) / 3.0);
    }
    w.trajectories.push_back(t);
  }
  out.write_trajectories(w.trajectories, dim);

  out.write_root_attributes(provenance());
  out.commit();
  return w;
}

void expect_same_axes(const GridAxes& got, const GridAxes& want) {
  EXPECT_EQ(got.name0, want.name0);
  EXPECT_EQ(got.name1, want.name1);
  EXPECT_EQ(got.axis0, want.axis0);
  EXPECT_EQ(got.axis1, want.axis1);
  expect_same(got.coord0, want.coord0, "coord0");
  expect_same(got.coord1, want.coord1, "coord1");
  expect_same(got.origin, want.origin, "origin");
}

TEST(ResultFile, EveryGroupReadsBackBitForBit) {
  const std::string path = test_path();
  const Written w = write_everything(path);
  const ResultData r = read_result(path);
  std::filesystem::remove(path);

  EXPECT_EQ(r.path, path);
  EXPECT_EQ(r.attributes, provenance());  // every type, in the order written
  ASSERT_TRUE(r.has_grid && r.has_descents && r.has_minima && r.has_basins && r.has_trajectories);

  expect_same_axes(r.grid.axes, w.grid_axes);
  expect_same(r.grid.loss, w.loss, "grid loss");
  expect_same(r.grid.grad0, w.grad0, "grid grad0");
  expect_same(r.grid.grad1, w.grad1, "grid grad1");
  expect_same(r.grid.grad_norm, w.grad_norm, "grid grad_norm");

  EXPECT_EQ(r.descents.first, 0);
  EXPECT_EQ(r.descents.count, w.descents.count);
  EXPECT_EQ(r.descents.dim, w.descents.dim);
  expect_same(r.descents.start, w.descents.start, "start");
  expect_same(r.descents.end, w.descents.end, "end");
  expect_same(r.descents.loss, w.descents.loss, "descent loss");
  expect_same(r.descents.grad_norm, w.descents.grad_norm, "descent grad_norm");
  expect_same(r.descents.steps, w.descents.steps, "steps");
  expect_same(r.descents.status, w.descents.status, "status");
  expect_same(r.descent_labels, w.labels, "labels");

  EXPECT_EQ(r.minima.n_minima, 0);
  EXPECT_EQ(r.minima.dim, 3);
  EXPECT_EQ(bits(r.minima.merge_tol), bits(0.0125));
  EXPECT_TRUE(r.minima.position.empty() && r.minima.kind.empty() && r.minima.count.empty());

  expect_same_axes(r.basins.axes, w.basin_axes);
  expect_same(r.basins.label, w.basin_label, "basin label");
  expect_same(r.basins.steps, w.basin_steps, "basin steps");
  expect_same(r.basins.status, w.basin_status, "basin status");
  expect_same(r.basins.fraction, w.basin_fraction, "basin fraction");
  EXPECT_EQ(r.basins.unconverged_fraction, 3.0 / 12.0);

  EXPECT_EQ(r.trajectory_dim, 3);
  ASSERT_EQ(r.trajectories.size(), w.trajectories.size());
  for (std::size_t i = 0; i < w.trajectories.size(); ++i) {
    EXPECT_EQ(r.trajectories[i].descent, w.trajectories[i].descent);
    expect_same(r.trajectories[i].step, w.trajectories[i].step, "trajectory step");
    expect_same(r.trajectories[i].position, w.trajectories[i].position, "trajectory position");
    expect_same(r.trajectories[i].loss, w.trajectories[i].loss, "trajectory loss");
  }
}

TEST(ResultFile, OneDimensionalGridAndAMinimaTableReadBack) {
  const std::string path = test_path();
  GridAxes a;
  a.name0 = "w5";
  a.axis0 = 4;
  a.axis1 = -1;
  a.coord0 = {-2, -1, 0, 1, 2};
  a.origin = {1, 2, 3, 4, 5};
  analysis::MinimaTable m;
  m.dim = 1;
  m.n_minima = 2;
  m.position = {-1.5, 1.5};
  m.loss = {-3, kNaN};
  m.grad_norm = {1e-12, 0};
  m.eigenvalues = {2, -0.0};
  m.kind = {0, 2};
  m.count = {7, 0};
  m.fraction = {0.7, 0};
  m.mean_steps = {12.5, 0};
  m.basin_count = {0, 3};
  m.basin_fraction = {0, 0.6};
  m.merge_tol = 1e-3;
  {
    ResultWriter out(path);
    out.write_root_attributes(provenance());
    out.begin_grid(a);
    backend::GridTile t;
    t.resize(5);
    for (int i = 0; i < 5; ++i) t.loss[i] = t.grad0[i] = t.grad_norm[i] = i * 0.5;
    out.write_grid_tile(t);
    out.write_minima(m);
    out.commit();
  }
  const ResultData r = read_result(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(r.has_grid && r.has_minima);
  EXPECT_FALSE(r.has_descents || r.has_basins || r.has_trajectories);
  expect_same_axes(r.grid.axes, a);
  EXPECT_TRUE(r.grid.axes.one_d());
  expect_same(r.grid.loss, {0, 0.5, 1, 1.5, 2}, "loss");
  expect_same(r.grid.grad0, {0, 0.5, 1, 1.5, 2}, "grad0");
  EXPECT_TRUE(r.grid.grad1.empty());
  EXPECT_EQ(r.minima.n_minima, 2);
  EXPECT_EQ(r.minima.dim, 1);
  expect_same(r.minima.position, m.position, "position");
  expect_same(r.minima.loss, m.loss, "loss");
  expect_same(r.minima.grad_norm, m.grad_norm, "grad_norm");
  expect_same(r.minima.eigenvalues, m.eigenvalues, "eigenvalues");
  expect_same(r.minima.kind, m.kind, "kind");
  expect_same(r.minima.count, m.count, "count");
  expect_same(r.minima.fraction, m.fraction, "fraction");
  expect_same(r.minima.mean_steps, m.mean_steps, "mean_steps");
  expect_same(r.minima.basin_count, m.basin_count, "basin_count");
  expect_same(r.minima.basin_fraction, m.basin_fraction, "basin_fraction");
  EXPECT_EQ(r.minima.merge_tol, m.merge_tol);
}

TEST(ResultFile, WriterDestroyedWithoutCommitLeavesNothing) {
  const std::string path = test_path();
  std::string tmp;
  {
    ResultWriter out(path);
    tmp = out.temporary_path();
    EXPECT_TRUE(exists(tmp));
    out.write_root_attributes(provenance());
    out.begin_descents(4, 2);
  }
  EXPECT_FALSE(exists(path));
  EXPECT_FALSE(exists(tmp));
}

TEST(ResultFile, TemporaryFileSitsBesideTheTarget) {
  const std::string path = test_path();
  ResultWriter out(path);
  EXPECT_EQ(out.temporary_path(), path + ".tmp-" + std::to_string(::getpid()));
}

TEST(ResultFile, CommitReplacesAnExistingTarget) {
  const std::string path = test_path();
  std::ofstream(path) << "an older result\n";
  {
    ResultWriter out(path);
    out.write_root_attributes(provenance());
    out.commit();
    EXPECT_FALSE(exists(out.temporary_path()));
  }
  const ResultData r = read_result(path);
  std::filesystem::remove(path);
  EXPECT_EQ(r.attributes, provenance());
  EXPECT_FALSE(r.has_grid || r.has_descents || r.has_minima || r.has_basins || r.has_trajectories);
}

TEST(ResultFile, CommitWithoutProvenanceFailsAndLeavesNothing) {
  const std::string path = test_path();
  {
    ResultWriter out(path);
    EXPECT_THROW(out.commit(), std::runtime_error);
  }
  EXPECT_FALSE(exists(path));
}

TEST(ResultFile, UncreatableTargetIsNamedInTheError) {
  const std::string path = test_path("_missing_dir/result.h5");
  try {
    ResultWriter out(path);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ".tmp-"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

TEST(ResultFile, MisuseThrowsOneLineErrors) {
  ResultWriter out(test_path());
  backend::GridTile t;
  t.resize(3);
  EXPECT_THROW(out.write_grid_tile(t), std::runtime_error);  // before begin_grid
  out.begin_grid(axes_2d(2, 2));
  t.first = 2;
  EXPECT_THROW(out.write_grid_tile(t), std::runtime_error);         // past the end
  EXPECT_THROW(out.begin_grid(axes_2d(2, 2)), std::runtime_error);  // twice
  out.begin_descents(5, 2);
  EXPECT_THROW(out.write_descent_labels({1, 2}), std::runtime_error);
  backend::DescentBatch b;
  b.resize(2, 3);
  EXPECT_THROW(out.write_descent_batch(b), std::runtime_error);  // wrong dimension
  GridAxes clash = axes_2d(2, 2);
  clash.name0 = "label";
  EXPECT_THROW(out.write_basins(clash, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {}),
               std::runtime_error);
}

TEST(ResultFile, ReaderRejectsAFileThatIsNotHdf5) {
  const std::string path = test_path(".txt");
  std::ofstream(path) << "x,y\n1,2\n";
  try {
    read_result(path);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "'" + path + "' is not a trilobite result file (not an HDF5 file)");
  }
  std::filesystem::remove(path);
}

// Filters of a chunked dataset made now: {shuffled, deflate level or -1}.
std::pair<bool, int> filters_of_a_new_dataset(hid_t file, const std::string& name) {
  namespace h5 = trilo::io::h5;
  h5::Handle d = h5::create_dataset<double>(file, name, {100000});
  const trilo::test::Filters r = trilo::test::filters_of(d.get());
  return {r.shuffle, r.deflate};
}

TEST(ResultFile, DeflateScopeSetsTheLevelAndRestoresTheOuterOne) {
  namespace h5 = trilo::io::h5;
  const std::string path = test_path();
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  using P = std::pair<bool, int>;
  EXPECT_EQ(filters_of_a_new_dataset(f, "a"), P(true, h5::kDefaultDeflate));
  {
    const h5::DeflateScope none(0);
    EXPECT_EQ(filters_of_a_new_dataset(f, "b"), P(false, -1));  // no shuffle without deflate
    {
      const h5::DeflateScope most(9);
      EXPECT_EQ(filters_of_a_new_dataset(f, "c"), P(true, 9));
    }
    EXPECT_EQ(filters_of_a_new_dataset(f, "d"), P(false, -1));
  }
  EXPECT_EQ(filters_of_a_new_dataset(f, "e"), P(true, h5::kDefaultDeflate));
  EXPECT_THROW(h5::DeflateScope(10), std::invalid_argument);
  H5Fclose(f);
  std::filesystem::remove(path);
}

TEST(ResultFile, ReaderRejectsAnHdf5FileThatIsNotOurs) {
  const std::string path = test_path();
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Gclose(H5Gcreate2(f, "grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  H5Fclose(f);
  try {
    read_result(path);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("'" + path + "' is not a trilobite result file (", 0), 0u)
        << e.what();
  }
  std::filesystem::remove(path);
}

TEST(ResultFile, ReaderRejectsAnotherProgramsFile) {
  const std::string path = test_path();
  {
    ResultWriter out(path);
    out.write_root_attributes(
        {{"format_version", std::int64_t{1}}, {"program", std::string("other")}});
    out.commit();
  }
  EXPECT_THROW(read_result(path), std::runtime_error);
  std::filesystem::remove(path);
}

TEST(ResultFile, ReaderRejectsANewerFormatVersion) {
  const std::string path = test_path();
  {
    ResultWriter out(path);
    out.write_root_attributes(provenance());
    out.write_root_attributes({{"format_version", kFormatVersion + 1}});  // the last value wins
    out.commit();
  }
  EXPECT_THROW(read_result(path), std::runtime_error);
  std::filesystem::remove(path);
}

TEST(ResultFile, ReaderNamesAMissingFile) {
  const std::string path = test_path(".absent");
  try {
    read_result(path);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
}

TEST(ResultFile, DescriptionNamesProvenanceGroupsAndOutcomes) {
  const std::string path = test_path();
  write_everything(path);
  const std::string text = describe_result(read_result(path));
  std::filesystem::remove(path);
  for (const char* want : {"himmelblau", "dim 3", "adam", "lr 0.3", "trilobite run --seed 7",
                           "/grid", "61 x 71 over (z, x)", "/descents", "37 descents",
                           "13 converged, 12 max-steps, 12 diverged", "/minima", "0 points",
                           "/basins", "/trajectories", "3 traced"})
    EXPECT_NE(text.find(want), std::string::npos) << "missing '" << want << "' in:\n" << text;
}

}  // namespace
}  // namespace trilo::io
