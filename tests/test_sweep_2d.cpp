// Sweeps of two settings at once: every pair of values runs the same starts
// a 1-D sweep of the first setting runs with the second fixed (the
// reference, run separately here), the file holds the map as (value,
// value2, minimum), and the command line takes --vary twice.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "io/result_reader.hpp"
#include "io/result_writer.hpp"
#include "jobs/jobs.hpp"
#include "render/panels.hpp"

namespace {

using trilo::config::RunConfig;

trilo::jobs::JobResult run(RunConfig c, int threads = 2) {
  c.output = "/tmp/unused.h5";  // validated only
  trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(threads);
  return trilo::jobs::execute_job(c, r, *be, nullptr);
}

RunConfig two_settings() {
  RunConfig c;
  c.job = "sweep";
  c.optimizer = "momentum";
  c.opt.kind = trilo::OptimizerKind::kMomentum;
  c.vary_text = "lr=0.01:0.3:4";
  c.vary2_text = "momentum=0:0.9:3";
  c.starts = 120;
  c.steps = 1500;
  return c;
}

int find_row(const trilo::analysis::MinimaTable& t, const double* x, double tol) {
  for (int r = 0; r < t.n_minima; ++r)
    if (std::hypot(t.position[2 * r] - x[0], t.position[2 * r + 1] - x[1]) <= tol) return r;
  return -1;
}

TEST(Sweep2d, EveryPairRunsWhatASweepOfTheFirstWithTheSecondFixedRuns) {
  const RunConfig c = two_settings();
  const auto two = run(c);
  const auto& s = two.sweep;
  ASSERT_TRUE(s.two_dimensional());
  EXPECT_EQ(s.parameter, "lr");
  EXPECT_EQ(s.parameter2, "momentum");
  ASSERT_EQ(s.n_values(), 4);
  ASSERT_EQ(s.n_values2(), 3);
  ASSERT_EQ(s.n_settings(), 12);
  ASSERT_EQ(s.count.size(), static_cast<std::size_t>(12 * s.n_minima));
  ASSERT_EQ(s.fraction_max_steps.size(), 12u);
  for (std::int64_t j = 0; j < s.n_values2(); ++j) {
    RunConfig d = c;
    d.vary2_text.clear();
    d.opt.momentum = s.value2[j];
    const auto one = run(d);
    ASSERT_EQ(one.sweep.n_values(), s.n_values());
    for (std::int64_t i = 0; i < s.n_values(); ++i) {
      const std::int64_t setting = i * s.n_values2() + j;
      std::int64_t total = 0;
      for (int r = 0; r < one.minima.table.n_minima; ++r) {
        const int row = find_row(two.minima.table, &one.minima.table.position[2 * r], 1e-6);
        ASSERT_GE(row, 0);
        EXPECT_EQ(s.count[setting * s.n_minima + row], one.sweep.count[i * one.sweep.n_minima + r])
            << "lr " << s.value[i] << " momentum " << s.value2[j];
        total += one.sweep.count[i * one.sweep.n_minima + r];
      }
      std::int64_t swept = 0;
      for (std::int64_t k = 0; k < s.n_minima; ++k) swept += s.count[setting * s.n_minima + k];
      EXPECT_EQ(swept, total);
      EXPECT_EQ(s.fraction_diverged[setting], one.sweep.fraction_diverged[i]);
      EXPECT_EQ(s.fraction_max_steps[setting], one.sweep.fraction_max_steps[i]);
    }
  }
}

TEST(Sweep2d, ChunksOfAnySizeGiveTheSameMap) {
  RunConfig c = two_settings();
  c.starts = 50;
  c.chunk = 7;  // 50 starts per setting: chunks cut at every setting's end
  const auto a = run(c, 1);
  c.chunk = 4096;
  const auto b = run(c, 2);
  EXPECT_EQ(a.sweep.count, b.sweep.count);
  EXPECT_EQ(a.sweep.fraction_max_steps, b.sweep.fraction_max_steps);
}

std::vector<hsize_t> dims_of(const std::string& path, const char* dataset) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, dataset, H5P_DEFAULT);
  const hid_t sp = H5Dget_space(d);
  std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(sp)));
  H5Sget_simple_extent_dims(sp, dims.data(), nullptr);
  H5Sclose(sp);
  H5Dclose(d);
  H5Fclose(f);
  return dims;
}

