// ChunkWriter (src/io/chunk_writer.hpp) against HDF5's own filter
// pipeline: the same elements written both ways must read back the same and
// leave the same bytes in every chunk, whatever order, overlap or coverage
// the writes have, for every element type and shape the result file uses.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "io/chunk_writer.hpp"
#include "io/hdf5_util.hpp"

namespace trilo::io {
namespace {

namespace h5 = trilo::io::h5;

struct Range {
  std::int64_t first, count;
};

// Ranges of `step` elements covering [0, n).
std::vector<Range> cover(std::int64_t n, std::int64_t step) {
  std::vector<Range> r;
  for (std::int64_t f = 0; f < n; f += step) r.push_back({f, std::min(step, n - f)});
  return r;
}

class Chunks : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(TRILOBITE_TEST_TMP) + "/chunk_writer." +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".h5";
    h5::silence_errors();
    file_ = H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(file_, 0);
  }
  void TearDown() override {
    if (file_ >= 0) H5Fclose(file_);
    std::filesystem::remove(path_);
  }

  // Two datasets of `dims` written range by range by one ChunkWriter, and
  // the same written by H5Dwrite; then elements and stored chunks compared.
  template <class T>
  void check(const h5::Shape& dims, const std::vector<Range>& ranges, const T* fill,
             std::size_t held = ChunkWriter::kHeldBytes) {
    const std::string tag = std::to_string(serial_++);
    std::vector<h5::Handle> ours, theirs;
    for (int k = 0; k < 2; ++k) {
      ours.push_back(h5::create_dataset<T>(file_, "ours" + tag + "_" + std::to_string(k), dims, fill));
      theirs.push_back(h5::create_dataset<T>(file_, "theirs" + tag + "_" + std::to_string(k), dims, fill));
    }
    ChunkWriter w(held);
    const int a = w.add(ours[0].get()), b = w.add(ours[1].get());
    ASSERT_GE(a, 0) << "the writer should take a chunked, shuffled, deflated dataset";
    ASSERT_GE(b, 0);
    const hid_t mem = h5::Type<T>::mem();
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> u(-100, 100);
    std::size_t calls = 0;
    for (const Range& r : ranges) {
      std::vector<T> x(static_cast<std::size_t>(r.count)), y(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) x[i] = T(u(rng)) / T(std::is_integral_v<T> ? 1 : 7), y[i] = T(3) * x[i];
      w.write(a, mem, r.first, r.count, x.data());
      w.write(b, mem, r.first, r.count, y.data());
      h5::write_flat(theirs[0].get(), mem, r.first, r.count, x.data());
      h5::write_flat(theirs[1].get(), mem, r.first, r.count, y.data());
      if (++calls % 3 == 0) w.store_complete();
    }
    // Beyond the limit, what is complete is stored during the write: the
    // limit plus one chunk being filled is the most ever held.
    if (held < ChunkWriter::kHeldBytes) {
      std::size_t chunk_bytes = sizeof(T) * 65536;  // h5::chunk_shape: about 65536 elements
      EXPECT_LE(w.peak_held(), std::max(held, chunk_bytes) + chunk_bytes);
    }
    w.flush();
    EXPECT_EQ(w.pending_chunks(), 0);
    ASSERT_GE(H5Fflush(file_, H5F_SCOPE_LOCAL), 0);
    std::int64_t n = 1;
    for (hsize_t d : dims) n *= static_cast<std::int64_t>(d);
    for (int k = 0; k < 2; ++k) same<T>(ours[k].get(), theirs[k].get(), n);
  }

