// The network landscape's derivatives and trainings against references
// written here: central finite differences in float64 for gradients and
// Hessian-vector products, a Newton solve for logistic regression, the
// normal equations for a linear network, and a plain-loop float64 replay of
// gradient descent and mini-batch SGD.
#include <gtest/gtest.h>

#include <Random123/philox.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "analysis/function_minima.hpp"
#include "analysis/lanczos.hpp"
#include "config/run_config.hpp"
#include "nn/data.hpp"
#include "nn/model.hpp"
#include "nn/train.hpp"
#include "support/nn_replay.hpp"

namespace {

using namespace trilo;
using test::Replay;
using test::reference_order;
using namespace trilo::nn;

// Deterministic test data: a small LCG, independent of the code under test.
struct Lcg {
  std::uint64_t s;
  double uniform() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) * 0x1p-53;
  }
  double normal() {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }
};

struct Problem {
  Model m;
  std::vector<double> x;
  std::vector<float> y;
  std::int64_t rows = 0;
  Batch<double> batch() const { return {x.data(), y.data(), rows}; }
};

Problem make_problem(Activation a, LossKind loss, std::vector<int> widths, std::int64_t rows,
                     std::uint64_t seed, double decay = 0) {
  Problem p;
  p.m.widths = std::move(widths);
  p.m.activation = a;
  p.m.loss = loss;
  p.m.weight_decay = decay;
  p.rows = rows;
  Lcg r{seed};
  for (std::int64_t i = 0; i < rows * p.m.inputs(); ++i) p.x.push_back(r.normal());
  const int K = p.m.outputs();
  for (std::int64_t i = 0; i < rows; ++i) {
    if (loss == LossKind::kXent) p.y.push_back(static_cast<float>(static_cast<int>(r.uniform() * K)));
    else if (loss == LossKind::kBce) p.y.push_back(r.uniform() < 0.5 ? 0.0f : 1.0f);
    else p.y.push_back(K == 1 ? static_cast<float>(r.normal()) : static_cast<float>(static_cast<int>(r.uniform() * K)));
  }
  return p;
}

std::vector<double> random_vector(std::int64_t n, std::uint64_t seed, double scale) {
  Lcg r{seed};
  std::vector<double> v(static_cast<std::size_t>(n));
  for (double& e : v) e = scale * r.normal();
  return v;
}

double loss_at(const Problem& p, const std::vector<double>& w) {
  Workspace<double> ws;
  return evaluate(p.m, w.data(), p.batch(), static_cast<double*>(nullptr), ws).loss;
}

std::vector<double> grad_at(const Problem& p, const std::vector<double>& w) {
  Workspace<double> ws;
  std::vector<double> g(w.size());
  evaluate(p.m, w.data(), p.batch(), g.data(), ws);
  return g;
}

// H v by central differences of the gradient along v: the reference every
// product is checked against.
std::vector<double> hv_by_differences(const Problem& p, const std::vector<double>& w, const std::vector<double>& v) {
  const double h = 1e-5;
  std::vector<double> wp = w, wm = w;
  for (std::size_t k = 0; k < w.size(); ++k) wp[k] += h * v[k], wm[k] -= h * v[k];
  const std::vector<double> gp = grad_at(p, wp), gm = grad_at(p, wm);
  std::vector<double> fd(w.size());
  for (std::size_t k = 0; k < w.size(); ++k) fd[k] = (gp[k] - gm[k]) / (2 * h);
  return fd;
}

// The problem's rows rounded to float32, and the same rows as a data set
// (which holds float32): the batch and the set then carry equal values.
Dataset as_float_set(Problem& p) {
  for (double& x : p.x) x = static_cast<double>(static_cast<float>(x));
  Dataset d;
  d.rows = p.rows;
  d.features = p.m.inputs();
  d.x.assign(p.x.begin(), p.x.end());
  d.y = p.y;
  return d;
}

const Activation kActivations[] = {Activation::kSigmoid, Activation::kTanh, Activation::kRelu,
                                   Activation::kGelu, Activation::kIdentity};
