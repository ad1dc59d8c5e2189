// Chunks moved between datasets as stored (src/io/chunk_copy.hpp), and the
// checkpoint's second copy of a stream in the result's chunks
// (StreamSpec::result_rows): the values read back are the values written,
// the bytes stored those HDF5's own pipeline stores, and whatever cannot be
// copied as it is (another layout, level, fill or type, a chunk missing) is
// refused before anything is written.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "io/chunk_copy.hpp"
#include "io/hdf5_util.hpp"
#include "io/result_writer.hpp"

namespace trilo::io {
namespace {

std::string tmp_path(const std::string& tag) {
  return std::string(TRILOBITE_TEST_TMP) + "/chunk_copy." +
         ::testing::UnitTest::GetInstance()->current_test_info()->name() + "." + tag + ".h5";
}

// A value per element that no shuffle of rows or chunks keeps in place.
double value(std::int64_t i) { return std::sin(0.001 * double(i)) * 1000 + double(i % 7); }

std::vector<double> values(std::int64_t n, std::int64_t from = 0) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = value(from + i);
  return v;
}

class File {
 public:
  explicit File(std::string path) : path_(std::move(path)) {
    h5::silence_errors();
    id_ = H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  }
  ~File() {
    if (id_ >= 0) H5Fclose(id_);
    std::filesystem::remove(path_);
  }
  hid_t id() const { return id_; }