  // The `n` elements of `ours` and `theirs`, and every stored chunk's bytes
  // and filter mask, alike.
  template <class T>
  void same(hid_t ours, hid_t theirs, std::int64_t n) {
    const hid_t mem = h5::Type<T>::mem();
    std::vector<T> x(static_cast<std::size_t>(n)), y(x.size());
    h5::read_all_raw(ours, mem, x.data());
    h5::read_all_raw(theirs, mem, y.data());
    for (std::size_t i = 0; i < x.size(); ++i)
      ASSERT_EQ(std::memcmp(&x[i], &y[i], sizeof(T)), 0) << "element " << i << ": " << x[i] << " vs " << y[i];
    h5::Handle sx = h5::owned(H5Dget_space(ours), H5Sclose, "space");
    hsize_t nx = 0, ny = 0;
    H5Dget_num_chunks(ours, sx.get(), &nx);
    H5Dget_num_chunks(theirs, sx.get(), &ny);
    ASSERT_EQ(nx, ny);
    for (hsize_t c = 0; c < nx; ++c) {
      hsize_t off[2] = {0, 0};
      unsigned mask = 0;
      haddr_t addr = 0;
      hsize_t size = 0, their_size = 0;
      ASSERT_GE(H5Dget_chunk_info(ours, sx.get(), c, off, &mask, &addr, &size), 0);
      ASSERT_GE(H5Dget_chunk_storage_size(theirs, off, &their_size), 0);
      ASSERT_EQ(size, their_size) << "chunk at row " << off[0];
      std::vector<unsigned char> p(size), q(size);
      unsigned mp = 0, mq = 0;
      ASSERT_GE(H5Dread_chunk(ours, H5P_DEFAULT, off, &mp, p.data()), 0);
      ASSERT_GE(H5Dread_chunk(theirs, H5P_DEFAULT, off, &mq, q.data()), 0);
      EXPECT_EQ(mp, mq);
      EXPECT_TRUE(p == q) << "stored bytes of the chunk at row " << off[0] << " differ";
    }
  }

  std::string path_;
  hid_t file_ = -1;
  int serial_ = 0;
};

const double kNaN = std::nan("");

TEST_F(Chunks, GridTilesInOrderLeaveTheBytesHdf5Would) {
  // 300 x 700: chunks of 93 rows, the last one cut by the dataset's edge.
  check<double>({300, 700}, cover(300 * 700, 10007), &kNaN);
}

TEST_F(Chunks, RecordsOfEveryTypeAndShapeLeaveTheBytesHdf5Would) {
  const std::int64_t n = 100003;  // rows; 3-D points: chunks of 21845 rows
  auto rows = [](std::int64_t per) {
    std::vector<Range> r = cover(100003, 65536);
    for (Range& x : r) x.first *= per, x.count *= per;
    return r;
  };
  check<double>({hsize_t(n), 3}, rows(3), &kNaN);
  check<double>({hsize_t(n)}, rows(1), &kNaN);
  check<std::int64_t>({hsize_t(n)}, rows(1), nullptr);
  check<std::int8_t>({hsize_t(n)}, rows(1), nullptr);
  const std::int32_t none = -1;
  check<std::int32_t>({hsize_t(n)}, rows(1), &none);
}

TEST_F(Chunks, ShuffledOverlappingAndMissingWritesReadBackAsWithHdf5) {
  std::vector<Range> r = cover(200 * 500, 4999);
  std::mt19937 rng(3);
  std::shuffle(r.begin(), r.end(), rng);
  r.erase(r.begin() + 3);                  // never written: the fill value
  r.push_back(r[0]);                       // written twice, after its chunk was stored
  r.push_back({r[1].first + 10, 100});     // part of a range again
  check<double>({200, 500}, r, &kNaN);
  const std::int32_t none = -1;
  check<std::int32_t>({200, 500}, r, &none);  // padded with -1
  check<std::int8_t>({100000}, cover(100000, 777), nullptr);
}

TEST_F(Chunks, ALargeWriteIsStoredAsItGoes) {
  // One write of the whole dataset (the in-memory path writes a batch so),
  // with a limit of one chunk: complete chunks must leave during the write.
  check<double>({300000, 2}, {{0, 600000}}, &kNaN, 65536 * 8);
  check<std::int64_t>({200000}, {{0, 150000}, {150000, 50000}}, nullptr, 1);
}

