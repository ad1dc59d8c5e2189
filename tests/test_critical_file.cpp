// `trilobite critical` end to end: the file holds the census and the
// connections exactly as computed, `info` describes them, curvature reaches
// /minima, and bad input leaves no file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "io/result_reader.hpp"
#include "jobs/critical_job.hpp"

namespace {

const std::string kTmp = TRILOBITE_TEST_TMP;

std::string path(const std::string& stem) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return kTmp + "/" + info->test_suite_name() + "." + info->name() + "." + stem;
}

int run(const std::string& args, std::string* out = nullptr) {
  const std::string log = path("log");
  const std::string cmd = std::string("OMP_NUM_THREADS=2 '") + TRILOBITE_EXE + "' " + args + " >" +
                          log + " 2>&1 </dev/null";
  const int raw = std::system(cmd.c_str());
  if (out) {
    std::ifstream in(log);
    std::stringstream s;
    s << in.rdbuf();
    *out = s.str();
  }
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

TEST(CriticalFile, HoldsTheCensusAndConnectionsAsComputedInMemory) {
  const std::string file = path("h5");
  trilo::config::RunConfig c;
  c.job = "critical";
  c.landscape = "six-hump-camel";
  c.output = file;
  trilo::jobs::apply_critical_defaults(c, false, false);
  c.starts = 4096;
  trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(2);
  trilo::jobs::CriticalJobResult res;
  {
    trilo::io::ResultWriter w(file);
    res = trilo::jobs::execute_critical(c, r, *be, &w);
    w.commit();
  }
  const trilo::io::ResultData d = trilo::io::read_result(file);
  ASSERT_TRUE(d.has_critical);
  ASSERT_TRUE(d.has_connections);
  const auto& a = res.census.table;
  const auto& b = d.critical;
  EXPECT_EQ(b.n_points, a.n_points);
  EXPECT_EQ(b.position, a.position);
  EXPECT_EQ(b.loss, a.loss);
  EXPECT_EQ(b.eigenvalues, a.eigenvalues);
  EXPECT_EQ(b.morse_index, a.morse_index);
  EXPECT_EQ(b.kind, a.kind);
  EXPECT_EQ(b.count, a.count);
  EXPECT_EQ(b.n_minima, 6);
  EXPECT_EQ(b.n_saddles, 7);
  EXPECT_EQ(b.n_maxima, 2);
  EXPECT_EQ(b.euler_characteristic, 1);
  EXPECT_EQ(b.n_starts, 4096);
  EXPECT_EQ(b.method, a.method);
  for (std::int64_t i = 0; i < a.n_points; ++i) {
    const bool minimum = a.kind[i] == 0;
    EXPECT_EQ(std::isnan(b.curvature.lambda_max[i]), !minimum);
    if (minimum) EXPECT_EQ(b.curvature.lambda_max[i], a.eigenvalues[i * 2 + 1]);
  }
  const auto& ca = res.connections;
  const auto& cb = d.connections;
  EXPECT_EQ(cb.saddle, ca.saddle);
  EXPECT_EQ(cb.minimum_a, ca.minimum_a);
  EXPECT_EQ(cb.minimum_b, ca.minimum_b);
  EXPECT_EQ(cb.barrier_a, ca.barrier_a);
  EXPECT_EQ(cb.minimum_row, ca.minimum_row);
  EXPECT_EQ(cb.tree_left, ca.tree_left);
  EXPECT_EQ(cb.tree_right, ca.tree_right);
  EXPECT_EQ(cb.tree_level, ca.tree_level);
  EXPECT_EQ(cb.tree_saddle, ca.tree_saddle);
  ASSERT_EQ(cb.merge_level.size(), ca.merge_level.size());
  for (std::size_t i = 0; i < ca.merge_level.size(); ++i)
    EXPECT_TRUE(cb.merge_level[i] == ca.merge_level[i] ||
                (std::isnan(cb.merge_level[i]) && std::isnan(ca.merge_level[i])));
}

TEST(CriticalFile, CommandPrintsTheCountsAndInfoDescribesTheGroups) {
  const std::string file = path("h5");
  std::string out;
  ASSERT_EQ(run("critical -l himmelblau --backend cpu --starts 2000 --force -o '" + file + "'", &out), 0) << out;
  EXPECT_NE(out.find("4 minima, 4 saddles, 1 maximum"), std::string::npos) << out;
  EXPECT_NE(out.find("Euler characteristic 1"), std::string::npos) << out;
  ASSERT_EQ(run("info '" + file + "'", &out), 0) << out;
  EXPECT_NE(out.find("/critical"), std::string::npos) << out;
  EXPECT_NE(out.find("/connections"), std::string::npos) << out;
  EXPECT_NE(out.find("4 index-1 saddles"), std::string::npos) << out;
}

TEST(CriticalFile, ZeroStartsIsBadInputAndLeavesNoFile) {
  const std::string file = path("h5");
  std::remove(file.c_str());
  std::string out;
  EXPECT_EQ(run("critical -l himmelblau --starts 0 -o '" + file + "'", &out), 2);
  EXPECT_NE(out.find("--starts"), std::string::npos) << out;
  struct stat st {};
  EXPECT_NE(::stat(file.c_str(), &st), 0);
}

TEST(MinimaCurvature, DescendFileCarriesTheCurvatureOfEachMinimum) {
  const std::string file = path("h5");
  ASSERT_EQ(run("descend -l himmelblau --backend cpu --starts 256 --force -o '" + file + "'"), 0);
  const trilo::io::ResultData d = trilo::io::read_result(file);
  const auto& t = d.minima;
  ASSERT_EQ(t.curvature.lambda_max.size(), static_cast<std::size_t>(t.n_minima));
  for (std::int64_t r = 0; r < t.n_minima; ++r) {
    if (t.kind[r] != 0) continue;
    const double l0 = t.eigenvalues[2 * r], l1 = t.eigenvalues[2 * r + 1];
    EXPECT_DOUBLE_EQ(t.curvature.hessian_trace[r], l0 + l1);
    EXPECT_DOUBLE_EQ(t.curvature.condition_number[r], l1 / l0);
    EXPECT_NEAR(t.curvature.log_det[r], std::log(l0 * l1), 1e-12);
  }
}

}  // namespace