 private:
  std::string path_;
  hid_t id_ = -1;
};

const double kNaN = std::nan("");

std::vector<unsigned char> stored_chunk(hid_t ds, const h5::Shape& offset) {
  hsize_t size = 0;
  EXPECT_GE(H5Dget_chunk_storage_size(ds, offset.data(), &size), 0);
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  std::uint32_t mask = 0;
  EXPECT_GE(H5Dread_chunk(ds, H5P_DEFAULT, offset.data(), &mask, bytes.data()), 0);
  EXPECT_EQ(mask, 0u);
  return bytes;
}

TEST(ChunkCopy, CopiedChunksReadBackAsWrittenWithTheSourceBytes) {
  // 70,001 rows of 3: chunks of 21,845 rows, the last one partial.
  const std::int64_t rows = 70001;
  const h5::Shape dims = {hsize_t(rows), 3};
  File a(tmp_path("a")), b(tmp_path("b"));
  h5::Handle from = h5::create_dataset<double>(a.id(), "x", dims, &kNaN);
  h5::Handle to = h5::create_dataset<double>(b.id(), "x", dims, &kNaN);
  const std::vector<double> v = values(rows * 3);
  h5::write_flat(from.get(), H5T_NATIVE_DOUBLE, 0, rows * 3, v.data());  // through HDF5's own filters
  ASSERT_TRUE(same_chunks(from.get(), to.get()));
  EXPECT_EQ(copy_chunks(from.get(), to.get()), 4);
  std::vector<double> got(v.size());
  h5::read_all_raw(to.get(), H5T_NATIVE_DOUBLE, got.data());
  EXPECT_EQ(std::memcmp(got.data(), v.data(), v.size() * sizeof(double)), 0);
  for (hsize_t r = 0; r < hsize_t(rows); r += 21845)
    EXPECT_EQ(stored_chunk(from.get(), {r, 0}), stored_chunk(to.get(), {r, 0})) << "chunk at row " << r;
}

TEST(ChunkCopy, WhatCannotBeCopiedAsStoredIsRefused) {
  const h5::Shape dims = {100000};
  File a(tmp_path("a")), b(tmp_path("b"));
  h5::Handle from = h5::create_dataset<double>(a.id(), "x", dims, &kNaN);
  const std::vector<double> v = values(100000);
  h5::write_flat(from.get(), H5T_NATIVE_DOUBLE, 0, 100000, v.data());
  h5::Handle part = h5::create_dataset<double>(a.id(), "part", dims, &kNaN);
  h5::write_flat(part.get(), H5T_NATIVE_DOUBLE, 0, 1000, v.data());  // one chunk of two written

  h5::Handle alike = h5::create_dataset<double>(b.id(), "alike", dims, &kNaN);
  EXPECT_TRUE(same_chunks(from.get(), alike.get()));
  EXPECT_FALSE(same_chunks(part.get(), alike.get())) << "a chunk never written";
  h5::Handle longer = h5::create_dataset<double>(b.id(), "longer", {100001}, &kNaN);
  EXPECT_FALSE(same_chunks(from.get(), longer.get())) << "another shape";
  h5::Handle no_fill = h5::create_dataset<double>(b.id(), "no_fill", dims);
  EXPECT_FALSE(same_chunks(from.get(), no_fill.get())) << "another fill value";
  const std::int64_t minus_one = -1;
  h5::Handle ints = h5::create_dataset<std::int64_t>(b.id(), "ints", dims, &minus_one);
  EXPECT_FALSE(same_chunks(from.get(), ints.get())) << "another type";
  {
    const h5::DeflateScope level(1);
    h5::Handle fast = h5::create_dataset<double>(b.id(), "fast", dims, &kNaN);
    EXPECT_FALSE(same_chunks(from.get(), fast.get())) << "another deflate level";
  }
  {
    const h5::DeflateScope level(0);
    h5::Handle plain = h5::create_dataset<double>(b.id(), "plain", dims, &kNaN);
    EXPECT_FALSE(same_chunks(from.get(), plain.get())) << "no filters";
  }
  h5::Handle small_a = h5::create_dataset<double>(a.id(), "small", {1000}, &kNaN);
  h5::Handle small_b = h5::create_dataset<double>(b.id(), "small", {1000}, &kNaN);
  h5::write_flat(small_a.get(), H5T_NATIVE_DOUBLE, 0, 1000, v.data());
  EXPECT_FALSE(same_chunks(small_a.get(), small_b.get())) << "contiguous";
}

// A checkpoint stream of points, losses and a column not in the result.
StreamSpec stream(std::int64_t result_rows) {
  return {"descents",
          {{"start", ColumnType::kF64, 2, true},
           {"loss", ColumnType::kF64, 1, true},
           {"raw_minimum", ColumnType::kI32, 1, false}},
          result_rows};
}

// Rows [0, rows) of the stream, in commits of `step`; then closed.
void write_checkpoint(const std::string& path, std::int64_t result_rows, std::int64_t rows, std::int64_t step) {
  CheckpointWriter w(path, {}, {stream(result_rows)}, 1);
  for (std::int64_t first = 0; first < rows; first += step) {
    const std::int64_t n = std::min(step, rows - first);
    const std::vector<double> start = values(2 * n, 2 * first), loss = values(n, 1000000 + first);
    const std::vector<std::int32_t> raw(static_cast<std::size_t>(n), 3);
    w.write_rows(0, first, n, {start.data(), loss.data(), raw.data()});
    w.commit({first + n}, {});
  }
  w.close();
}

Attributes required() {
  return {{"format_version", kFormatVersion}, {"program", std::string("trilobite")}};
}

TEST(ChunkCopy, TheCheckpointsChunksBecomeTheResultsRecords) {
  const std::int64_t rows = 70001;
  const std::string ck_path = tmp_path("ck"), out = tmp_path("out");
  write_checkpoint(ck_path, rows, rows, 6000);  // commits end inside chunks
  {
    const CheckpointReader ck(ck_path);
    ResultWriter w(out);
    w.begin_descents(rows, 2);
    EXPECT_EQ(copy_result_chunks(ck, stream(rows), w, "descents"), 3 + 2);
    w.write_root_attributes(required());
    w.commit();
  }
  h5::Handle f = h5::owned(H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open");
  EXPECT_EQ(h5::read<double>(f.get(), "descents/start"), values(2 * rows));
  EXPECT_EQ(h5::read<double>(f.get(), "descents/loss"), values(rows, 1000000));
  f.reset();
  std::filesystem::remove(ck_path);
  std::filesystem::remove(out);
}

TEST(ChunkCopy, AnInterruptedOrOtherwiseDeflatedCheckpointCopiesNothing) {
  const std::int64_t rows = 70001;
  const std::string interrupted = tmp_path("interrupted"), other = tmp_path("other"), out = tmp_path("out");
  write_checkpoint(interrupted, rows, 40000, 6000);  // the run stopped before its end
  {
    const h5::DeflateScope level(1);
    write_checkpoint(other, rows, rows, 6000);  // resumed under --compression 1
  }
  {
    ResultWriter w(out);
    w.begin_descents(rows, 2);
    EXPECT_EQ(copy_result_chunks(CheckpointReader(interrupted), stream(rows), w, "descents"), -1);
    EXPECT_EQ(copy_result_chunks(CheckpointReader(other), stream(rows), w, "descents"), -1);
    w.write_root_attributes(required());
    w.commit();
  }
  h5::Handle f = h5::owned(H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open");
  for (double x : h5::read<double>(f.get(), "descents/loss")) ASSERT_TRUE(std::isnan(x)) << "a row was written";
  f.reset();
  for (const std::string& p : {interrupted, other, out}) std::filesystem::remove(p);
}

TEST(ChunkCopy, ASmallResultKeepsNoSecondCopy) {
  // 1,000 rows: /descents' datasets are contiguous, nothing to copy as stored.
  const std::string ck_path = tmp_path("ck"), out = tmp_path("out");
  write_checkpoint(ck_path, 1000, 1000, 300);
  {
    ResultWriter w(out);
    w.begin_descents(1000, 2);
    EXPECT_EQ(copy_result_chunks(CheckpointReader(ck_path), stream(1000), w, "descents"), -1);
  }
  std::filesystem::remove(ck_path);
}

}  // namespace
}  // namespace trilo::io
