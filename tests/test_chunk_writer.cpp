// RowChunkWriter (src/io/chunk_writer.hpp) against HDF5's own filter
// pipeline: the same points written both ways must read back the same and
// leave the same bytes in every chunk, whatever order, overlap or coverage
// the tiles have.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "io/chunk_writer.hpp"
#include "io/hdf5_util.hpp"

namespace trilo::io {
namespace {

namespace h5 = trilo::io::h5;

struct Tile {
  std::int64_t first, count;
};

class RowChunks : public ::testing::Test {
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

  // Two datasets of (n1, n0) written tile by tile by the chunk writer and
  // two written by H5Dwrite; then values and stored chunks compared.
  void check(std::int64_t n1, std::int64_t n0, const std::vector<Tile>& tiles) {
    const double nan = std::nan("");
    const h5::Shape dims = {hsize_t(n1), hsize_t(n0)};
    std::vector<h5::Handle> ours, theirs;
    for (int k = 0; k < 2; ++k) {
      ours.push_back(h5::create_dataset<double>(file_, "ours" + std::to_string(k), dims, &nan));
      theirs.push_back(h5::create_dataset<double>(file_, "theirs" + std::to_string(k), dims, &nan));
    }
    auto w = RowChunkWriter::make({ours[0].get(), ours[1].get()});
    ASSERT_TRUE(w) << "the writer should take chunked, shuffled, deflated float64 datasets";
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(-3, 3);
    for (const Tile& t : tiles) {
      std::vector<double> a(static_cast<std::size_t>(t.count)), b(a.size());
      for (std::size_t i = 0; i < a.size(); ++i) a[i] = u(rng), b[i] = std::sin(a[i]) * 1e3;
      w->write(t.first, t.count, {a.data(), b.data()});
      h5::write_flat(theirs[0].get(), H5T_NATIVE_DOUBLE, t.first, t.count, a.data());
      h5::write_flat(theirs[1].get(), H5T_NATIVE_DOUBLE, t.first, t.count, b.data());
    }
    w->flush();
    EXPECT_EQ(w->pending_chunks(), 0);
    ASSERT_GE(H5Fflush(file_, H5F_SCOPE_LOCAL), 0);
    for (int k = 0; k < 2; ++k) {
      std::vector<double> x(static_cast<std::size_t>(n1 * n0)), y(x.size());
      h5::read_all_raw(ours[k].get(), H5T_NATIVE_DOUBLE, x.data());
      h5::read_all_raw(theirs[k].get(), H5T_NATIVE_DOUBLE, y.data());
      for (std::size_t i = 0; i < x.size(); ++i)
        ASSERT_TRUE(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))
            << "dataset " << k << " point " << i << ": " << x[i] << " vs " << y[i];
      hsize_t nx = 0, ny = 0;
      h5::Handle sx = h5::owned(H5Dget_space(ours[k].get()), H5Sclose, "space");
      H5Dget_num_chunks(ours[k].get(), sx.get(), &nx);
      H5Dget_num_chunks(theirs[k].get(), sx.get(), &ny);
      ASSERT_EQ(nx, ny);
      for (hsize_t c = 0; c < nx; ++c) {
        hsize_t off[2] = {0, 0};
        unsigned mask = 0;
        haddr_t addr = 0;
        hsize_t size = 0;
        ASSERT_GE(H5Dget_chunk_info(ours[k].get(), sx.get(), c, off, &mask, &addr, &size), 0);
        hsize_t their_size = 0;
        ASSERT_GE(H5Dget_chunk_storage_size(theirs[k].get(), off, &their_size), 0);
        ASSERT_EQ(size, their_size) << "chunk at row " << off[0];
        std::vector<unsigned char> p(size), q(size);
        unsigned mp = 0, mq = 0;
        ASSERT_GE(H5Dread_chunk(ours[k].get(), H5P_DEFAULT, off, &mp, p.data()), 0);
        ASSERT_GE(H5Dread_chunk(theirs[k].get(), H5P_DEFAULT, off, &mq, q.data()), 0);
        EXPECT_EQ(mp, mq);
        EXPECT_TRUE(p == q) << "stored bytes of the chunk at row " << off[0] << " differ";
      }
    }
  }

  std::string path_;
  hid_t file_ = -1;
};

TEST_F(RowChunks, InOrderTilesLeaveTheBytesHdf5Would) {
  // 300 x 700: chunks of 93 rows, the last one cut by the dataset's edge.
  std::vector<Tile> tiles;
  for (std::int64_t f = 0; f < 300 * 700; f += 10007) tiles.push_back({f, std::min<std::int64_t>(10007, 300 * 700 - f)});
  check(300, 700, tiles);
}

TEST_F(RowChunks, ShuffledOverlappingAndMissingTilesReadBackAsWithHdf5) {
  std::vector<Tile> tiles;
  for (std::int64_t f = 0; f < 200 * 500; f += 4999) tiles.push_back({f, std::min<std::int64_t>(4999, 200 * 500 - f)});
  std::mt19937 rng(3);
  std::shuffle(tiles.begin(), tiles.end(), rng);
  tiles.erase(tiles.begin() + 3);                     // never written: NaN
  tiles.push_back(tiles[0]);                          // written twice, after its chunk was stored
  tiles.push_back({tiles[1].first + 10, 100});        // part of a tile again
  check(200, 500, tiles);
}

TEST_F(RowChunks, OtherLayoutsAreLeftToHdf5) {
  const double nan = std::nan("");
  h5::Handle small = h5::create_dataset<double>(file_, "small", {10, 10}, &nan);  // contiguous
  EXPECT_FALSE(RowChunkWriter::make({small.get()}));
  h5::Handle ints = h5::create_dataset<std::int32_t>(file_, "ints", {100, 100});
  EXPECT_FALSE(RowChunkWriter::make({ints.get()}));
  h5::Handle wide = h5::create_dataset<double>(file_, "wide", {3, 100000}, &nan);  // rows split
  EXPECT_FALSE(RowChunkWriter::make({wide.get()}));
  {
    const h5::DeflateScope none(0);
    h5::Handle plain = h5::create_dataset<double>(file_, "plain", {100, 100}, &nan);
    EXPECT_FALSE(RowChunkWriter::make({plain.get()}));
  }
  h5::Handle a = h5::create_dataset<double>(file_, "a", {100, 100}, &nan);
  h5::Handle b = h5::create_dataset<double>(file_, "b", {100, 101}, &nan);
  EXPECT_TRUE(RowChunkWriter::make({a.get()}));
  EXPECT_FALSE(RowChunkWriter::make({a.get(), b.get()}));  // shapes differ
}

}  // namespace
}  // namespace trilo::io