const LossKind kLosses[] = {LossKind::kMse, LossKind::kBce, LossKind::kXent};

std::vector<int> widths_for(LossKind loss) {
  return {3, 4, 5, loss == LossKind::kBce ? 1 : 3};
}

TEST(NnModel, GradientsMatchCentralDifferencesForEveryActivationAndLoss) {
  for (Activation a : kActivations)
    for (LossKind loss : kLosses) {
      const Problem p = make_problem(a, loss, widths_for(loss), 7, 11, 0.03);
      const std::vector<double> w = random_vector(p.m.params(), 5, 0.7);
      const std::vector<double> g = grad_at(p, w);
      const double h = 1e-6;
      for (std::size_t k = 0; k < w.size(); ++k) {
        std::vector<double> wp = w, wm = w;
        wp[k] += h;
        wm[k] -= h;
        const double fd = (loss_at(p, wp) - loss_at(p, wm)) / (2 * h);
        EXPECT_NEAR(g[k], fd, 1e-7 + 1e-6 * std::abs(fd))
            << activation_name(a) << " " << loss_name(loss) << " weight " << k;
      }
    }
}

TEST(NnModel, HessianVectorProductsMatchDifferencesOfTheGradient) {
  for (Activation a : kActivations)
    for (LossKind loss : kLosses) {
      const Problem p = make_problem(a, loss, widths_for(loss), 6, 3, 0.02);
      const std::vector<double> w = random_vector(p.m.params(), 9, 0.8);
      const std::vector<double> v = random_vector(p.m.params(), 10, 1.0);
      std::vector<double> hv(w.size());
      hessian_vector(p.m, w.data(), v.data(), p.batch(), hv.data());
      const std::vector<double> fd = hv_by_differences(p, w, v);
      for (std::size_t k = 0; k < w.size(); ++k) {
        EXPECT_NEAR(hv[k], fd[k], 2e-6 + 1e-5 * std::abs(fd[k]))
            << activation_name(a) << " " << loss_name(loss) << " weight " << k;
      }
    }
}

TEST(NnModel, AHessianKeptAtOnePointGivesFreshProductsForEveryVector) {
  const Problem p = make_problem(Activation::kSigmoid, LossKind::kXent, {4, 5, 3, 3}, 9, 12, 0.01);
  const std::vector<double> w = random_vector(p.m.params(), 1, 0.6);
  HessianAt h(p.m, w.data(), p.batch());
  for (std::uint64_t seed : {2u, 3u, 2u}) {
    const std::vector<double> v = random_vector(p.m.params(), seed, 1.0);
    std::vector<double> kept(w.size()), fresh(w.size());
    h.apply(v.data(), kept.data());
    hessian_vector(p.m, w.data(), v.data(), p.batch(), fresh.data());
    EXPECT_EQ(kept, fresh) << seed;
  }
}

TEST(NnModel, ProductsOverManyRowTilesAndFromAFloatSetMatchDifferencesOfTheGradient) {
  // 300 rows: the product runs in several tiles and a partial last one. The
  // same rows as a float32 data set (widened tile by tile) must give the
  // products of their float64 batch, and both the differences of gradients.
  for (LossKind loss : kLosses) {
    Problem p = make_problem(Activation::kTanh, loss, {5, 7, 6, loss == LossKind::kBce ? 1 : 4}, 300, 8, 0.01);
    const Dataset d = as_float_set(p);
    const std::vector<double> w = random_vector(p.m.params(), 4, 0.7);
    HessianAt from_batch(p.m, w.data(), p.batch()), from_set(p.m, w.data(), d);
    for (std::uint64_t seed : {5u, 6u}) {
      const std::vector<double> v = random_vector(p.m.params(), seed, 1.0);
      std::vector<double> hb(w.size()), hs(w.size());
      from_batch.apply(v.data(), hb.data());
      from_set.apply(v.data(), hs.data());
      const std::vector<double> fd = hv_by_differences(p, w, v);
      for (std::size_t k = 0; k < w.size(); ++k) {
        EXPECT_NEAR(hb[k], fd[k], 2e-6 + 1e-5 * std::abs(fd[k])) << loss_name(loss) << " weight " << k;
        EXPECT_NEAR(hs[k], hb[k], 1e-12 * (1 + std::abs(hb[k]))) << loss_name(loss) << " weight " << k;
      }
    }
  }
}

