// `trilobite sweep --model ...`: each value's rows are the trainings a
// `descend` with that value gives (bitwise), a float64 replay written here
// reproduces each value's end weights from its start weights, the /sweep
// tables agree with the rows of /descents, files do not depend on threads
// or chunks, an interrupted sweep resumes to the same file, and the
// settings a training has no use for are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/h5_read.hpp"
#include "support/nn_replay.hpp"

namespace {

using namespace trilo::test;

std::vector<double> doubles(const std::string& file, const std::string& name, std::vector<hsize_t>* dims = nullptr) {
  return read_dataset<double>(file, name, dims);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (!(a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k])))) return false;
  return true;
}

// Rows [first, first + n) of an (rows x width) table.
std::vector<double> rows_of(const std::vector<double>& v, std::size_t width, std::size_t first, std::size_t n) {
  return {v.begin() + static_cast<std::ptrdiff_t>(first * width),
          v.begin() + static_cast<std::ptrdiff_t>((first + n) * width)};
}

const std::string kNet =
    " --backend cpu --model mlp:2-8-1 --activation tanh --loss bce --data two-moons --data-size 60 --hessian-top 0 -q "
    "--force";

TEST(NnSweep, EachValueTrainsTheRunsOfADescendWithThatValue) {
  // Mini-batch SGD with momentum, lr swept over two values: rows v x 3 + i
  // are run i of a descend at that lr, the same initial weights and batch
  // orders, bit for bit.
  const std::string f = unique("sweep.h5"), d0 = unique("d0.h5"), d1 = unique("d1.h5");
  const std::string train = kNet + " --starts 3 --batch-size 8 --epochs 2 --optimizer momentum --momentum 0.9 --seed 5";
  const Outcome o = trilobite("sweep" + train + " --vary lr=0.05:0.4:2 -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  ASSERT_EQ(trilobite("descend" + train + " --lr 0.05 -o " + d0).status, 0);
  ASSERT_EQ(trilobite("descend" + train + " --lr 0.4 -o " + d1).status, 0);
  EXPECT_EQ(doubles(f, "/sweep/value"), (std::vector<double>{0.05, 0.4}));
  for (const char* name : {"/descents/start", "/descents/end", "/descents/loss", "/descents/accuracy", "/descents/steps",
                           "/descents/status", "/descents/grad_norm"}) {
    const std::vector<double> s = doubles(f, name), a = doubles(d0, name), b = doubles(d1, name);
    ASSERT_EQ(s.size(), 2 * a.size()) << name;
    const std::size_t width = a.size() / 3;
    EXPECT_TRUE(same_bits(rows_of(s, width, 0, 3), a)) << name;
    EXPECT_TRUE(same_bits(rows_of(s, width, 3, 3), b)) << name;
  }
  // The two values differ in their ends, not in their starts.
  const std::vector<double> start = doubles(f, "/descents/start"), end = doubles(f, "/descents/end");
  EXPECT_EQ(rows_of(start, 33, 0, 3), rows_of(start, 33, 3, 3));
  EXPECT_NE(rows_of(end, 33, 0, 3), rows_of(end, 33, 3, 3));
}

// 30 rows of two features and a 0/1 label, values of few digits (the
// float32 the loader keeps is then known here).
struct Points {
  std::vector<double> x;
  std::vector<float> y;
};

Points write_points(const std::string& path) {
  Points p;
  std::ofstream out(path);
  out << "u,v,label\n";
  for (int i = 0; i < 30; ++i) {
    const double u = (i % 6) * 0.4 - 1.0, v = (i / 6) * 0.5 - 1.0;
    const float label = u * u + v * v < 0.7 ? 1.0f : 0.0f;
    out << u << "," << v << "," << label << "\n";
    p.x.push_back(static_cast<double>(static_cast<float>(u)));
    p.x.push_back(static_cast<double>(static_cast<float>(v)));
    p.y.push_back(label);
  }
  return p;
}

TEST(NnSweep, AFloat64ReplayReproducesEveryValuesEndWeights) {
  // Full-batch gradient descent at three rates in float64: every row's end
  // is its start descended 60 steps at its value's rate, replayed here.
  const std::string csv = unique("points.csv"), f = unique("replay.h5");
  const Points p = write_points(csv);
  const Outcome o = trilobite("sweep --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + csv +
                              " --starts 2 --steps 60 --tol 0 --precision f64 --hessian-top 0 --vary lr=0.1:0.5:3 "
                              "-q --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  const std::vector<double> value = doubles(f, "/sweep/value");
  ASSERT_EQ(value.size(), 3u);
  EXPECT_EQ(value[0], 0.1);
  EXPECT_EQ(value[2], 0.5);
  const std::vector<double> start = doubles(f, "/descents/start"), end = doubles(f, "/descents/end");
  const std::vector<double> loss = doubles(f, "/descents/loss");
  ASSERT_EQ(start.size(), 6u * 13);
  Replay ref{2, 3};
  std::vector<std::int64_t> all(30);
  std::iota(all.begin(), all.end(), 0);
  for (int row = 0; row < 6; ++row) {
    EXPECT_EQ(rows_of(start, 13, row, 1), rows_of(start, 13, row % 2, 1)) << row;
    const double lr = value[static_cast<std::size_t>(row / 2)];
    std::vector<double> w = rows_of(start, 13, row, 1), g(13);
    for (int s = 0; s < 60; ++s) {
      ref.loss_grad(w, p.x, p.y, all, g);
      for (int k = 0; k < 13; ++k) w[k] -= lr * g[k];
    }
    for (int k = 0; k < 13; ++k) EXPECT_NEAR(end[13 * row + k], w[k], 1e-10) << row << " " << k;
    EXPECT_NEAR(loss[row], ref.loss_grad(w, p.x, p.y, all, g), 1e-12) << row;
  }
}

// The nearest-rank median: the value of rank ceil(n / 2).
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? std::nan("") : v[(v.size() + 1) / 2 - 1];
}

TEST(NnSweep, ThePerValueTablesCountTheRowsOfEachValue) {
  // Rates from slow to explosive in float32, with a test set: /sweep's
  // counts, shares, minima reached and loss and accuracy statistics,
  // recomputed here from /descents.
  const std::string f = unique("table.h5");
  const Outcome o = trilobite("sweep" + kNet + " --starts 5 --steps 40 --test-fraction 0.25 --vary lr=0.01:1e38:4:log "
                              "-o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  const std::vector<double> label = doubles(f, "/descents/minimum"), status = doubles(f, "/descents/status");
  const std::vector<double> loss = doubles(f, "/descents/loss"), acc = doubles(f, "/descents/accuracy");
  const std::vector<double> test_acc = doubles(f, "/descents/test_accuracy");
  std::vector<hsize_t> dims;
  const std::vector<double> count = doubles(f, "/sweep/count", &dims);
  ASSERT_EQ(label.size(), 20u);
  ASSERT_EQ(dims.size(), 2u);
  ASSERT_EQ(dims[0], 4u);
  const std::size_t m = dims[1];
  EXPECT_EQ(m, doubles(f, "/minima/loss").size());
  const std::vector<double> diverged = doubles(f, "/sweep/fraction_diverged"),
                            converged = doubles(f, "/sweep/fraction_converged"),
                            reached = doubles(f, "/sweep/minima_reached"), mean_loss = doubles(f, "/sweep/mean_loss"),
                            median_loss = doubles(f, "/sweep/median_loss"),
                            median_acc = doubles(f, "/sweep/median_accuracy"),
                            mean_test_acc = doubles(f, "/sweep/mean_test_accuracy"),
                            fraction = doubles(f, "/sweep/fraction");
  for (std::size_t v = 0; v < 4; ++v) {
    std::vector<double> c(m, 0.0), l, a, t;
    double div = 0, conv = 0;
    std::set<double> minima;
    for (std::size_t i = 5 * v; i < 5 * v + 5; ++i) {
      conv += status[i] == 0;
      if (status[i] == 2) {
        ++div;
        EXPECT_EQ(label[i], -1) << i;
        continue;
      }
      c[static_cast<std::size_t>(label[i])] += 1;
      minima.insert(label[i]);
      l.push_back(loss[i]), a.push_back(acc[i]), t.push_back(test_acc[i]);
    }
    EXPECT_EQ(rows_of(count, m, v, 1), c) << v;
    for (std::size_t j = 0; j < m; ++j) EXPECT_EQ(fraction[v * m + j], c[j] / 5) << v << " " << j;
    EXPECT_EQ(diverged[v], div / 5) << v;
    EXPECT_EQ(converged[v], conv / 5) << v;
    EXPECT_EQ(reached[v], static_cast<double>(minima.size())) << v;
    if (l.empty()) {
      EXPECT_TRUE(std::isnan(mean_loss[v]) && std::isnan(median_loss[v])) << v;
      continue;
    }
    EXPECT_NEAR(mean_loss[v], std::accumulate(l.begin(), l.end(), 0.0) / static_cast<double>(l.size()),
                1e-12 * std::abs(mean_loss[v]))
        << v;
    EXPECT_EQ(median_loss[v], median(l)) << v;
    EXPECT_EQ(median_acc[v], median(a)) << v;
    EXPECT_NEAR(mean_test_acc[v], std::accumulate(t.begin(), t.end(), 0.0) / static_cast<double>(t.size()), 1e-15) << v;
  }
  EXPECT_EQ(diverged[3], 1.0) << "the largest rate throws every training out";
  EXPECT_NE(o.out.find("most populous minima per setting"), std::string::npos) << o.out;
  const Outcome info = trilobite("info " + f);
  EXPECT_EQ(info.status, 0) << info.err;
  EXPECT_NE(info.out.find("4 values of lr x " + std::to_string(m) + " minima, 5 trainings each"), std::string::npos)
      << info.out;
}

TEST(NnSweep, FilesAreBitwiseTheSameForAnyThreadsAndChunks) {
  // A 2-D sweep (lr x momentum): chunks cut at the settings' edges, or not.
  const std::string a = unique("a.h5"), b = unique("b.h5");
  const std::string common = "sweep" + kNet + " --starts 3 --batch-size 16 --epochs 2 --optimizer momentum "
                                              "--vary lr=0.05:0.2:2 --vary momentum=0:0.9:2";
  ASSERT_EQ(trilobite(common + " --threads 1 --chunk 2 -o " + a).status, 0);
  ASSERT_EQ(trilobite(common + " --threads 2 --chunk 5 -o " + b).status, 0);
  for (const char* name : {"/descents/start", "/descents/end", "/descents/loss", "/descents/minimum", "/minima/weights",
                           "/minima/count", "/sweep/count", "/sweep/fraction", "/sweep/mean_loss", "/sweep/median_accuracy",
                           "/sweep/minima_reached", "/sweep/value2"})
    EXPECT_TRUE(same_bits(doubles(a, name), doubles(b, name))) << name;
  std::vector<hsize_t> dims;
  doubles(a, "/sweep/mean_loss", &dims);
  EXPECT_EQ(dims, (std::vector<hsize_t>{2, 2}));
  EXPECT_EQ(doubles(a, "/sweep/value2"), (std::vector<double>{0, 0.9}));
}

TEST(NnSweep, AnInterruptedSweepResumesToTheSameFile) {
  const std::string whole = unique("whole.h5"), part = unique("part.h5");
  std::remove(part.c_str());
  std::remove((part + ".partial").c_str());
  const std::string common = "sweep" + kNet + " --starts 4 --steps 30 --chunk 2 --vary lr=0.1:0.3:3";
  ASSERT_EQ(trilobite(common + " -o " + whole).status, 0);
  ::setenv("TRILOBITE_FAULT", "kill-after-commit:2", 1);
  trilobite(common + " -o " + part);
  ::unsetenv("TRILOBITE_FAULT");
  ASSERT_TRUE(exists(part + ".partial"));
  ASSERT_FALSE(exists(part));
  const Outcome o = trilobite(common + " --resume " + part);
  ASSERT_EQ(o.status, 0) << o.err;
  for (const char* name : {"/descents/end", "/descents/minimum", "/minima/count", "/sweep/count", "/sweep/mean_loss"})
    EXPECT_TRUE(same_bits(doubles(whole, name), doubles(part, name))) << name;
}

TEST(NnSweep, SettingsThatDoNotFitANetworkSweepAreRefusedBeforeAnyWork) {
  const std::string f = unique("never.h5");
  std::remove(f.c_str());
  const std::string net = "sweep --model mlp:2-3-1 --loss bce --data xor -o " + f + " ";
  const std::pair<std::string, std::string> cases[] = {
      {net + "--vary noise=0:0.1:2", "--vary noise: network trainings add no gradient noise"},
      {net + "--vary weight-decay=0:0.1:2", "--vary weight-decay"},
      {net + "--vary batch-size=8:32:2", "--vary batch-size"},
      {net + "--vary lr=0.1:0.2:2 --noise 0.1", "--noise: does not apply to a network landscape"},
      {net + "--vary lr=0.1:0.2:2 --trace 0", "--trace: not available in a sweep"},
      {net + "--vary lr=0.1:0.2:2 --lr 0.1", "--lr: --vary lr sets it"},
      {net + "--vary beta1=0.1:0.5:2", "does not use beta1"},
      {net + "--vary lr=0.1:0.2:2 --epochs 2", "--epochs: applies to mini-batch training"},
      {"sweep --vary lr=0.1:0.2:2 --records none -o " + f, "--records: a sweep keeps rows"},
      {"sweep --vary lr=0.1:0.2:2 --batch-size 4 -o " + f, "--batch-size: applies to a network landscape"},
  };
  for (const auto& [args, mentions] : cases) expect_refused(args, mentions, f);
}

}  // namespace
