// The host side of ensemble training on the GPU, checked on the CPU: the
// strided-batched GEMM shapes of the plan, run through a naive
// column-major batched GEMM written here, give every network's gradient as
// the CPU's backpropagation does (itself checked against finite
// differences); the memory plan's sums; the chunk's batch orders; the
// element-wise loss of one row against closed forms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "nn/elementwise.hpp"
#include "nn/ensemble.hpp"
#include "nn/model.hpp"
#include "nn/train.hpp"
#include "support/batched_gemm.hpp"

namespace {

using namespace trilo;
using namespace trilo::nn;

using test::batched_gemm;

// The device's evaluation of one tile, on the CPU: the plan's GEMMs and the
// shared element-wise functions, layer buffers of `cap` rows per network.
struct TileEmulation {
  const NetSpec& s;
  int nets;
  std::int64_t cap;
  std::vector<std::vector<double>> z, a;
  std::vector<double> delta, back, ones;
  std::vector<double> loss_sum;

  TileEmulation(const NetSpec& spec, int n, std::int64_t capacity) : s(spec), nets(n), cap(capacity) {
    const int L = s.layers();
    z.resize(static_cast<std::size_t>(L + 1));
    a.resize(static_cast<std::size_t>(L + 1));
    int widest = 0;
    for (int l = 1; l <= L; ++l) {
      const auto w = static_cast<std::size_t>(s.widths[static_cast<std::size_t>(l)]);
      z[static_cast<std::size_t>(l)].assign(static_cast<std::size_t>(n * cap) * w, std::nan(""));
      a[static_cast<std::size_t>(l)].assign(static_cast<std::size_t>(n * cap) * w, std::nan(""));
      widest = std::max(widest, s.widths[static_cast<std::size_t>(l)]);
    }
    delta.assign(static_cast<std::size_t>(n * cap * widest), std::nan(""));
    back = delta;
    ones.assign(static_cast<std::size_t>(cap), 1.0);
    loss_sum.assign(static_cast<std::size_t>(n), 0.0);
  }

  // Rows [0, r) of input x (shared by every network, or cap rows each) and
  // labels y (y_stride per network), over a batch of n_div rows.
  void tile(const std::vector<double>& w, std::vector<double>& g, const double* x, const float* y,
            std::int64_t y_stride, bool shared, std::int64_t r, std::int64_t n_div, bool first_tile) {
    const int L = s.layers();
    for (int l = 0; l < L; ++l) {
      const LayerDims d = layer_dims(s, l, r, cap, l == 0 && shared);
      const double* input = l == 0 ? x : a[static_cast<std::size_t>(l)].data();
      double* zl = z[static_cast<std::size_t>(l + 1)].data();
      batched_gemm(forward_gemm(d), w.data() + s.offsets[static_cast<std::size_t>(l)], input, zl, 0, nets);
      const std::int64_t bias = s.offsets[static_cast<std::size_t>(l)] + std::int64_t{d.in} * d.out;
      for (int net = 0; net < nets; ++net)
        for (std::int64_t row = 0; row < r; ++row)
          for (int u = 0; u < d.out; ++u) {
            const std::int64_t k = (net * cap + row) * d.out + u;
            zl[k] += w[static_cast<std::size_t>(net * s.params + bias + u)];
            if (l + 1 < L) a[static_cast<std::size_t>(l + 1)][static_cast<std::size_t>(k)] = act(s.activation, zl[k]);
          }
    }
    const int K = s.outputs();
    for (int net = 0; net < nets; ++net) {
      double sum = 0;
      for (std::int64_t row = 0; row < r; ++row) {
        const std::int64_t k = (net * cap + row) * K;
        row_loss(s.loss, z[static_cast<std::size_t>(L)].data() + k, K, y[net * y_stride + row], n_div,
                 delta.data() + k, sum);
      }
      loss_sum[static_cast<std::size_t>(net)] += s.loss == LossKind::kMse ? sum / K : sum;
    }
    const double beta = first_tile ? 0 : 1;
    for (int l = L - 1; l >= 0; --l) {
      const LayerDims d = layer_dims(s, l, r, cap, l == 0 && shared);
      const double* input = l == 0 ? x : a[static_cast<std::size_t>(l)].data();
      double* gw = g.data() + s.offsets[static_cast<std::size_t>(l)];
      batched_gemm(weight_grad_gemm(d), input, delta.data(), gw, beta, nets);
      batched_gemm(bias_grad_gemm(d), delta.data(), ones.data(), gw + std::int64_t{d.in} * d.out, beta, nets);
      if (l == 0) break;
      batched_gemm(back_gemm(d), w.data() + s.offsets[static_cast<std::size_t>(l)], delta.data(), back.data(), 0,
                   nets);
      for (int net = 0; net < nets; ++net)
        for (std::int64_t row = 0; row < r; ++row)
          for (int u = 0; u < d.in; ++u) {
            const auto k = static_cast<std::size_t>((net * cap + row) * d.in + u);
            delta[k] = back[k] * act_d1(s.activation, z[static_cast<std::size_t>(l)][k], a[static_cast<std::size_t>(l)][k]);
          }
    }
  }
};

struct Case {
  const char* model;
  Activation act;
  LossKind loss;
};

class EnsemblePlanGemms : public ::testing::TestWithParam<Case> {};

// A few networks' weights, rows and labels for the case.
struct Fixture {
  Model m;
  NetSpec s;
  int nets = 3;
  std::int64_t rows = 7;
  std::vector<double> w, x;
  std::vector<float> y;