TEST(NnModel, ASetEvaluatedInTilesGivesTheLossAndGradientOfItsWholeBatch) {
  for (LossKind loss : kLosses) {
    Problem p = make_problem(Activation::kSigmoid, loss, {5, 6, loss == LossKind::kBce ? 1 : 3}, 300, 13, 0.03);
    const Dataset d = as_float_set(p);
    const std::vector<double> w = random_vector(p.m.params(), 2, 0.9);
    std::vector<double> gs(w.size()), gb(w.size());
    Workspace<double> ws;
    const Eval whole = evaluate(p.m, w.data(), p.batch(), gb.data(), ws);
    const Eval tiled = evaluate_set(p.m, w.data(), d, gs.data());
    EXPECT_NEAR(tiled.loss, whole.loss, 1e-13 * std::abs(whole.loss)) << loss_name(loss);
    EXPECT_EQ(tiled.correct, whole.correct) << loss_name(loss);
    for (std::size_t k = 0; k < w.size(); ++k)
      EXPECT_NEAR(gs[k], gb[k], 1e-13 * (1 + std::abs(gb[k]))) << loss_name(loss) << " weight " << k;
    EXPECT_EQ(evaluate_set(p.m, w.data(), d, nullptr).loss, tiled.loss);
  }
}

TEST(NnModel, LanczosTopEigenvaluesMatchADenseEigendecomposition) {
  const Problem p = make_problem(Activation::kTanh, LossKind::kXent, {3, 4, 3}, 12, 4);
  const std::vector<double> w = random_vector(p.m.params(), 8, 0.9);
  const int P = static_cast<int>(p.m.params());
  HessianAt h(p.m, w.data(), p.batch());
  Eigen::MatrixXd H(P, P);
  std::vector<double> e(P), col(P);
  for (int j = 0; j < P; ++j) {
    std::fill(e.begin(), e.end(), 0.0);
    e[j] = 1;
    h.apply(e.data(), col.data());
    for (int i = 0; i < P; ++i) H(i, j) = col[i];
  }
  EXPECT_LT((H - H.transpose()).norm(), 1e-12 * H.norm());
  const Eigen::VectorXd dense = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(H).eigenvalues();
  const std::vector<double> ritz = analysis::lanczos_eigenvalues(
      [&](const double* v, double* y) { h.apply(v, y); }, P, P, 3);
  ASSERT_EQ(static_cast<int>(ritz.size()), P);
  for (int k = 1; k <= 3; ++k) EXPECT_NEAR(ritz[P - k], dense(P - k), 1e-9 * std::abs(dense(P - 1)));
}

TEST(NnModel, PermutedHiddenUnitsAreTheSameFunctionAndTheSameMinimum) {
  const Problem p = make_problem(Activation::kSigmoid, LossKind::kXent, {3, 4, 3}, 20, 6);
  const std::vector<double> w = random_vector(p.m.params(), 5, 1.0);
  // Swap hidden units 0 and 2: rows of W1 and b1, columns of W2.
  std::vector<double> q = w;
  const int in = 3, hid = 4, out = 3;
  for (int i = 0; i < in; ++i) std::swap(q[0 * in + i], q[2 * in + i]);
  std::swap(q[hid * in + 0], q[hid * in + 2]);
  const int oW2 = hid * in + hid;
  for (int k = 0; k < out; ++k) std::swap(q[oW2 + k * hid + 0], q[oW2 + k * hid + 2]);
  ASSERT_NE(q, w);
  Workspace<double> ws;
  std::vector<double> a(20 * 3), b(20 * 3), c(20 * 3);
  predict(p.m, w.data(), p.batch(), a.data(), ws);
  predict(p.m, q.data(), p.batch(), b.data(), ws);
  const std::vector<double> other = random_vector(p.m.params(), 99, 1.0);
  predict(p.m, other.data(), p.batch(), c.data(), ws);
  analysis::FunctionClusters clusters(20 * 3, 1e-9);
  EXPECT_EQ(clusters.add(a.data()), 0);
  EXPECT_EQ(clusters.add(b.data()), 0);
  EXPECT_EQ(clusters.add(c.data()), 1);
}

