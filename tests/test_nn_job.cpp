// `trilobite descend --model ...` end to end: the file's /descents/end
// reproduced from its /descents/start by float64 replays written here
// (full-batch GD, mini-batch SGD, and momentum, Nesterov, Adam and RMSprop
// with a warm-up and a schedule), determinism over threads and chunks,
// minima by function, and the refusals of options that do not fit.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/h5_read.hpp"
#include "support/nn_replay.hpp"

namespace {

using namespace trilo::test;

std::vector<double> read_doubles(const std::string& file, const std::string& name) {
  return read_dataset<double>(file, name);
}

// 40 rows of two features and a 0/1 label, not separable by a line.
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
    // Values with few digits, so the float32 the loader keeps is known here.
    const float a = static_cast<float>(std::lround(std::sin(0.7 * i) * 1500) / 1000.0);
    const float b = static_cast<float>(std::lround(std::cos(1.3 * i + 0.2) * 1000) / 1000.0);
    const float y = (a * b > 0.1f) ? 1.0f : 0.0f;
    out << std::to_string(a) << "," << std::to_string(b) << "," << y << "\n";
    c.x.push_back(static_cast<double>(std::stof(std::to_string(a))));
    c.x.push_back(static_cast<double>(std::stof(std::to_string(b))));
    c.y.push_back(y);
  }
  return c;
}

