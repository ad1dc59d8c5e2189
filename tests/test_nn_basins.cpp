// `trilobite basins --model ...`: the basin map of initialisations. Every
// cell's start is recomputed here from the stored center, directions and
// axes; a cell's end weights are replayed in float64 from its start with
// training 0's batch order (written here from Random123); the label map is
// the trainings' minima; the file is bitwise the same over threads and
// chunks; options that do not fit are refused in one line.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/h5_read.hpp"
#include "support/nn_replay.hpp"

namespace {

using namespace trilo::test;

std::vector<double> doubles(const std::string& file, const std::string& name) {
  return read_dataset<double>(file, name);
}
std::vector<int> ints(const std::string& file, const std::string& name) { return read_dataset<int>(file, name); }

// 40 rows of two features and a 0/1 label with few digits, so the float32
// the loader keeps is known here.
struct Csv {
  std::vector<double> x;
  std::vector<float> y;
  std::string path;
};
Csv write_csv(const std::string& path) {
  Csv c;
  c.path = path;
  std::ofstream out(path);
  out << "a,b,label\n";
  for (int i = 0; i < 40; ++i) {
    const double a = std::lround(std::sin(0.9 * i) * 1200) / 1000.0, b = std::lround(std::cos(1.1 * i) * 1000) / 1000.0;
    const float y = a + 0.5 * b > 0.2 ? 1.0f : 0.0f;
    out << a << "," << b << "," << y << "\n";
    c.x.push_back(static_cast<double>(static_cast<float>(a)));
    c.x.push_back(static_cast<double>(static_cast<float>(b)));
    c.y.push_back(y);
  }
  return c;
}

const std::string kArgs = " --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --batch-size 7 --epochs 3 --lr 0.3 "
                          "--seed 5 --precision f64 --hessian-top 0 -q --force";

TEST(NnBasins, EveryCellStartsOnThePlaneAndTrainsWithTrainingZerosBatchOrder) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("basins.h5");
  const Outcome o = trilobite("basins --data " + d.path + kArgs + " --basin-res 5 --box -2:2 -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  const int P = 13, n = 5;
  const std::vector<double> center = doubles(f, "/basins/center"), dirs = doubles(f, "/basins/directions");
  const std::vector<double> alpha = doubles(f, "/basins/alpha"), beta = doubles(f, "/basins/beta");
  const std::vector<double> start = doubles(f, "/descents/start"), end = doubles(f, "/descents/end");
  ASSERT_EQ(center.size(), std::size_t(P));
  ASSERT_EQ(dirs.size(), std::size_t(2 * P));
  ASSERT_EQ(alpha.size(), std::size_t(n));
  ASSERT_EQ(start.size(), std::size_t(n * n * P));
  EXPECT_DOUBLE_EQ(alpha.front(), -2.0);
  EXPECT_DOUBLE_EQ(beta.back(), 2.0);
  for (int cell = 0; cell < n * n; ++cell)
    for (int j = 0; j < P; ++j)
      EXPECT_NEAR(start[cell * P + j], center[j] + alpha[cell % n] * dirs[j] + beta[cell / n] * dirs[P + j], 1e-14)
          << cell << " " << j;
  // Cells 0, 7 and 24 replayed: plain SGD over training 0's batch order.
  Replay ref{2, 3};
  for (int cell : {0, 7, 24}) {
    std::vector<double> w(start.begin() + P * cell, start.begin() + P * (cell + 1)), g(P);
    for (int e = 0; e < 3; ++e) {
      const auto order = reference_order(5, 0, e, 40);
      for (int first = 0; first < 40; first += 7) {
        std::vector<std::int64_t> rows(order.begin() + first, order.begin() + std::min(first + 7, 40));
        ref.loss_grad(w, d.x, d.y, rows, g);
        for (int k = 0; k < P; ++k) w[k] -= 0.3 * g[k];
      }
    }
    for (int k = 0; k < P; ++k) EXPECT_NEAR(end[P * cell + k], w[k], 1e-12) << cell << " " << k;
  }
  // The label map is the trainings' minima, cell by cell.
  EXPECT_EQ(ints(f, "/basins/label"), ints(f, "/descents/minimum"));
  EXPECT_EQ(doubles(f, "/basins/loss"), doubles(f, "/descents/loss"));
}

TEST(NnBasins, TheMapIsBitwiseTheSameForAnyThreadsAndChunks) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string a = unique("a.h5"), b = unique("b.h5");
  const std::string common = "basins --data " + d.path + kArgs + " --basin-res 6 --directions random";
  ASSERT_EQ(trilobite(common + " --threads 1 --chunk 4 -o " + a).status, 0);
  ASSERT_EQ(trilobite(common + " --threads 2 --chunk 64 -o " + b).status, 0);
  for (const char* name : {"/basins/loss", "/basins/accuracy", "/descents/end", "/minima/weights"})
    EXPECT_EQ(doubles(a, name), doubles(b, name)) << name;
  EXPECT_EQ(ints(a, "/basins/label"), ints(b, "/basins/label"));
  EXPECT_EQ(ints(a, "/basins/steps"), ints(b, "/basins/steps"));
}