TEST(NnModel, FloatEvaluationAgreesWithDouble) {
  const Problem p = make_problem(Activation::kTanh, LossKind::kXent, {5, 8, 4}, 40, 21);
  const std::vector<double> w = random_vector(p.m.params(), 2, 0.5);
  const std::vector<float> wf(w.begin(), w.end());
  const std::vector<float> xf(p.x.begin(), p.x.end());
  Workspace<float> wsf;
  std::vector<float> gf(w.size());
  const Eval ef = evaluate(p.m, wf.data(), Batch<float>{xf.data(), p.y.data(), p.rows}, gf.data(), wsf);
  const std::vector<double> g = grad_at(p, w);
  EXPECT_NEAR(ef.loss, loss_at(p, w), 1e-5);
  for (std::size_t k = 0; k < g.size(); ++k) EXPECT_NEAR(gf[k], g[k], 1e-5);
}

TEST(NnModel, EigenProductsStayOnTheCallingThread) {
  // Trainers run one network per OpenMP thread; an Eigen product that
  // started its own team would over-subscribe the cores wherever the
  // caller's team has one thread.
  EXPECT_EQ(Eigen::nbThreads(), 1);
}

TEST(NnModel, GradientsAndProductsDoNotDependOnWhereTheirVectorsLie) {
  // The same evaluation into gradient (and product) vectors at every offset
  // of a cache line: each must come out bit for bit the same. Trainings on
  // different threads hold their vectors at different addresses.
  Problem p = make_problem(Activation::kSigmoid, LossKind::kXent, {20, 16, 16, 10}, 32, 17);
  const auto P = static_cast<std::size_t>(p.m.params());
  const std::vector<double> wd = random_vector(p.m.params(), 3, 0.5);
  std::vector<float> x(p.x.begin(), p.x.end()), w(wd.begin(), wd.end());
  const Batch<float> b{x.data(), p.y.data(), p.rows};
  Workspace<float> ws;
  std::vector<float> first, room(P + 32);
  for (std::size_t off = 0; off < 16; ++off) {
    std::fill(room.begin(), room.end(), 0.0f);
    evaluate(p.m, w.data(), b, room.data() + off, ws);
    const std::vector<float> g(room.begin() + off, room.begin() + off + P);
    if (off == 0) first = g;
    EXPECT_EQ(std::memcmp(g.data(), first.data(), P * sizeof(float)), 0) << "gradient at offset " << off;
  }
  const std::vector<double> v = random_vector(p.m.params(), 4, 1.0);
  HessianAt h(p.m, wd.data(), p.batch());
  std::vector<double> hfirst, hroom(P + 16);
  for (std::size_t off = 0; off < 8; ++off) {
    h.apply(v.data(), hroom.data() + off);
    const std::vector<double> hv(hroom.begin() + off, hroom.begin() + off + P);
    if (off == 0) hfirst = hv;
    EXPECT_EQ(std::memcmp(hv.data(), hfirst.data(), P * sizeof(double)), 0) << "product at offset " << off;
  }
}