// A network job whose records would not fit on any disk here (10^8
// trainings of 66,817 weights: about 194 TiB) is refused before any file
// or training, with one line naming the records, exit status 2.
TEST(NnJob, TrainingsWhoseRecordsDoNotFitAreRefusedBeforeAnyWork) {
  const std::string out = std::string(TRILOBITE_TEST_TMP) + "/nn_job_too_large.h5";
  std::filesystem::remove(out);
  const Outcome o = trilobite("descend --backend cpu --model mlp:2-256-256-1 --activation tanh --loss bce --data two-moons "
                              "--starts 100000000 -q -o " + out);
  EXPECT_EQ(o.status, 2) << o.err;
  EXPECT_NE(o.err.find("the result file needs about 194.5 TiB (training records for 10^8 trainings, checkpoint and "
                       "result)"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(out + ".partial"));
}

TEST(NnJob, FullBatchEndWeightsAreReplayedFromTheStartWeights) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("gd.h5");
  const Outcome o = trilobite("descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + d.path +
                              " --starts 3 --steps 150 --lr 0.3 --tol 0 --precision f64 --hessian-top 0 -q --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  const std::vector<double> start = read_doubles(f, "/descents/start"), end = read_doubles(f, "/descents/end");
  const std::vector<double> loss = read_doubles(f, "/descents/loss");
  ASSERT_EQ(start.size(), 3u * 13);
  Replay ref{2, 3};
  std::vector<std::int64_t> all(40);
  std::iota(all.begin(), all.end(), 0);
  for (int run = 0; run < 3; ++run) {
    std::vector<double> w(start.begin() + 13 * run, start.begin() + 13 * (run + 1)), g(13);
    for (int s = 0; s < 150; ++s) {
      ref.loss_grad(w, d.x, d.y, all, g);
      for (int k = 0; k < 13; ++k) w[k] -= 0.3 * g[k];
    }
    for (int k = 0; k < 13; ++k) EXPECT_NEAR(end[13 * run + k], w[k], 1e-10) << run << " " << k;
    EXPECT_NEAR(loss[run], ref.loss_grad(w, d.x, d.y, all, g), 1e-12);
  }
}

TEST(NnJob, TracedTrainingsRecordTheWeightsTheReplayPassesThrough) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("trace.h5");
  const Outcome o = trilobite("descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + d.path +
                              " --starts 3 --steps 120 --lr 0.3 --tol 0 --precision f64 --hessian-top 0 --trace 2,0 "
                              "--trace-every 50 --trace-weights -q --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  const std::vector<double> start = read_doubles(f, "/descents/start"), loss_end = read_doubles(f, "/descents/loss");
  const std::vector<double> run = read_doubles(f, "/trajectories/descent"), step = read_doubles(f, "/trajectories/step");
  const std::vector<double> pos = read_doubles(f, "/trajectories/position"), loss = read_doubles(f, "/trajectories/loss");
  ASSERT_EQ(run, (std::vector<double>{2, 0}));
  // Steps 0, 50, 100 and the end, 120.
  ASSERT_EQ(step, (std::vector<double>{0, 50, 100, 120, 0, 50, 100, 120}));
  Replay ref{2, 3};
  std::vector<std::int64_t> all(40);
  std::iota(all.begin(), all.end(), 0);
  for (int t = 0; t < 2; ++t) {
    const int r = static_cast<int>(run[t]);
    std::vector<double> w(start.begin() + 13 * r, start.begin() + 13 * (r + 1)), g(13);
    int done = 0;
    for (int j = 0; j < 4; ++j) {
      for (; done < step[4 * t + j]; ++done) {
        ref.loss_grad(w, d.x, d.y, all, g);
        for (int k = 0; k < 13; ++k) w[k] -= 0.3 * g[k];
      }
      for (int k = 0; k < 13; ++k) EXPECT_NEAR(pos[(4 * t + j) * 13 + k], w[k], 1e-10) << t << " " << j;
      EXPECT_NEAR(loss[4 * t + j], ref.loss_grad(w, d.x, d.y, all, g), 1e-12) << t << " " << j;
    }
    EXPECT_EQ(loss[4 * t + 3], loss_end[r]);
  }
}

TEST(NnJob, MiniBatchSgdEndWeightsAreReplayedFromTheStartWeights) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("sgd.h5");
  const Outcome o = trilobite("descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + d.path +
                              " --starts 2 --batch-size 7 --epochs 4 --lr 0.2 --seed 9 --precision f64 "
                              "--hessian-top 0 -q --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  const std::vector<double> start = read_doubles(f, "/descents/start"), end = read_doubles(f, "/descents/end");
  Replay ref{2, 3};
  for (int run = 0; run < 2; ++run) {
    std::vector<double> w(start.begin() + 13 * run, start.begin() + 13 * (run + 1)), g(13);
    for (int e = 0; e < 4; ++e) {
      const auto order = reference_order(9, run, e, 40);
      for (int first = 0; first < 40; first += 7) {
        std::vector<std::int64_t> rows(order.begin() + first, order.begin() + std::min(first + 7, 40));
        ref.loss_grad(w, d.x, d.y, rows, g);
        for (int k = 0; k < 13; ++k) w[k] -= 0.2 * g[k];
      }
    }
    for (int k = 0; k < 13; ++k) EXPECT_NEAR(end[13 * run + k], w[k], 1e-12) << run << " " << k;
  }
}

TEST(NnJob, AScheduleSetsTheRateOfEveryMiniBatchStep) {
  // Step schedule over the training's global step t (6 batches per epoch):
  // rate 0.4 * 0.5^floor(t / 5), written out here.
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("sched.h5");
  const Outcome o = trilobite("descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + d.path +
                              " --starts 2 --batch-size 7 --epochs 3 --lr 0.4 --lr-schedule step "
                              "--lr-step-every 5 --lr-gamma 0.5 --seed 4 --precision f64 --hessian-top 0 "
                              "-q --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  const std::vector<double> start = read_doubles(f, "/descents/start"), end = read_doubles(f, "/descents/end");
  Replay ref{2, 3};
  for (int run = 0; run < 2; ++run) {
    std::vector<double> w(start.begin() + 13 * run, start.begin() + 13 * (run + 1)), g(13);
    int t = 0;
    for (int e = 0; e < 3; ++e) {
      const auto order = reference_order(4, run, e, 40);
      for (int first = 0; first < 40; first += 7, ++t) {
        std::vector<std::int64_t> rows(order.begin() + first, order.begin() + std::min(first + 7, 40));
        ref.loss_grad(w, d.x, d.y, rows, g);
        const double lr = 0.4 * std::pow(0.5, std::floor(t / 5.0));
        for (int k = 0; k < 13; ++k) w[k] -= lr * g[k];
      }
    }
    ASSERT_EQ(t, 18);
    for (int k = 0; k < 13; ++k) EXPECT_NEAR(end[13 * run + k], w[k], 1e-12) << run << " " << k;
  }
  // The cosine spans those 18 steps: a warm-up of 18 leaves it none.
  const Outcome bad = trilobite("descend --backend cpu --model mlp:2-3-1 --loss bce --data " + d.path +
                                " --batch-size 7 --epochs 3 --lr-schedule cosine --warmup-steps 18 -o " + f + ".x");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--warmup-steps: must be below the training's steps (18)"), std::string::npos) << bad.err;
}

// Nesterov, Adam and RMSprop over mini-batches, each with a linear warm-up
// and then a schedule: the optimizers as torch.optim defines them and the
// documented schedules, replayed here in float64 (tests/support/nn_replay.hpp).
TEST(NnJob, EveryOptimizerWithAWarmUpAndAScheduleIsReplayedFromTheStartWeights) {
  using Opt = ReplayOptimizer::Kind;
  using Sched = ReplaySchedule::Kind;
  struct Case {
    const char* options;
    ReplayOptimizer opt;
    ReplaySchedule schedule;
  };
  // 40 rows in batches of 7: 6 steps an epoch, 18 in 3 epochs.
  const Case cases[] = {
      {"--optimizer nesterov --momentum 0.7 --lr 0.3 --lr-schedule cosine --lr-min 0.02 --warmup-steps 4",
       {Opt::kNesterov, 0.7}, {Sched::kCosine, 0.3, 0.1, 0.02, 1, 4, 18}},
      {"--optimizer adam --beta1 0.8 --beta2 0.95 --eps 1e-6 --lr 0.05 --lr-schedule cosine --warmup-steps 5",
       {Opt::kAdam, 0, 0.8, 0.95, 0.99, 1e-6}, {Sched::kCosine, 0.05, 0.1, 0, 1, 5, 18}},
      {"--optimizer rmsprop --rho 0.9 --eps 1e-7 --lr 0.02 --lr-schedule step --lr-step-every 4 --lr-gamma 0.5 "
       "--warmup-steps 3",
       {Opt::kRmsprop, 0, 0.9, 0.999, 0.9, 1e-7}, {Sched::kStep, 0.02, 0.5, 0, 4, 3, 18}},
      {"--optimizer momentum --momentum 0.6 --lr 0.2 --lr-schedule exp --lr-gamma 0.9 --warmup-steps 2",
       {Opt::kMomentum, 0.6}, {Sched::kExp, 0.2, 0.9, 0, 1, 2, 18}},
  };
  const Csv d = write_csv(unique("data.csv"));
  for (const Case& c : cases) {
    const std::string f = unique("opt.h5");
    const Outcome o = trilobite("descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + d.path +
                                " --starts 2 --batch-size 7 --epochs 3 --seed 5 --precision f64 --hessian-top 0 " +
                                c.options + " -q --force -o " + f);
    ASSERT_EQ(o.status, 0) << c.options << "\n" << o.err;
    const std::vector<double> start = read_doubles(f, "/descents/start"), end = read_doubles(f, "/descents/end");
    ASSERT_EQ(end.size(), 2u * 13) << c.options;
    Replay ref{2, 3};
    for (int run = 0; run < 2; ++run) {
      std::vector<double> w(start.begin() + 13 * run, start.begin() + 13 * (run + 1)), g(13);
      ReplayOptimizer opt = c.opt;
      std::int64_t t = 0;
      for (int e = 0; e < 3; ++e) {
        const auto order = reference_order(5, run, e, 40);
        for (int first = 0; first < 40; first += 7, ++t) {
          std::vector<std::int64_t> rows(order.begin() + first, order.begin() + std::min(first + 7, 40));
          ref.loss_grad(w, d.x, d.y, rows, g);
          opt.step(w, g, c.schedule.rate(t));
        }
      }
      ASSERT_EQ(t, 18);
      double moved = 0;
      for (int k = 0; k < 13; ++k) {
        EXPECT_NEAR(end[13 * run + k], w[k], 1e-10) << c.options << "\nrun " << run << " weight " << k;
        moved = std::max(moved, std::abs(w[k] - start[13 * run + k]));
      }
      EXPECT_GT(moved, 1e-3) << c.options;  // the training did move the weights
    }
  }
}

TEST(NnJob, AStoredConfigurationReplaysTheTraining) {
  // The stored options hold the network's alone (no analytic landscape's,
  // no --steps beside --epochs): replayed through --config they give the
  // same training, schedule included.
  const Csv d = write_csv(unique("data.csv"));
  const std::string a = unique("a.h5"), b = unique("b.h5"), toml = unique("toml");
  ASSERT_EQ(trilobite("descend --backend cpu --model mlp:2-3-1 --loss bce --data " + d.path +
                      " --starts 3 --batch-size 8 --epochs 2 --lr-schedule cosine --warmup-steps 3 -q --force -o " + a)
                .status, 0);
  ASSERT_EQ(trilobite("info --config " + a).status, 0);
  const Outcome info = trilobite("info --config " + a);
  std::ofstream(toml) << info.out;
  EXPECT_EQ(info.out.find("quench-steps"), std::string::npos) << info.out;
  EXPECT_EQ(info.out.find("\nsteps ="), std::string::npos) << info.out;
  const Outcome o = trilobite("descend --config " + toml + " -q --force -o " + b);
  ASSERT_EQ(o.status, 0) << o.err;
  const std::vector<double> ea = read_doubles(a, "/descents/end"), eb = read_doubles(b, "/descents/end");
  ASSERT_EQ(ea.size(), eb.size());
  for (std::size_t k = 0; k < ea.size(); ++k) EXPECT_EQ(ea[k], eb[k]) << k;
}

TEST(NnJob, AStoredConfigurationWithoutCurvatureReplays) {
  // --hessian-minima 0 examines no minimum, so the curvature's settings
  // (refused beside it) are left out of the stored options; likewise
  // --lanczos-steps beside --hessian-top 0.
  const Csv d = write_csv(unique("data.csv"));
  for (const char* off : {"--hessian-minima 0", "--hessian-top 0"}) {
    const std::string a = unique("a.h5"), b = unique("b.h5"), toml = unique("toml");
    ASSERT_EQ(trilobite("descend --backend cpu --model mlp:2-3-1 --loss bce --data " + d.path + " --starts 2 --steps 5 " +
                        off + " -q --force -o " + a)
                  .status,
              0);
    const Outcome info = trilobite("info --config " + a);
    ASSERT_EQ(info.status, 0) << info.err;
    EXPECT_EQ(info.out.find("lanczos-steps"), std::string::npos) << off << "\n" << info.out;
    std::ofstream(toml) << info.out;
    const Outcome o = trilobite("descend --config " + toml + " -q --force -o " + b);
    EXPECT_EQ(o.status, 0) << off << "\n" << o.err;
  }
}

TEST(NnJob, AStoredConfigurationKeepsTheChunkOnlyWhenGiven) {
  // A network trains 64 runs at a time unless --chunk is given; the
  // analytic jobs' default of 65536 must not reach the stored options, where
  // a replay would read it as given.
  const Csv d = write_csv(unique("data.csv"));
  for (const std::string chunk : {"", " --chunk 3"}) {
    const std::string a = unique("a.h5");
    ASSERT_EQ(trilobite("descend --backend cpu --model mlp:2-3-1 --loss bce --data " + d.path + " --starts 2 --steps 5" +
                        chunk + " -q --force -o " + a)
                  .status,
              0);
    const Outcome info = trilobite("info --config " + a);
    ASSERT_EQ(info.status, 0) << info.err;
    if (chunk.empty())
      EXPECT_EQ(info.out.find("\nchunk ="), std::string::npos) << info.out;
    else
      EXPECT_NE(info.out.find("\nchunk = 3\n"), std::string::npos) << info.out;
  }
}

// Ctrl-C after the trainings, while the barriers' Bezier curves train (here
// for far longer than the test waits): the job stops within the step it is
// on, exits 130 naming the checkpoint to resume, and writes no result.
TEST(NnJob, AnInterruptionAfterTheTrainingsStopsAndNamesTheCheckpoint) {
  const std::string dir = unique("dir");
  ASSERT_EQ(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str()), 0);
  const std::string cmd =
      "cd '" + dir + "' && (OMP_NUM_THREADS=2 timeout -s KILL 40 '" + std::string(TRILOBITE_EXE) +
      "' descend --backend cpu --model mlp:2-16-1 --loss bce --data two-moons --data-size 20000 --starts 4 --steps 1 "
      "--hessian-minima 0 --bezier-steps 10000000 -o r.h5 > out.txt 2> err.txt & pid=$!; "
      "for i in $(seq 300); do grep -q 'examining minima' err.txt && break; sleep 0.1; done; "
      "kill -INT $pid; wait $pid; echo $? > status.txt)";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string err = slurp(dir + "/err.txt");
  EXPECT_EQ(slurp(dir + "/status.txt"), "130\n") << err;
  EXPECT_NE(err.find("interrupted after all 4 trainings; they are in 'r.h5.partial' (continue with --resume r.h5)"),
            std::string::npos)
      << err;
  EXPECT_FALSE(exists(dir + "/r.h5"));
  EXPECT_TRUE(exists(dir + "/r.h5.partial"));
}

// A resume reads the data afresh: if the data file changed since the
// interrupted run, the trainings would mix two data sets, so the resume is
// refused (the file's data_crc32 against the checkpoint's); with the data as
// it was, it resumes.
TEST(NnJob, AResumeOfChangedDataIsRefused) {
  const std::string csv = unique("resume_data.csv"), out = unique("resume_data.h5");
  write_csv(csv);
  std::remove(out.c_str());
  std::remove((out + ".partial").c_str());
  const std::string common = "descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + csv +
                             " --starts 4 --chunk 2 --steps 5 --hessian-minima 0 --barrier-minima 0 -q";
  ::setenv("TRILOBITE_FAULT", "kill-after-commit:2", 1);
  trilobite(common + " -o " + out);
  ::unsetenv("TRILOBITE_FAULT");
  ASSERT_TRUE(exists(out + ".partial"));
  const std::string original = slurp(csv);
  {
    std::string changed = original;
    const std::size_t at = changed.rfind(",1\n");  // the last row labelled 1 now says 0
    ASSERT_NE(at, std::string::npos);
    changed.replace(at, 3, ",0\n");
    std::ofstream(csv) << changed;
  }
  const Outcome refused = trilobite(common + " --resume " + out);
  EXPECT_EQ(refused.status, 2) << refused.err;
  EXPECT_NE(refused.err.find("--resume: the data differ from the interrupted run's"), std::string::npos) << refused.err;
  EXPECT_FALSE(exists(out));
  std::ofstream(csv) << original;
  const Outcome resumed = trilobite(common + " --resume " + out);
  EXPECT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_TRUE(exists(out));
}

// With mse on targets that are not classes (a regression) no row is right or
// wrong: every accuracy the job writes is NaN, the trainings', the minima's
// and the plane's; with mse on 0/1 labels the accuracies are shares.
TEST(NnJob, ARegressionsAccuraciesAreNaN) {
  const std::string reg = unique("regression.csv");
  {
    std::ofstream out(reg);
    out << "a,b,target\n";
    for (int i = 0; i < 60; ++i) {
      const double a = std::round(std::sin(0.7 * i) * 1000) / 1000, b = std::round(std::cos(1.3 * i) * 1000) / 1000;
      out << a << "," << b << "," << 0.3 * a - 0.7 * b + 0.05 << "\n";
    }
  }
  const Csv classes = write_csv(unique("classes.csv"));
  for (const bool regression : {true, false}) {
    SCOPED_TRACE(regression ? "regression" : "0/1 labels");
    const std::string f = unique(regression ? "regression.h5" : "mse_classes.h5");
    const Outcome o = trilobite("run --backend cpu --model mlp:2-8-1 --activation tanh --loss mse --data " +
                                (regression ? reg : classes.path) + " --starts 3 --steps 20 --grid-res 5 -q --force -o " + f);
    ASSERT_EQ(o.status, 0) << o.err;
    for (const char* name : {"/descents/accuracy", "/minima/accuracy", "/plane/accuracy"}) {
      const std::vector<double> acc = read_doubles(f, name);
      ASSERT_FALSE(acc.empty()) << name;
      for (double a : acc) {
        if (regression)
          EXPECT_TRUE(std::isnan(a)) << name << ": " << a;
        else
          EXPECT_TRUE(a >= 0 && a <= 1) << name << ": " << a;
      }
    }
    for (double l : read_doubles(f, "/descents/loss")) EXPECT_TRUE(std::isfinite(l)) << l;
  }
}

TEST(NnJob, CountsOfOneReadInTheSingular) {
  // Two trainings of a 1-step run end in two minima of one run each, and
  // the barriers join one pair.
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("one.h5");
  const Outcome o = trilobite("descend --backend cpu --model mlp:2-3-1 --loss bce --data " + d.path +
                              " --starts 2 --steps 1 --hessian-top 0 --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.err.find("barriers among 2 (1 pair)"), std::string::npos) << o.err;
  const Outcome info = trilobite("info " + f);
  EXPECT_NE(info.out.find("#0: 1 run, loss"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("#1: 1 run, loss"), std::string::npos) << info.out;
}

TEST(NnJob, FilesAreBitwiseTheSameForAnyThreadsAndChunks) {
  const Csv d = write_csv(unique("data.csv"));
  // Layers 16 wide fill an AVX-512 register of float32: the widths where a
  // result could depend on how a thread's vectors are aligned.
  for (const char* model : {"mlp:2-4-2 --activation relu", "mlp:2-16-16-2 --activation sigmoid"}) {
    const std::string a = unique("a.h5"), b = unique("b.h5");
    const std::string common = std::string("descend --backend cpu --model ") + model + " --loss xent --data " + d.path +
                               " --starts 11 --batch-size 8 --epochs 3 --optimizer adam --lr 0.05 -q --force";
    ASSERT_EQ(trilobite(common + " --threads 1 --chunk 3 -o " + a).status, 0);
    ASSERT_EQ(trilobite(common + " --threads 2 --chunk 5 -o " + b).status, 0);
    for (const char* name : {"/descents/start", "/descents/end", "/descents/loss", "/descents/accuracy",
                             "/descents/minimum", "/minima/weights", "/minima/count", "/minima/hessian_top"}) {
      const std::vector<double> va = read_doubles(a, name), vb = read_doubles(b, name);
      ASSERT_EQ(va.size(), vb.size()) << model << " " << name;
      for (std::size_t k = 0; k < va.size(); ++k)
        EXPECT_TRUE(va[k] == vb[k] || (std::isnan(va[k]) && std::isnan(vb[k]))) << model << " " << name << " " << k;
    }
  }
}

TEST(NnJob, XorShowsTheSolvedMinimumAndTheRunsThatFail) {
  // The four points of XOR, a 2-2-1 sigmoid network: most starts solve it,
  // some stall with half the points wrong (the classic local minima).
  const std::string f = unique("xor.h5");
  const Outcome o = trilobite("descend --backend cpu --model mlp:2-2-1 --activation sigmoid --loss bce --data xor --data-size 4 "
                              "--data-noise 0 --starts 64 --lr 2 --steps 5000 --precision f64 -q --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  const std::vector<double> loss = read_doubles(f, "/minima/loss"), acc = read_doubles(f, "/minima/accuracy");
  const std::vector<double> count = read_doubles(f, "/minima/count");
  ASSERT_GE(loss.size(), 2u);
  // Sorted by loss: the first is the solution, every point right, loss near 0.
  EXPECT_EQ(acc[0], 1.0);
  EXPECT_LT(loss[0], 0.01);
  EXPECT_GT(count[0], 32);
  double failed = 0;
  for (std::size_t k = 1; k < loss.size(); ++k) {
    EXPECT_LT(acc[k], 1.0) << k;
    EXPECT_GT(loss[k], 0.1) << k;
    failed += count[k];
  }
  EXPECT_GT(failed, 0);
  EXPECT_EQ(failed + count[0], 64);
}

TEST(NnJob, HugeLossesKeepTheMinimaTableInItsColumns) {
  // lr 1e30 throws the weights far out while they stay finite: losses near 1e29.
  const Outcome o = trilobite("descend --backend cpu --model mlp:2-4-2 --data two-moons --starts 3 --steps 50 --lr 1e30 "
                              "--hessian-top 0 --force -o " + unique("huge.h5"));
  ASSERT_EQ(o.status, 0) << o.err;
  std::istringstream lines(o.out);
  std::string line, header;
  while (std::getline(lines, line))
    if (line.find("  #   count") == 0) header = line;
  ASSERT_FALSE(header.empty()) << o.out;
  std::istringstream again(o.out);
  int rows = 0;
  while (std::getline(again, line))
    if (line.size() > 3 && line[2] >= '0' && line[2] <= '9' && line.find("e+") != std::string::npos) {
      EXPECT_EQ(line.size(), header.size()) << line << "\n" << header;
      ++rows;
    }
  EXPECT_EQ(rows, 3) << o.out;
}

// The rows of the minima table `descend` prints, split into fields, and its header.
std::vector<std::vector<std::string>> minima_rows(const std::string& out, std::string* header) {
  std::istringstream lines(out);
  std::string line;
  std::vector<std::vector<std::string>> rows;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.find("  #   count") == 0) {
      *header = line;
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.size() < 3 || line[2] < '0' || line[2] > '9') break;
    EXPECT_EQ(line.size(), header->size()) << line << "\n" << *header;
    std::istringstream fields(line);
    rows.emplace_back();
    for (std::string f; fields >> f;) rows.back().push_back(f);
  }
  return rows;
}

TEST(NnJob, TheMinimaTablePrintsTheCurvatureThatWasComputed) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string net = "descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + d.path +
                          " --starts 6 --steps 40 --lr 0.5 --force ";
  // No minimum examined: neither column.
  std::string header;
  const Outcome none = trilobite(net + "--hessian-minima 0 -o " + unique("none.h5"));
  ASSERT_EQ(none.status, 0) << none.err;
  EXPECT_FALSE(minima_rows(none.out, &header).empty()) << none.out;
  EXPECT_EQ(header.find("top_eig"), std::string::npos) << header;
  EXPECT_EQ(header.find("trace"), std::string::npos) << header;
  // Two examined: the top eigenvalue and the trace as stored, "-" elsewhere.
  const std::string f = unique("trace.h5");
  const Outcome o = trilobite(net + "--hessian-minima 2 --hutchinson 3 -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  const auto rows = minima_rows(o.out, &header);
  EXPECT_NE(header.find("     top_eig       trace"), std::string::npos) << header;
  const std::vector<double> top = read_doubles(f, "/minima/hessian_top"), trace = read_doubles(f, "/minima/hessian_trace");
  ASSERT_EQ(rows.size(), trace.size()) << o.out;
  int examined = 0;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    ASSERT_GE(rows[k].size(), 2u);
    const std::string& e = rows[k][rows[k].size() - 2];
    const std::string& t = rows[k].back();
    if (std::isnan(trace[k])) {
      EXPECT_EQ(t, "-") << k;
      EXPECT_EQ(e, "-") << k;
      continue;
    }
    ++examined;
    EXPECT_NEAR(std::stod(t), trace[k], 5e-5) << k;
    EXPECT_NEAR(std::stod(e), top[k], 5e-5) << k;
  }
  EXPECT_EQ(examined, std::min<int>(2, static_cast<int>(rows.size())));
}

TEST(NnJob, InfoSummarisesANetworkFileAndRenderRefusesIt) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("info.h5");
  ASSERT_EQ(trilobite("descend --backend cpu --model mlp:2-3-1 --loss bce --data " + d.path +
                      " --starts 5 --batch-size 10 --epochs 1 -q --force -o " + f).status, 0);
  const Outcome info = trilobite("info " + f);
  EXPECT_EQ(info.status, 0) << info.err;
  EXPECT_NE(info.out.find("mlp:2-3-1"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("batch 10, 1 epoch\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("trainings       5 ("), std::string::npos) << info.out;
  const Outcome render = trilobite("render " + f + " -o " + unique("p.png"));
  EXPECT_EQ(render.status, 2);
  EXPECT_NE(render.err.find("network file"), std::string::npos) << render.err;
  EXPECT_FALSE(exists(unique("p.png")));
}

TEST(NnJob, RenderDrawsTheEigenvalueDensityOfTheExaminedMinima) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("density.h5"), png = unique("density.png");
  ASSERT_EQ(trilobite("descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + d.path +
                      " --starts 12 --batch-size 10 --epochs 2 --density 2 --hessian-minima 3 -q --force -o " + f)
                .status,
            0);
  // The minima examined: the rows of /minima/density that are not NaN.
  const std::vector<double> density = read_doubles(f, "/minima/density"), grid = read_doubles(f, "/minima/eigenvalue");
  ASSERT_FALSE(grid.empty());
  std::size_t examined = 0;
  for (std::size_t m = 0; m < density.size() / grid.size(); ++m) examined += std::isfinite(density[m * grid.size()]);
  std::remove(png.c_str());
  const Outcome o = trilobite("render " + f + " -o " + png);
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("eigenvalue density of " + std::to_string(examined) + " minima"), std::string::npos) << o.out;
  EXPECT_TRUE(exists(png));
  const Outcome bad = trilobite("render " + f + " --panel basins --force -o " + png);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("eigenvalue density"), std::string::npos) << bad.err;
}

TEST(NnJob, OptionsThatDoNotFitANetworkAreRefusedBeforeAnyWork) {
  const Csv d = write_csv(unique("data.csv"));
  const std::string f = unique("never.h5");
  std::remove(f.c_str());  // a file an earlier, failed run of this test left
  const std::string net = "descend --model mlp:2-3-1 --loss bce --data " + d.path + " -o " + f + " ";
  const std::pair<std::string, std::string> cases[] = {
      {net + "--box -1:1", "--box: does not apply to a network landscape"},
      {net + "--batch-size 4 --steps 10", "--steps: mini-batch training"},
      {net + "--epochs 3", "--epochs: applies to mini-batch training"},
      {"descend --batch-size 4 -o " + f, "--batch-size: applies to a network landscape"},
      {"descend --backend cpu --model mlp:2-3-1 -o " + f, "give the data set"},
      {"descend --backend cpu --model mlp:3-3-1 --loss bce --data " + d.path + " -o " + f, "takes 3 inputs"},
      {"descend --backend cpu --model mlp:2-3-2 --loss bce --data " + d.path + " -o " + f, "must have one output"},
      {net + "--backend cuda --trace 0", "--trace: traced trainings run on the CPU backend"},
      {net + "--records sample", "--records"},
      {net + "--trace-weights", "give --trace"},
      {net + "--starts 3 --trace 7", "--trace: training 7 does not exist"},
      {"run --model mlp:2-3-1 -o " + f, "--model"},
      {net + "--quench-steps 10", "--quench-steps: does not apply to a network landscape"},
      {net + "--lr-gamma 0.5", "--lr-gamma: applies to --lr-schedule step or exp only"},
  };
  for (const auto& [args, mentions] : cases) expect_refused(args, mentions, f);
}

}  // namespace