// A resumed checkpoint takes the chunks its interrupted one stored for the
// rows it committed (ChunkWriter::adopt) and deflates the others from the
// rows: the dataset ends as one written in one go by HDF5's pipeline. 100,003
// rows of 3 doubles: chunks of 21,845 rows (0..4, the last partial).
TEST_F(Chunks, AdoptedChunksAreTakenAsStoredAndTheRestDeflated) {
  const std::int64_t rows = 100003, width = 3, per = 21845;
  const auto truth = [](std::int64_t i) { return std::sin(0.01 * double(i)) * 100 + double(i % 5); };
  std::vector<double> all(static_cast<std::size_t>(rows * width));
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = truth(static_cast<std::int64_t>(i));
  const h5::Shape dims{hsize_t(rows), hsize_t(width)};
  const hid_t mem = H5T_NATIVE_DOUBLE;
  h5::Handle reference = h5::create_dataset<double>(file_, "reference", dims, &kNaN);
  h5::write_flat(reference.get(), mem, 0, rows * width, all.data());

  // The interrupted checkpoint: rows [per, 3 per + 10) written, so chunks 1
  // and 2 are complete and stored and chunk 0 is not; chunk 2's rows from
  // 50,000 on hold other values (rows written past the last commit), so that
  // taking a chunk beyond the committed rows would show.
  h5::Handle old = h5::create_dataset<double>(file_, "old", dims, &kNaN);
  {
    ChunkWriter w;
    const int k = w.add(old.get());
    std::vector<double> v(all.begin() + per * width, all.begin() + (3 * per + 10) * width);
    for (std::int64_t i = (50000 - per) * width; i < static_cast<std::int64_t>(v.size()); ++i)
      v[static_cast<std::size_t>(i)] = -1;
    w.write(k, mem, per * width, static_cast<std::int64_t>(v.size()), v.data());
    w.store_complete();
    EXPECT_EQ(w.deflated_chunks(), 2);
  }
  // Resumed with 50,000 rows committed: chunk 1 alone is taken (chunk 0 was
  // never stored, chunk 2 reaches past row 50,000).
  h5::Handle ours = h5::create_dataset<double>(file_, "ours", dims, &kNaN);
  ChunkWriter w;
  const int k = w.add(ours.get());
  EXPECT_EQ(w.adopt(k, old.get(), 50000 * width), 1);
  EXPECT_THROW(w.adopt(k, old.get(), 50000 * width), std::logic_error);  // taken already
  // The committed rows copied in: those of the chunk taken are dropped, so
  // values that differ there must not reach the file.
  std::vector<double> copied(all.begin(), all.begin() + 50000 * width);
  for (std::int64_t i = per * width; i < 2 * per * width; ++i) copied[static_cast<std::size_t>(i)] = 7;
  w.write(k, mem, 0, 50000 * width, copied.data());
  w.write(k, mem, 50000 * width, (rows - 50000) * width, all.data() + 50000 * width);
  w.store_complete();
  EXPECT_EQ(w.pending_chunks(), 0);
  EXPECT_EQ(w.deflated_chunks(), 4);
  same<double>(ours.get(), reference.get(), rows * width);

  // Every row committed, every chunk stored: all five taken, none deflated.
  h5::Handle again = h5::create_dataset<double>(file_, "again", dims, &kNaN);
  ChunkWriter w2;
  const int k2 = w2.add(again.get());
  EXPECT_EQ(w2.adopt(k2, ours.get(), rows * width), 5);
  w2.write(k2, mem, 0, rows * width, all.data());
  w2.store_complete();
  EXPECT_EQ(w2.deflated_chunks(), 0);
  same<double>(again.get(), reference.get(), rows * width);

  // A copy deflated at another level (another --compression) gives nothing.
  h5::Handle level1;
  {
    const h5::DeflateScope one(1);
    level1 = h5::create_dataset<double>(file_, "level1", dims, &kNaN);
  }
  ChunkWriter w3;
  EXPECT_EQ(w3.adopt(w3.add(level1.get()), ours.get(), rows * width), 0);
}

TEST_F(Chunks, OtherLayoutsAreLeftToHdf5) {
  ChunkWriter w;
  h5::Handle small = h5::create_dataset<double>(file_, "small", {10, 10}, &kNaN);  // contiguous
  EXPECT_EQ(w.add(small.get()), -1);
  h5::Handle wide = h5::create_dataset<double>(file_, "wide", {3, 100000}, &kNaN);  // rows cut
  EXPECT_EQ(w.add(wide.get()), -1);
  h5::Handle cube = h5::create_dataset<double>(file_, "cube", {100, 100, 3}, &kNaN);  // rank 3
  EXPECT_EQ(w.add(cube.get()), -1);
  {
    const h5::DeflateScope none(0);
    h5::Handle plain = h5::create_dataset<double>(file_, "plain", {100, 100}, &kNaN);
    EXPECT_EQ(w.add(plain.get()), -1);
  }
  h5::Handle ok = h5::create_dataset<double>(file_, "ok", {100, 100}, &kNaN);
  const int k = w.add(ok.get());
  ASSERT_GE(k, 0);
  const std::int32_t i = 0;
  EXPECT_THROW(w.write(k, H5T_NATIVE_INT32, 0, 1, &i), std::logic_error);  // not its type
  EXPECT_THROW(w.write(k, H5T_NATIVE_DOUBLE, 9999, 2, &kNaN), std::logic_error);  // outside
}

}  // namespace
}  // namespace trilo::io