TEST(NnModel, WeightOrderIsLayerByLayerWRowMajorThenB) {
  // mlp:2-3-1 identity, mse: output = w2 (W1 x + b1) + b2 with W1 at 0..5
  // (row-major 3 x 2), b1 at 6..8, W2 at 9..11, b2 at 12.
  Problem p = make_problem(Activation::kIdentity, LossKind::kMse, {2, 3, 1}, 1, 1);
  p.x = {0.5, -2.0};
  std::vector<double> w(13, 0.0);
  w[0 * 2 + 1] = 1.0;   // W1[0][1]: hidden 0 reads x1
  w[6 + 2] = 0.25;      // b1[2]
  w[9 + 0] = 3.0;       // W2[0][0]
  w[9 + 2] = 4.0;       // W2[0][2]
  w[12] = -1.0;         // b2
  Workspace<double> ws;
  double out = 0;
  predict(p.m, w.data(), p.batch(), &out, ws);
  EXPECT_DOUBLE_EQ(out, 3.0 * -2.0 + 4.0 * 0.25 - 1.0);
  EXPECT_EQ(p.m.params(), 13);
  EXPECT_EQ(p.m.offset(1), 9);
}

TEST(NnModel, XentAndBceAreStableForHugeLogits) {
  Problem p = make_problem(Activation::kIdentity, LossKind::kBce, {1, 1}, 2, 1);
  p.x = {1.0, 1.0};
  p.y = {1.0f, 0.0f};
  const std::vector<double> w = {800.0, 0.0};  // logits 800 for both rows
  // Row 0: log(1 + e^-800) ~ 0; row 1: 800 + log(1 + e^-800) ~ 800.
  EXPECT_NEAR(loss_at(p, w), 400.0, 1e-9);
  Problem q = make_problem(Activation::kIdentity, LossKind::kXent, {1, 2}, 1, 1);
  q.x = {1.0};
  q.y = {1.0f};
  const std::vector<double> v = {1000.0, -1000.0, 0.0, 0.0};  // logits 1000, -1000
  EXPECT_NEAR(loss_at(q, v), 2000.0, 1e-9);
}