TEST(NnBasins, RenderDrawsTheLabelMapAndTheAccuracyBeside) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("map.h5"), png = unique("map.png");
  ASSERT_EQ(trilobite("basins --data " + d.path + kArgs + " --basin-res 4 -o " + f).status, 0);
  std::remove(png.c_str());
  const Outcome o = trilobite("render " + f + " -o " + png);
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("basin map of initialisations"), std::string::npos) << o.out;
  EXPECT_TRUE(exists(png));
  std::ifstream in(png, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(bytes.find("panel=basins"), std::string::npos);
  EXPECT_NE(bytes.find("panel=accuracy"), std::string::npos);
  const Outcome info = trilobite("info " + f);
  EXPECT_EQ(info.status, 0) << info.err;
  EXPECT_NE(info.out.find("basin map of 4 x 4 initialisations (filter directions), alpha -1..1, beta -1..1"),
            std::string::npos)
      << info.out;
  const Outcome bad = trilobite("render " + f + " --panel sweep --force -o " + png);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("a basin map of initialisations has basins and accuracy panels"), std::string::npos) << bad.err;
}

// The minima of a basin map are examined as descend examines its own:
// barriers among the four most populous by default, none with
// --barrier-minima 0, and the eigenvalue density with --density.
bool has_link(const std::string& file, const char* name) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const bool yes = f >= 0 && H5Lexists(f, name, H5P_DEFAULT) > 0;
  if (f >= 0) H5Fclose(f);
  return yes;
}

TEST(NnBasins, TheBarriersAndTheDensityAreSetAsInDescend) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string on = unique("on.h5"), off = unique("off.h5"), dens = unique("dens.h5");
  const std::string common = "basins --data " + d.path + kArgs + " --basin-res 3";
  ASSERT_EQ(trilobite(common + " -o " + on).status, 0);
  const Outcome o = trilobite(common + " --barrier-minima 0 -o " + off);
  ASSERT_EQ(o.status, 0) << o.err;
  const std::vector<int> count = ints(on, "/minima/count");
  ASSERT_GE(count.size(), 2u);  // else no pair to join
  EXPECT_TRUE(has_link(on, "/minima/barriers"));
  EXPECT_FALSE(has_link(off, "/minima/barriers"));
  EXPECT_FALSE(has_link(off, "/barriers"));
  EXPECT_EQ(doubles(on, "/descents/end"), doubles(off, "/descents/end"));
  const Outcome p = trilobite(common + " --hessian-minima 2 --density 1 --density-steps 4 "
                                       "--barrier-minima 0 -o " + dens);
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_TRUE(has_link(dens, "/minima/density"));
  const std::string f = unique("refused.h5");
  expect_refused("basins -l himmelblau --barrier-minima 0 -o " + f, "--barrier-minima: applies to a network landscape", f);
  expect_refused(common + " --barrier-minima 0 --bezier-steps 10 -o " + f, "--bezier-steps: sets the barriers", f);
}

TEST(NnBasins, OptionsThatDoNotFitAreRefusedInOneLine) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("refused.h5");
  const struct {
    std::string args, says;
  } cases[] = {
      {"basins -l himmelblau --center x.h5:0", "--center: applies to a basin map of a network's initialisations"},
      {"basins --data " + d.path + kArgs + " --line", "--line: a basin map of initialisations is a plane"},
      {"basins --data " + d.path + kArgs + " --basin-res 5000", "--basin-res: a basin map of initialisations takes 2..4096"},
      {"basins --data " + d.path + kArgs + " --directions through --through a.h5:0,b.h5:0",
       "--through: a basin map of initialisations is the plane through 3"},
      {"basins --data " + d.path + kArgs + " --noise 0.1", "--noise: does not apply to a network landscape"},
  };
  for (const auto& c : cases) expect_refused(c.args + " -o " + f, c.says, f);
}

}  // namespace
