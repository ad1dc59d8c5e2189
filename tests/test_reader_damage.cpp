// The result reader refuses damaged files with one line instead of handing
// inconsistent tables to `info` and `render` (cases found by
// tests/fuzz/fuzz_result_file.cpp). Each test writes a small valid file,
// damages one thing with the HDF5 C API, and expects the refusal to name it.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/result_reader.hpp"
#include "io/result_writer.hpp"

namespace trilo::io {
namespace {

std::string damage_path() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(TRILOBITE_TEST_TMP) + "/damage_" + info->name() + "_" + std::to_string(::getpid()) +
         ".h5";
}

// A file with a 1-D grid of 5 nodes and a minima table of 2 rows.
void write_small(const std::string& path) {
  GridAxes a;
  a.name0 = "x";
  a.axis0 = 0;
  a.axis1 = -1;
  a.coord0 = {-2, -1, 0, 1, 2};
  a.origin = {0};
  analysis::MinimaTable m;
  m.dim = 1;
  m.n_minima = 2;
  m.position = {-1.5, 1.5};
  m.loss = {-3, -2};
  m.grad_norm = {0, 0};
  m.eigenvalues = {2, 3};
  m.kind = {0, 0};
  m.count = {7, 3};
  m.fraction = {0.7, 0.3};
  m.mean_steps = {12, 14};
  m.basin_count = {0, 0};
  m.basin_fraction = {0, 0};
  m.merge_tol = 1e-3;
  ResultWriter out(path);
  out.write_root_attributes({{"format_version", std::int64_t{1}}, {"program", std::string("trilobite")}});
  out.begin_grid(a);
  backend::GridTile t;
  t.resize(5);
  for (int i = 0; i < 5; ++i) t.loss[i] = t.grad0[i] = t.grad_norm[i] = i;
  out.write_grid_tile(t);
  out.write_minima(m);
  out.commit();
}

// The message read_result throws for the file at `path`, or "" if it reads.
std::string refusal(const std::string& path) {
  try {
    read_result(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

// Replaces dataset `name` by a float64 dataset of `dims` (a scalar when
// empty; else chunked, nothing written: every element reads as 0).
void replace_dataset(const std::string& path, const char* name, std::vector<hsize_t> dims) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Ldelete(f, name, H5P_DEFAULT);
  const hid_t space = dims.empty() ? H5Screate(H5S_SCALAR)
                                   : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  const std::vector<hsize_t> chunk(dims.size(), 1);
  if (!dims.empty()) H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
  const hid_t ds = H5Dcreate2(f, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  EXPECT_GE(ds, 0);
  H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Fclose(f);
}

TEST(DamagedResultFile, UnknownKindCodeIsRefusedByName) {
  const std::string path = damage_path();
  write_small(path);
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t ds = H5Dopen2(f, "/minima/kind", H5P_DEFAULT);
  const std::int8_t kinds[2] = {0, 9};
  EXPECT_GE(H5Dwrite(ds, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, kinds), 0);
  H5Dclose(ds);
  H5Fclose(f);
  const std::string why = refusal(path);
  std::filesystem::remove(path);
  EXPECT_NE(why.find("/minima/kind holds the code 9"), std::string::npos) << why;
}

TEST(DamagedResultFile, ColumnOfTheWrongLengthIsRefusedByName) {
  const std::string path = damage_path();
  write_small(path);
  replace_dataset(path, "/minima/mean_steps", {3});
  const std::string why = refusal(path);
  std::filesystem::remove(path);
  EXPECT_NE(why.find("holds 3 values where 2 belong"), std::string::npos) << why;
}

TEST(DamagedResultFile, DatasetDeclaringTerabytesIsRefusedBeforeReading) {
  const std::string path = damage_path();
  write_small(path);
  replace_dataset(path, "/grid/grad_norm", {hsize_t{1} << 20, hsize_t{1} << 20});  // 8 TiB of float64
  const std::string why = refusal(path);
  std::filesystem::remove(path);
  EXPECT_NE(why.find("/grid/grad_norm declares 1048576 x 1048576 elements"), std::string::npos) << why;
}

TEST(DamagedResultFile, ScalarWhereAListBelongsIsRefused) {
  const std::string path = damage_path();
  write_small(path);
  replace_dataset(path, "/minima/minimum", {});
  const std::string why = refusal(path);
  std::filesystem::remove(path);
  EXPECT_NE(why.find("is a scalar, not a list"), std::string::npos) << why;
}

}  // namespace
}  // namespace trilo::io
