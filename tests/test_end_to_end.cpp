// The trilobite binary end to end: what it prints and what the file holds.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <hdf5.h>

#include "io/result_reader.hpp"
#include "support/h5_filters.hpp"

namespace {

const std::string kTmp = TRILOBITE_TEST_TMP;

std::string path_for(const std::string& stem) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return kTmp + "/e2e." + info->name() + "." + stem;
}

// Runs the binary with test-written arguments; returns stdout, asserts status 0.
std::string run_ok(const std::string& args) {
  const std::string out = path_for("stdout");
  const std::string cmd = std::string("OMP_NUM_THREADS=2 '") + TRILOBITE_EXE + "' " + args + " >" + out + " 2>&1";
  const int raw = std::system(cmd.c_str());
  std::ifstream in(out);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << args << "\n" << s.str();
  return s.str();
}

const double* number(const trilo::io::ResultData& r, const std::string& name) {
  const auto* v = r.attribute(name);
  return v ? std::get_if<double>(v) : nullptr;
}

// Hand-written float64 gradient descent on quartic-dimple (the formula, not the library).
void reference_gd(double& x, double& y, double lr, int max_steps, double tol) {
  for (int k = 0;; ++k) {
    const double e = std::exp(-((x - 1.5) * (x - 1.5) + (y + 0.5) * (y + 0.5)));
    const double gx = 1.6 * x * x * x - 4.0 * x + 0.1 * y + (x - 1.5) * e;
    const double gy = y + 0.1 * x + (y + 0.5) * e;
    if (std::sqrt(gx * gx + gy * gy) <= tol || k == max_steps) return;
    x -= lr * gx;
    y -= lr * gy;
  }
}

TEST(EndToEnd, DescendFromGivenStartsEndsWhereHandWrittenGradientDescentEnds) {
  const std::string f = path_for("h5");
  run_ok("descend -l quartic-dimple --start -2,2 --start 2,2 --start -2,-2 --start 0.5,0 "
         "--optimizer gd --lr 0.02 --steps 500 --backend cpu --force -o " + f);
  trilo::io::ResultData r = trilo::io::read_result(f);
  ASSERT_TRUE(r.has_descents);
  ASSERT_EQ(r.descents.count, 4);
  const double starts[4][2] = {{-2, 2}, {2, 2}, {-2, -2}, {0.5, 0}};
  for (int i = 0; i < 4; ++i) {
    double x = starts[i][0], y = starts[i][1];
    // Two of them run out of the 500 steps; their quench (no noise, the
    // base rate, up to max(1000, steps) more) is plain gradient descent
    // continued, so they end where 1500 steps end.
    reference_gd(x, y, 0.02, 500 + 1000, 1e-6);
    EXPECT_NEAR(r.descents.end[2 * i], x, 1e-12) << "descent " << i;
    EXPECT_NEAR(r.descents.end[2 * i + 1], y, 1e-12) << "descent " << i;
  }
  ASSERT_NE(number(r, "lr"), nullptr);
  EXPECT_EQ(*number(r, "lr"), 0.02);
}

TEST(EndToEnd, DefaultRunReportsBothValleysAndWhichIsGlobal) {
  const std::string f = path_for("h5");
  std::string out = run_ok("run --grid-res 64 --basin-res 48 --starts 1024 --backend cpu --force -o " + f);
  EXPECT_NE(out.find("<- global"), std::string::npos) << out;
  trilo::io::ResultData r = trilo::io::read_result(f);
  ASSERT_TRUE(r.has_grid && r.has_descents && r.has_minima && r.has_basins);
  int minima = 0;
  for (auto k : r.minima.kind) minima += k == 0;
  EXPECT_EQ(minima, 2);
  EXPECT_NEAR(r.minima.position[0], 1.576020248344110, 1e-9);  // docs/landscapes.md
  EXPECT_NEAR(r.minima.loss[0], -2.980429463944672, 1e-10);
  EXPECT_EQ(r.grid.loss.size(), 64u * 64u);
  EXPECT_EQ(r.basins.label.size(), 48u * 48u);
  for (auto l : r.basins.label) ASSERT_LT(l, r.minima.n_minima);
}

TEST(EndToEnd, HimmelblauRunReportsExactlyFourMinimaOfValueZero) {
  const std::string f = path_for("h5");
  std::string out = run_ok("run -l himmelblau --grid-res 32 --basin-res 32 --starts 512 --backend cpu --force -o " + f);
  trilo::io::ResultData r = trilo::io::read_result(f);
  int minima = 0;
  for (std::int64_t i = 0; i < r.minima.n_minima; ++i) {
    if (r.minima.kind[i] != 0) continue;
    ++minima;
    EXPECT_LT(std::abs(r.minima.loss[i]), 1e-20);
  }
  EXPECT_EQ(minima, 4) << out;
}