  explicit Fixture(const Case& c) {
    m = parse_model(c.model);
    m.activation = c.act;
    m.loss = c.loss;
    s = net_spec(m, TrainParams{});
    const std::int64_t P = m.params();
    w.resize(static_cast<std::size_t>(nets * P));
    for (int i = 0; i < nets; ++i) init_weights(m, InitKind::kTorch, 7, i, w.data() + i * P);
    for (std::int64_t r = 0; r < rows; ++r) {
      for (int f = 0; f < m.inputs(); ++f) x.push_back(std::sin(1.7 * static_cast<double>(r * m.inputs() + f) + 0.3));
      y.push_back(m.loss == LossKind::kBce ? static_cast<float>(r % 2)
                  : m.loss == LossKind::kXent || m.outputs() > 1 ? static_cast<float>(r % m.outputs())
                                                                 : static_cast<float>(0.25 * r - 0.5));
    }
  }

  // evaluate's gradient and loss of network i over the given rows.
  std::vector<double> cpu_gradient(int i, const std::vector<std::int64_t>& pick, double* loss) const {
    const std::int64_t P = m.params();
    std::vector<double> xb;
    std::vector<float> yb;
    for (std::int64_t r : pick) {
      xb.insert(xb.end(), x.begin() + r * m.inputs(), x.begin() + (r + 1) * m.inputs());
      yb.push_back(y[static_cast<std::size_t>(r)]);
    }
    std::vector<double> g(static_cast<std::size_t>(P));
    Workspace<double> ws;
    *loss = evaluate(m, w.data() + i * P, Batch<double>{xb.data(), yb.data(), static_cast<std::int64_t>(pick.size())},
                     g.data(), ws)
                .loss;
    return g;
  }
};

TEST_P(EnsemblePlanGemms, SharedInputInTwoTilesGivesEachNetworksGradient) {
  const Fixture f(GetParam());
  const std::int64_t P = f.m.params(), cap = 5;
  TileEmulation t(f.s, f.nets, cap);
  std::vector<double> g(static_cast<std::size_t>(f.nets * P), std::nan(""));
  // Rows [0, 4) then [4, 7): the second tile adds to the first's gradient.
  t.tile(f.w, g, f.x.data(), f.y.data(), 0, true, 4, f.rows, true);
  t.tile(f.w, g, f.x.data() + 4 * f.m.inputs(), f.y.data() + 4, 0, true, 3, f.rows, false);
  std::vector<std::int64_t> all(static_cast<std::size_t>(f.rows));
  std::iota(all.begin(), all.end(), 0);
  for (int i = 0; i < f.nets; ++i) {
    double loss = 0;
    const std::vector<double> want = f.cpu_gradient(i, all, &loss);
    EXPECT_NEAR(t.loss_sum[static_cast<std::size_t>(i)] / static_cast<double>(f.rows), loss, 1e-12) << "network " << i;
    for (std::int64_t k = 0; k < P; ++k)
      ASSERT_NEAR(g[static_cast<std::size_t>(i * P + k)], want[static_cast<std::size_t>(k)], 1e-12)
          << "network " << i << " weight " << k;
  }
}

TEST_P(EnsemblePlanGemms, GatheredRowsGiveEachNetworksBatchGradient) {
  const Fixture f(GetParam());
  const std::int64_t P = f.m.params(), cap = 6, r = 5;
  // Each network its own batch of 5 rows, gathered into cap rows apiece.
  std::vector<std::vector<std::int64_t>> pick = {{6, 0, 3, 2, 5}, {1, 1, 4, 0, 6}, {2, 3, 4, 5, 6}};
  std::vector<double> xg(static_cast<std::size_t>(f.nets * cap * f.m.inputs()), std::nan(""));
  std::vector<float> yg(static_cast<std::size_t>(f.nets * cap), -1.0f);
  for (int i = 0; i < f.nets; ++i)
    for (std::int64_t k = 0; k < r; ++k) {
      const std::int64_t src = pick[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)];
      std::copy_n(f.x.begin() + src * f.m.inputs(), f.m.inputs(), xg.begin() + (i * cap + k) * f.m.inputs());
      yg[static_cast<std::size_t>(i * cap + k)] = f.y[static_cast<std::size_t>(src)];
    }
  TileEmulation t(f.s, f.nets, cap);
  std::vector<double> g(static_cast<std::size_t>(f.nets * P), std::nan(""));
  t.tile(f.w, g, xg.data(), yg.data(), cap, false, r, r, true);
  for (int i = 0; i < f.nets; ++i) {
    double loss = 0;
    const std::vector<double> want = f.cpu_gradient(i, pick[static_cast<std::size_t>(i)], &loss);
    EXPECT_NEAR(t.loss_sum[static_cast<std::size_t>(i)] / static_cast<double>(r), loss, 1e-12) << "network " << i;
    for (std::int64_t k = 0; k < P; ++k)
      ASSERT_NEAR(g[static_cast<std::size_t>(i * P + k)], want[static_cast<std::size_t>(k)], 1e-12)
          << "network " << i << " weight " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Losses, EnsemblePlanGemms,
                         ::testing::Values(Case{"mlp:3-5-4-3", Activation::kTanh, LossKind::kXent},
                                           Case{"mlp:2-6-1", Activation::kSigmoid, LossKind::kBce},
                                           Case{"mlp:4-3-2", Activation::kGelu, LossKind::kMse},
                                           Case{"mlp:3-1", Activation::kRelu, LossKind::kMse},
                                           Case{"mlp:2-4-4-1", Activation::kRelu, LossKind::kBce}));

TEST(EnsemblePlan, RowAndNetworkBytesCountEveryBuffer) {
  Model m = parse_model("mlp:784-16-16-10");
  TrainParams p;
  p.batch = 32;
  const NetSpec s = net_spec(m, p);
  // gathered input 784, z 16 + 16 + 10, a 16 + 16, delta and back 16 each.
  EXPECT_EQ(row_bytes(s, true, 4), (784u + 42u + 32u + 32u) * 4u + 4u);
  EXPECT_EQ(row_bytes(s, false, 8), (42u + 32u + 32u) * 8u + 4u);
  // 13,002 weights: w, g and two moments; the order of 60,000 rows; 100 probe rows x 10.
  EXPECT_EQ(s.params, 13002);
  EXPECT_EQ(network_bytes(s, 60000, 100, 4), 4u * 13002u * 4u + 60000u * 4u + 1000u * 4u + 64u);
  p.batch = 0;
  EXPECT_EQ(network_bytes(net_spec(m, p), 60000, 100, 4), 4u * 13002u * 4u + 1000u * 4u + 64u);
}

TEST(EnsemblePlan, FitsTheBudgetWithAtLeastOneNetworkAndRow) {
  const std::size_t budget = std::size_t{1} << 30;
  const EnsemblePlan a = plan_ensemble(1024, 60000, 250000, 3600, budget);
  EXPECT_EQ(a.networks, 1024);  // 1024 x 250 kB is a quarter of the budget
  EXPECT_LE(static_cast<std::size_t>(a.networks) * 250000, budget / 2);
  EXPECT_LE(static_cast<std::size_t>(a.networks * a.tile_rows) * 3600, budget / 2);
  EXPECT_GT(static_cast<std::size_t>(a.networks * (a.tile_rows + 1)) * 3600, budget / 2);
  const EnsemblePlan b = plan_ensemble(100, 50, 1000, 10, budget);  // everything fits
  EXPECT_EQ(b.networks, 100);
  EXPECT_EQ(b.tile_rows, 50);
  const EnsemblePlan c = plan_ensemble(1000, 1000, std::size_t{1} << 40, std::size_t{1} << 40, budget);
  EXPECT_EQ(c.networks, 1);
  EXPECT_EQ(c.tile_rows, 1);
  const EnsemblePlan d = plan_ensemble(4096, 1000, std::size_t{1} << 20, 100, budget);  // 512 MiB / 1 MiB
  EXPECT_EQ(d.networks, 512);
}

TEST(EnsemblePlan, ChunkOrdersAreEachRunsBatchOrder) {
  TrainParams p;
  p.seed = 11;
  const std::int64_t rows = 37, first = 5, count = 4;
  std::vector<std::int32_t> o(static_cast<std::size_t>(count * rows));
  chunk_orders(p, first, count, 2, rows, o.data());
  for (std::int64_t k = 0; k < count; ++k) {
    const std::vector<std::int64_t> want = batch_order(11, first + k, 2, rows);
    for (std::int64_t r = 0; r < rows; ++r) ASSERT_EQ(o[static_cast<std::size_t>(k * rows + r)], want[static_cast<std::size_t>(r)]);
  }
  // A basin map of initialisations: every cell takes run order_run's order.
  p.order_run = 0;
  chunk_orders(p, first, count, 1, rows, o.data());
  const std::vector<std::int64_t> zero = batch_order(11, 0, 1, rows);
  for (std::int64_t k = 0; k < count; ++k)
    for (std::int64_t r = 0; r < rows; ++r) ASSERT_EQ(o[static_cast<std::size_t>(k * rows + r)], zero[static_cast<std::size_t>(r)]);
}

// The ensemble's stopping rules, case by case as train_one applies them.
TEST(EnsemblePlan, VerdictsFollowTheTrainingRules) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  EXPECT_EQ(full_batch_verdict(0.5, 0.2, 1e-3, 10, 100), kRunning);
  EXPECT_EQ(full_batch_verdict(0.5, 1e-3, 1e-3, 10, 100), 0);  // converged at the tolerance itself
  EXPECT_EQ(full_batch_verdict(0.5, 0.2, 1e-3, 100, 100), 1);  // the last step: max-steps
  EXPECT_EQ(full_batch_verdict(0.5, 1e-4, 1e-3, 100, 100), 0);  // converged on the last step
  EXPECT_EQ(full_batch_verdict(nan, 0.2, 1e-3, 3, 100), 2);
  EXPECT_EQ(full_batch_verdict(0.5, inf, 1e-3, 3, 100), 2);
  EXPECT_EQ(full_batch_verdict(inf, 0.0, 1e-3, 100, 100), 2);  // diverged before converged or max-steps
  EXPECT_EQ(full_batch_verdict(0.5, 0.0, 0.0, 0, 0), 0);
  EXPECT_EQ(final_verdict(1e-5, 1e-4), 0);
  EXPECT_EQ(final_verdict(0.3, 1e-4), 1);
  EXPECT_EQ(final_verdict(nan, 1e-4), 1);  // the end of a mini-batch training is never diverged
  // The mean with the L2 term, and without it even where |w|^2 overflowed.
  EXPECT_DOUBLE_EQ(mean_loss(6.0, 4, 0.1, 2.0), 1.5 + 0.1);
  EXPECT_DOUBLE_EQ(mean_loss(6.0, 4, 0.0, inf), 1.5);
  EXPECT_EQ(mean_loss(6.0, 0, 0.0, 0.0), 0.0);
}