TEST(Sweep2d, FileHoldsTheMapAsValueByValue2AndReadsBack) {
  RunConfig c = two_settings();
  c.starts = 60;
  const std::string path = std::string(TRILOBITE_TEST_TMP) + "/sweep_2d.h5";
  std::remove(path.c_str());
  c.output = path;
  trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(2);
  trilo::jobs::JobResult res;
  {
    trilo::io::ResultWriter w(path);
    res = trilo::jobs::execute_job(c, r, *be, &w);
    w.commit();
  }
  const auto m = static_cast<hsize_t>(res.sweep.n_minima);
  EXPECT_EQ(dims_of(path, "/sweep/fraction"), (std::vector<hsize_t>{4, 3, m}));
  EXPECT_EQ(dims_of(path, "/sweep/fraction_max_steps"), (std::vector<hsize_t>{4, 3}));
  EXPECT_EQ(dims_of(path, "/sweep/value2"), (std::vector<hsize_t>{3}));
  const auto f = trilo::io::read_result(path);
  ASSERT_TRUE(f.has_sweep);
  EXPECT_EQ(f.sweep.parameter2, "momentum");
  EXPECT_EQ(f.sweep.spacing2, "linear");
  EXPECT_EQ(f.sweep.value2, (std::vector<double>{0.0, 0.45, 0.9}));
  EXPECT_EQ(f.sweep.count, res.sweep.count);
  EXPECT_EQ(f.sweep.fraction_bounced, res.sweep.fraction_bounced);
  const std::string info = trilo::io::describe_result(f);
  EXPECT_NE(info.find("lr (linear, 4 values) x momentum (linear, 3 values: 12 settings"), std::string::npos)
      << info;
  // The picture's cells: per setting, the share at the global minimum
  // (quartic-dimple's lowest row), summed here from the counts.
  trilo::render::Scene sc;
  sc.result = f;
  sc.sweep = trilo::render::SweepData{f.sweep.parameter, f.sweep.spacing, f.sweep.value,
                                      f.sweep.fraction, f.sweep.n_minima, {}, {}, {}, false,
                                      f.sweep.parameter2, f.sweep.spacing2, f.sweep.value2};
  const std::vector<double> share = trilo::render::global_fraction(sc);
  ASSERT_EQ(share.size(), 12u);
  ASSERT_EQ(f.minima.kind[0], 0);  // row 0 is a minimum, and the only one at its loss
  for (std::size_t k = 0; k < 12; ++k)
    EXPECT_DOUBLE_EQ(share[k], static_cast<double>(res.sweep.count[k * m]) / 60.0);
  std::remove(path.c_str());
}

struct Outcome {
  int status;
  std::string err, out;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Outcome trilobite(const std::string& args) {
  const std::string err = std::string(TRILOBITE_TEST_TMP) + "/sweep_2d_cli.err";
  const std::string out = std::string(TRILOBITE_TEST_TMP) + "/sweep_2d_cli.out";
  const std::string cmd = std::string("OMP_NUM_THREADS=2 '") + TRILOBITE_EXE + "' " + args + " >" + out + " 2>" + err +
                          " </dev/null";
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(err), slurp(out)};
}

TEST(Sweep2dCli, TwoVaryOptionsMakeAMapAndRenderDrawsIt) {
  const std::string h5 = std::string(TRILOBITE_TEST_TMP) + "/sweep_2d_cli.h5";
  const std::string png = std::string(TRILOBITE_TEST_TMP) + "/sweep_2d_cli.png";
  std::remove(h5.c_str());
  std::remove(png.c_str());
  Outcome o = trilobite("sweep --optimizer momentum --vary lr=0.01:0.1:3 --vary momentum=0:0.9:2 "
                        "--starts 20 --steps 300 -q -o " + h5);
  ASSERT_EQ(o.status, 0) << o.err;
  // info names the varied settings "swept": their root attributes are not
  // what any descent ran with.
  const Outcome info = trilobite("info " + h5);
  EXPECT_NE(info.out.find("optimizer       momentum (lr swept, momentum swept, max_steps 300"), std::string::npos)
      << info.out;
  o = trilobite("render " + h5 + " -o " + png);
  ASSERT_EQ(o.status, 0) << o.err;
  struct stat st {};
  EXPECT_EQ(::stat(png.c_str(), &st), 0);
  std::remove(h5.c_str());
  std::remove(png.c_str());
}

TEST(Sweep2dCli, BadPairsAreRefusedWithOneLineExitTwoAndNoFile) {
  const std::string target = std::string(TRILOBITE_TEST_TMP) + "/sweep_2d_bad.h5";
  const char* cases[][2] = {
      {"--vary lr=0.1:0.2:2 --vary lr=0.3:0.4:2", "lr is varied twice"},
      {"--vary lr=0.1:0.2:2 --vary noise=0:1:2 --vary eps=0.1:0.2:2", "given 3 times"},
      {"--vary lr=0.1:0.2:2 --vary momentum=0:0.5:2", "optimizer gd does not use momentum"},
      {"--vary lr=0.1:0.2:400 --vary noise=0:1:400", "at most 100000"},
      {"--vary lr=0.1:0.2:2 --vary noise=0:1:2 --noise 0.5", "--noise"},
  };
  for (const auto& k : cases) {
    std::remove(target.c_str());
    const Outcome o = trilobite(std::string("sweep ") + k[0] + " --starts 10 -o " + target);
    EXPECT_EQ(o.status, 2) << k[0] << "\n" << o.err;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << k[0] << "\n" << o.err;
    EXPECT_NE(o.err.find(k[1]), std::string::npos) << k[0] << "\n" << o.err;
    struct stat st {};
    EXPECT_NE(::stat(target.c_str(), &st), 0) << k[0];
  }
}

}  // namespace