TEST(EndToEnd, SameSeedGivesTheSameFileContentsAndThreadsDoNotMatter) {
  const std::string a = path_for("a.h5"), b = path_for("b.h5");
  run_ok("run -l six-hump-camel --lr 0.01 --grid-res 16 --basin-res 24 --starts 300 --seed 5 --threads 1 --force -o " + a);
  run_ok("run -l six-hump-camel --lr 0.01 --grid-res 16 --basin-res 24 --starts 300 --seed 5 --threads 2 --chunk 7 --force -o " + b);
  auto ra = trilo::io::read_result(a), rb = trilo::io::read_result(b);
  EXPECT_EQ(ra.descents.start, rb.descents.start);
  EXPECT_EQ(ra.descents.end, rb.descents.end);
  EXPECT_EQ(ra.descent_labels, rb.descent_labels);
  EXPECT_EQ(ra.minima.position, rb.minima.position);
  EXPECT_EQ(ra.basins.label, rb.basins.label);
  EXPECT_EQ(ra.grid.loss, rb.grid.loss);
}

// The deflate filter of a result dataset: its level, or -1 when none.
int deflate_level(const std::string& file, const std::string& dataset) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
  const int level = trilo::test::filters_of(d).deflate;
  H5Dclose(d);
  H5Fclose(f);
  return level;
}

TEST(EndToEnd, CompressionChangesHowTheFileIsStoredNotWhatItHolds) {
  const std::string base = "run -l himmelblau --grid-res 96 --basin-res 16 --starts 5000 --backend cpu --force -q";
  const std::string none = path_for("z0.h5"), def = path_for("zd.h5"), most = path_for("z9.h5");
  run_ok(base + " --compression 0 -o " + none);
  run_ok(base + " -o " + def);
  run_ok(base + " --compression 9 -o " + most);
  EXPECT_EQ(deflate_level(none, "/grid/loss"), -1);
  EXPECT_EQ(deflate_level(def, "/grid/loss"), 4);
  EXPECT_EQ(deflate_level(most, "/grid/loss"), 9);
  EXPECT_EQ(deflate_level(none, "/descents/end"), -1);
  EXPECT_EQ(deflate_level(most, "/descents/end"), 9);
  EXPECT_GT(std::filesystem::file_size(none), std::filesystem::file_size(most));
  const auto a = trilo::io::read_result(none), b = trilo::io::read_result(most);
  EXPECT_EQ(a.grid.loss, b.grid.loss);
  EXPECT_EQ(a.descents.start, b.descents.start);
  EXPECT_EQ(a.descents.end, b.descents.end);
  EXPECT_EQ(a.descent_labels, b.descent_labels);
  EXPECT_EQ(a.basins.label, b.basins.label);
  EXPECT_EQ(a.minima.position, b.minima.position);
}

TEST(EndToEnd, TrajectoriesAreWrittenForTracedDescents) {
  const std::string f = path_for("h5");
  run_ok("descend --starts 10 --trace 0,4 --trace-every 50 --force -o " + f);
  auto r = trilo::io::read_result(f);
  ASSERT_TRUE(r.has_trajectories);
  ASSERT_EQ(r.trajectories.size(), 2u);
  EXPECT_EQ(r.trajectories[1].descent, 4);
  EXPECT_EQ(r.trajectories[1].step.back(), r.descents.steps[4]);
  EXPECT_EQ(r.trajectories[1].position[0], r.descents.start[8]);
}

TEST(EndToEnd, InfoDescribesTheFile) {
  const std::string f = path_for("h5");
  run_ok("descend -l himmelblau --starts 64 --lr 0.005 --force -o " + f);
  std::string out = run_ok("info " + f);
  EXPECT_NE(out.find("himmelblau"), std::string::npos) << out;
  EXPECT_NE(out.find("minimum"), std::string::npos) << out;
}

TEST(EndToEnd, HighDimensionalGridIsAPlaneThroughTheOrigin) {
  const std::string f = path_for("h5");
  run_ok("grid -l rastrigin --dim 5 --plane-axes 1,3 --origin 0,0,0,0,0 --grid-res 33 --force -o " + f);
  auto r = trilo::io::read_result(f);
  ASSERT_TRUE(r.has_grid);
  EXPECT_EQ(r.grid.axes.name0, "w2");
  EXPECT_EQ(r.grid.axes.name1, "w4");
  // Node 16 of 33 is the centre of [-5.12, 5.12]: the global minimum, value 0.
  EXPECT_NEAR(r.grid.loss[16 * 33 + 16], 0.0, 1e-12);
}

}  // namespace
