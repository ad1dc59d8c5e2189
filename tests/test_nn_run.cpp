// `trilobite run --model ...`: the trainings of `descend` and a plane
// through weight space in one file. Its /descents and /minima are compared
// bit for bit with a separate `descend` of the same options, and its
// /plane with a separate `grid --model` centered on that file's lowest
// minimum (or given the same plane options, or through the minima the
// test finds most populous); the center is checked to be the lowest
// minimum's weights; options that would do nothing are refused
// in one line before any work; `info` and `render` read the file.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/h5_read.hpp"

namespace {

using namespace trilo::test;

std::vector<double> doubles(const std::string& file, const std::string& name) {
  return read_dataset<double>(file, name);
}

// Bitwise equal, NaN equal to NaN (minima not examined read NaN).
void expect_same(const std::string& a, const std::string& b, const std::string& name) {
  const std::vector<double> va = doubles(a, name), vb = doubles(b, name);
  ASSERT_EQ(va.size(), vb.size()) << name;
  ASSERT_FALSE(va.empty()) << name;
  for (std::size_t k = 0; k < va.size(); ++k)
    EXPECT_TRUE(va[k] == vb[k] || (std::isnan(va[k]) && std::isnan(vb[k]))) << name << " " << k;
}

const char* const kTrainings[] = {"/descents/start", "/descents/end",      "/descents/loss",   "/descents/accuracy",
                                  "/descents/steps", "/descents/status",   "/descents/minimum", "/minima/weights",
                                  "/minima/loss",    "/minima/count",      "/minima/representative",
                                  "/minima/hessian_top"};
const char* const kPlane[] = {"/plane/alpha", "/plane/beta", "/plane/center", "/plane/directions", "/plane/loss",
                              "/plane/accuracy"};

// A 2-8-1 tanh network on 80 rows of two moons: 6 short full-batch trainings.
const std::string kModel = "--backend cpu --model mlp:2-8-1 --activation tanh --loss bce --data two-moons --data-size 80 --seed 3 ";
const std::string kTraining = kModel + "--starts 6 --steps 150 --lr 0.5 --hessian-minima 2 -q --force ";

TEST(NnRun, TheRunHoldsDescendsTrainingsAndGridsPlaneThroughTheLowestMinimum) {
  const std::string r = unique("run.h5"), d = unique("descend.h5"), g = unique("grid.h5");
  Outcome o = trilobite("run " + kTraining + "--grid-res 9 -o " + r);
  ASSERT_EQ(o.status, 0) << o.err;
  ASSERT_EQ(trilobite("descend " + kTraining + "-o " + d).status, 0);
  for (const char* name : kTrainings) expect_same(r, d, name);

  // The center is the lowest minimum: row 0 of /minima, whose loss is the
  // smallest, the end weights of its representative.
  const std::vector<double> loss = doubles(r, "/minima/loss"), rep = doubles(r, "/minima/representative");
  ASSERT_FALSE(loss.empty());
  EXPECT_EQ(loss[0], *std::min_element(loss.begin(), loss.end()));
  const std::vector<double> end = doubles(r, "/descents/end"), center = doubles(r, "/plane/center");
  const std::size_t P = center.size();
  ASSERT_EQ(P, 2u * 8 + 8 + 8 + 1);
  const auto run0 = static_cast<std::size_t>(rep[0]);
  EXPECT_EQ(center, std::vector<double>(end.begin() + static_cast<std::ptrdiff_t>(run0 * P),
                                        end.begin() + static_cast<std::ptrdiff_t>((run0 + 1) * P)));

  // The plane `grid --model` draws around that run of the descend file.
  o = trilobite("grid " + kModel + "--center " + d + ":" + std::to_string(run0) + " --grid-res 9 -q --force -o " + g);
  ASSERT_EQ(o.status, 0) << o.err;
  for (const char* name : kPlane) expect_same(r, g, name);
}

TEST(NnRun, ThePlanesOptionsPassThroughToThePlane) {
  const std::string d = unique("descend.h5"), r = unique("run.h5"), g = unique("grid.h5");
  ASSERT_EQ(trilobite("descend " + kTraining + "--precision f64 -o " + d).status, 0);
  // A plane through three solutions of another file, with a test set.
  const std::string through = "--directions through --through " + d + ":0," + d + ":1," + d + ":2 --grid-res 7 --box -0.5:1.5 ";
  const std::string test = "--test-fraction 0.25 --precision f64 ";
  Outcome o = trilobite("run " + kTraining + test + through + "-o " + r);
  ASSERT_EQ(o.status, 0) << o.err;
  o = trilobite("grid " + kModel + test + through + "-q --force -o " + g);
  ASSERT_EQ(o.status, 0) << o.err;
  for (const char* name : kPlane) expect_same(r, g, name);
  expect_same(r, g, "/plane/test_loss");
  // A line along one random direction through the run's lowest minimum.
  o = trilobite("run " + kTraining + "--directions random --line --grid-res 11 -o " + r);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(doubles(r, "/plane/alpha").size(), 11u);
  EXPECT_EQ(doubles(r, "/plane/loss").size(), 11u);
}

// A float64 attribute of /plane.
double plane_attr(const std::string& file, const char* name) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t a = H5Aopen_by_name(f, "plane", name, H5P_DEFAULT, H5P_DEFAULT);
  double v = std::nan("");
  EXPECT_GE(a, 0) << file << " " << name;
  if (a >= 0) H5Aread(a, H5T_NATIVE_DOUBLE, &v), H5Aclose(a);
  H5Fclose(f);
  return v;
}