// One row's loss and its gradient against the closed forms, and the
// gradient against central differences of the row's loss.
TEST(Elementwise, RowLossMatchesClosedFormsAndItsGradient) {
  const double z[3] = {0.3, -1.2, 2.1};
  const std::int64_t n = 4;
  for (LossKind kind : {LossKind::kXent, LossKind::kBce, LossKind::kMse}) {
    const int K = kind == LossKind::kBce ? 1 : 3;
    const float y = kind == LossKind::kBce ? 1.0f : 2.0f;
    double sum = 0, delta[3];
    row_loss(kind, z, K, y, n, delta, sum);
    double want = 0;
    if (kind == LossKind::kXent) want = std::log(std::exp(0.3) + std::exp(-1.2) + std::exp(2.1)) - 2.1;
    if (kind == LossKind::kBce) want = std::log(1 + std::exp(0.3)) - 0.3;
    if (kind == LossKind::kMse) want = 0.3 * 0.3 + 1.2 * 1.2 + (2.1 - 1) * (2.1 - 1);
    EXPECT_NEAR(sum, want, 1e-14) << loss_name(kind);
    for (int k = 0; k < K; ++k) {
      double zp[3] = {z[0], z[1], z[2]}, zm[3] = {z[0], z[1], z[2]};
      const double h = 1e-6;
      zp[k] += h, zm[k] -= h;
      double sp = 0, sm = 0;
      row_loss<double>(kind, zp, K, y, n, nullptr, sp);
      row_loss<double>(kind, zm, K, y, n, nullptr, sm);
      const double per_output = kind == LossKind::kMse ? K : 1;  // mse's mean runs over the outputs too
      EXPECT_NEAR(delta[k], (sp - sm) / (2 * h) / (static_cast<double>(n) * per_output), 1e-8) << loss_name(kind) << " " << k;
    }
  }
}

}  // namespace