TEST(NnModel, TorchInitStaysWithinItsBoundAndDependsOnRunOnly) {
  Model m;
  m.widths = {784, 16, 16, 10};
  ASSERT_EQ(m.params(), 13002);
  std::vector<double> a(13002), b(13002), c(13002);
  init_weights(m, InitKind::kTorch, 7, 3, a.data());
  init_weights(m, InitKind::kTorch, 7, 3, b.data());
  init_weights(m, InitKind::kTorch, 7, 4, c.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (int l = 0; l < 3; ++l) {
    const double bound = 1.0 / std::sqrt(m.widths[l]);
    const std::int64_t n = static_cast<std::int64_t>(m.widths[l]) * m.widths[l + 1] + m.widths[l + 1];
    double mx = 0, sum_sq = 0;
    for (std::int64_t k = 0; k < n; ++k) {
      const double v = a[m.offset(l) + k];
      mx = std::max(mx, std::abs(v));
      sum_sq += v * v;
    }
    EXPECT_LE(mx, bound);
    EXPECT_GT(mx, 0.95 * bound);
    // Uniform on [-B, B]: variance B^2 / 3.
    EXPECT_NEAR(sum_sq / n, bound * bound / 3, 0.15 * bound * bound / 3);
  }
}

TEST(NnModel, GlorotAndHeDrawTheirVariancesWithZeroBiases) {
  Model m;
  m.widths = {300, 200, 10};
  std::vector<double> g(m.params()), h(m.params());
  init_weights(m, InitKind::kGlorot, 1, 0, g.data());
  init_weights(m, InitKind::kHe, 1, 0, h.data());
  const std::int64_t nw = 300 * 200;
  double vg = 0, vh = 0;
  for (std::int64_t k = 0; k < nw; ++k) vg += g[k] * g[k], vh += h[k] * h[k];
  EXPECT_NEAR(vg / nw, 2.0 / 500, 0.05 * 2.0 / 500);
  EXPECT_NEAR(vh / nw, 2.0 / 300, 0.05 * 2.0 / 300);
  for (int k = 0; k < 200; ++k) {
    EXPECT_EQ(g[nw + k], 0.0);
    EXPECT_EQ(h[nw + k], 0.0);
  }
}

TEST(NnModel, ModelTextsAreParsedOrRefusedWithOneLine) {
  EXPECT_EQ(parse_model("mlp:784-16-16-10").params(), 13002);
  for (const char* bad : {"mlp:", "mlp:3", "mlp:3--1", "mlp:3-0-1", "mlp:3-x-1", "cnn:3-1", "mlp:3-99999999"}) {
    try {
      parse_model(bad);
      ADD_FAILURE() << bad;
    } catch (const config::BadInput& e) {
      EXPECT_NE(std::string(e.what()).find("--model"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

TEST(NnTrain, BatchOrderIsTheDocumentedPermutation) {
  // Set sizes around the sixteen draws made at once, and seeds and runs
  // that fill both 32-bit words of key and counter.
  for (std::int64_t rows : {1, 2, 3, 16, 17, 18, 33, 500, 4099})
    for (const auto& [seed, run] : {std::pair<std::uint64_t, std::int64_t>{5, 12}, {0xFEDCBA9876543210ull, 0x123456789LL}})
      EXPECT_EQ(batch_order(seed, run, 3, rows), reference_order(seed, run, 3, rows)) << rows << " rows, seed " << seed;
  const auto o = batch_order(5, 12, 3, 1000);
  EXPECT_EQ(o, reference_order(5, 12, 3, 1000));
  std::set<std::int64_t> s(o.begin(), o.end());
  EXPECT_EQ(s.size(), 1000u);
  EXPECT_NE(o, batch_order(5, 12, 4, 1000));
  EXPECT_NE(o, batch_order(5, 13, 3, 1000));
}

TEST(NnTrain, FullBatchGradientDescentMatchesAPlainLoopReplay) {
  const Problem p = make_problem(Activation::kTanh, LossKind::kBce, {2, 3, 1}, 30, 8);
  DataView<double> d{p.x, p.y, p.rows, 2};
  TrainParams tp;
  tp.opt.lr = 0.5;
  tp.max_steps = 200;
  tp.tol = 1e-12;
  tp.seed = 4;
  std::vector<double> start(p.m.params()), end(p.m.params());
  const TrainOutcome o = train_one(p.m, tp, d, static_cast<const DataView<double>*>(nullptr), 2, start.data(), end.data());
  EXPECT_EQ(o.steps, 200);
  Replay ref{2, 3};
  std::vector<double> w = start, g(w.size());
  std::vector<std::int64_t> all(p.rows);
  std::iota(all.begin(), all.end(), 0);
  for (int s = 0; s < 200; ++s) {
    ref.loss_grad(w, p.x, p.y, all, g);
    for (std::size_t k = 0; k < w.size(); ++k) w[k] -= 0.5 * g[k];
  }
  for (std::size_t k = 0; k < w.size(); ++k) EXPECT_NEAR(end[k], w[k], 1e-10) << k;
  EXPECT_NEAR(o.loss, ref.loss_grad(w, p.x, p.y, all, g), 1e-12);
}

TEST(NnTrain, MiniBatchSgdWithMomentumMatchesAPlainLoopReplay) {
  const Problem p = make_problem(Activation::kTanh, LossKind::kBce, {2, 3, 1}, 23, 9);
  DataView<double> d{p.x, p.y, p.rows, 2};
  TrainParams tp;
  tp.opt.kind = OptimizerKind::kMomentum;
  tp.opt.lr = 0.1;
  tp.opt.momentum = 0.9;
  tp.batch = 5;  // 23 rows: four batches of 5 and a last one of 3
  tp.epochs = 3;
  tp.seed = 6;
  std::vector<double> start(p.m.params()), end(p.m.params());
  const TrainOutcome o = train_one(p.m, tp, d, static_cast<const DataView<double>*>(nullptr), 1, start.data(), end.data());
  EXPECT_EQ(o.steps, 15);
  Replay ref{2, 3};
  std::vector<double> w = start, g(w.size()), v(w.size(), 0.0);
  for (int e = 0; e < 3; ++e) {
    const auto order = reference_order(6, 1, e, p.rows);
    for (std::int64_t f = 0; f < p.rows; f += 5) {
      std::vector<std::int64_t> rows(order.begin() + f, order.begin() + std::min<std::int64_t>(f + 5, p.rows));
      ref.loss_grad(w, p.x, p.y, rows, g);
      for (std::size_t k = 0; k < w.size(); ++k) {
        v[k] = 0.9 * v[k] + g[k];
        w[k] -= 0.1 * v[k];
      }
    }
  }
  for (std::size_t k = 0; k < w.size(); ++k) EXPECT_NEAR(end[k], w[k], 1e-12) << k;
}

TEST(NnTrain, LogisticRegressionReachesTheNewtonSolution) {
  // Non-separable: labels drawn from a logistic model.
  Lcg r{77};
  const std::int64_t n = 200;
  std::vector<double> x;
  std::vector<float> y;
  for (std::int64_t i = 0; i < n; ++i) {
    const double a = r.normal(), b = r.normal();
    x.push_back(a);
    x.push_back(b);
    y.push_back(r.uniform() < 1 / (1 + std::exp(-(1.5 * a - 0.7 * b + 0.3))) ? 1.0f : 0.0f);
  }
  // Newton on (w1, w2, b) in float64.
  Eigen::Vector3d th = Eigen::Vector3d::Zero();
  for (int it = 0; it < 50; ++it) {
    Eigen::Vector3d g = Eigen::Vector3d::Zero();
    Eigen::Matrix3d H = Eigen::Matrix3d::Zero();
    for (std::int64_t i = 0; i < n; ++i) {
      const Eigen::Vector3d f(x[2 * i], x[2 * i + 1], 1.0);
      const double s = 1 / (1 + std::exp(-f.dot(th)));
      g += (s - y[i]) * f / n;
      H += s * (1 - s) * f * f.transpose() / n;
    }
    th -= H.ldlt().solve(g);
  }
  double newton_loss = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double z = th(0) * x[2 * i] + th(1) * x[2 * i + 1] + th(2);
    newton_loss += (std::log1p(std::exp(-std::abs(z))) + std::max(z, 0.0) - y[i] * z) / n;
  }
  Model m;
  m.widths = {2, 1};
  m.loss = LossKind::kBce;
  DataView<double> d{x, y, n, 2};
  TrainParams tp;
  tp.opt.lr = 2.0;
  tp.max_steps = 20000;
  tp.tol = 1e-10;
  std::vector<double> start(3), end(3);
  const TrainOutcome o = train_one(m, tp, d, static_cast<const DataView<double>*>(nullptr), 0, start.data(), end.data());
  EXPECT_EQ(o.status, DescentStatus::kConverged);
  EXPECT_NEAR(o.loss, newton_loss, 1e-12);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(end[k], th(k), 1e-7);
}

TEST(NnTrain, LinearNetworkReachesTheLeastSquaresLoss) {
  Lcg r{5};
  const std::int64_t n = 100;
  std::vector<double> x;
  std::vector<float> y;
  Eigen::MatrixXd A(n, 4);
  Eigen::VectorXd t(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const double a = r.normal(), b = r.normal(), c = r.normal();
    x.insert(x.end(), {a, b, c});
    const float v = static_cast<float>(2 * a - b + 0.5 * c + 1 + 0.3 * r.normal());
    y.push_back(v);
    A.row(i) << a, b, c, 1.0;
    t(i) = v;
  }
  const Eigen::VectorXd beta = A.colPivHouseholderQr().solve(t);
  const double ls = (A * beta - t).squaredNorm() / n;
  Model m;
  m.widths = {3, 4, 1};
  m.activation = Activation::kIdentity;
  m.loss = LossKind::kMse;
  DataView<double> d{x, y, n, 3};
  TrainParams tp;
  tp.opt.lr = 0.05;
  tp.max_steps = 50000;
  tp.tol = 1e-9;
  std::vector<double> start(m.params()), end(m.params());
  const TrainOutcome o = train_one(m, tp, d, static_cast<const DataView<double>*>(nullptr), 0, start.data(), end.data());
  EXPECT_NE(o.status, DescentStatus::kDiverged);
  EXPECT_NEAR(o.loss, ls, 1e-7 * ls);
}

}  // namespace