TEST(NnRun, ThroughWithoutSolutionsPassesThroughTheMostPopulousMinima) {
  const std::string d = unique("descend.h5"), r = unique("run.h5"), g = unique("grid.h5");
  // Eight trainings in three functions of 1, 5 and 2 runs: the most
  // populous are not the lowest.
  const std::string training =
      kModel + "--starts 8 --steps 150 --lr 0.5 --hessian-minima 2 --function-tol 0.01 --precision f64 -q --force ";
  ASSERT_EQ(trilobite("descend " + training + "-o " + d).status, 0);
  // The most populous minima, ties to the lower row, found here from the counts.
  const std::vector<double> count = doubles(d, "/minima/count"), rep = doubles(d, "/minima/representative");
  ASSERT_GE(count.size(), 3u);
  std::vector<std::size_t> order(count.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return count[a] > count[b]; });
  EXPECT_NE(order[0], 0u);
  const auto at = [&](int k) { return d + ":" + std::to_string(static_cast<long>(rep[order[static_cast<std::size_t>(k)]])); };

  Outcome o = trilobite("run " + training + "--directions through --grid-res 7 -o " + r);
  ASSERT_EQ(o.status, 0) << o.err;
  o = trilobite("grid " + kModel + "--precision f64 --directions through --through " + at(0) + "," + at(1) + "," + at(2) +
                " --grid-res 7 -q --force -o " + g);
  ASSERT_EQ(o.status, 0) << o.err;
  for (const char* name : kPlane) expect_same(r, g, name);

  // With --line: the line between the two most populous, and its barrier.
  o = trilobite("run " + training + "--directions through --line --grid-res 9 -o " + r);
  ASSERT_EQ(o.status, 0) << o.err;
  o = trilobite("grid " + kModel + "--precision f64 --directions through --through " + at(0) + "," + at(1) +
                " --grid-res 9 -q --force -o " + g);
  ASSERT_EQ(o.status, 0) << o.err;
  for (const char* name : {"/plane/alpha", "/plane/center", "/plane/directions", "/plane/loss"}) expect_same(r, g, name);
  EXPECT_EQ(plane_attr(r, "barrier"), plane_attr(g, "barrier"));
  EXPECT_GE(plane_attr(r, "barrier"), 0.0);
}

TEST(NnRun, InfoAndRenderReadTheRunFile) {
  const std::string r = unique("run.h5"), png = unique("run.png");
  Outcome o = trilobite("run " + kTraining + "--grid-res 7 -o " + r);
  ASSERT_EQ(o.status, 0) << o.err;
  o = trilobite("info " + r);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("(by function on the probe rows)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("plane of 7 x 7 points, filter directions"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("minimum 0 (training"), std::string::npos) << o.out;
  o = trilobite("render " + r + " --force -o " + png);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("loss + accuracy"), std::string::npos) << o.out;
  EXPECT_EQ(slurp(png).substr(1, 3), "PNG");
  EXPECT_TRUE(exists(unique("run.xmf")));
}

TEST(NnRun, OptionsThatWouldDoNothingAreRefusedInOneLine) {
  const std::string f = unique("refused.h5");
  const struct {
    std::string args, says;
  } cases[] = {
      {"run " + kTraining + "--basin-res 8", "--basin-res: a network run has no basin map"},
      {"run " + kTraining + "--entropy-box 3", "--entropy-box: a network run has no basin map"},
      {"run " + kTraining + "--tile 64", "--tile: does not apply to a network landscape"},
      {"run " + kTraining + "--noise 0.1", "--noise: does not apply to a network landscape"},
      {"run " + kTraining + "--density-steps 5", "--density-steps: sets the eigenvalue density"},
      {"run " + kTraining + "--directions pca", "--directions pca: give the recorded training with --trajectory"},
      {"run " + kTraining + "--grid-res 5000", "--grid-res: a plane through weight space takes 2..4096"},
      {"run -l himmelblau --center x.h5:0", "--center: applies to a plane through a network's weight space"},
      {"run -l himmelblau --probe 10", "--probe: applies to a network landscape"},
  };
  for (const auto& c : cases) expect_refused(c.args + " -o " + f, c.says, f);
}

}  // namespace
