// Loss barriers between network minima: paths through weight space against
// plain float64 forward passes written here (tests/support/nn_replay.hpp),
// the zero barrier of a minimum to itself, the convex case, Bezier paths,
// and the eigenvalue density as `descend` stores it.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "nn/barriers.hpp"
#include "support/cli.hpp"
#include "support/h5_read.hpp"
#include "support/nn_replay.hpp"

namespace {

using namespace trilo;
using test::read_dataset;
using test::trilobite;
using test::unique;

// A dataset and its shape, read whole as doubles (empty when absent).
struct Read {
  std::vector<double> v;
  std::vector<hsize_t> dims;
};

Read read(const std::string& file, const std::string& name) {
  Read r;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // an absent group is an answer here, not an error
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(f, 0) << file;
  const std::string group = name.substr(0, name.rfind('/'));
  if (H5Lexists(f, group.c_str(), H5P_DEFAULT) <= 0 || H5Lexists(f, name.c_str(), H5P_DEFAULT) <= 0) {
    H5Fclose(f);
    return r;
  }
  r.v = read_dataset<double>(f, name, &r.dims);
  H5Fclose(f);
  return r;
}

// 48 rows of two features in eighths (exact in float32 and in the CSV) and a
// 0/1 label that no line separates.
struct Data {
  std::vector<double> x;
  std::vector<float> y;
  std::vector<std::int64_t> rows;
  std::string path;
};

Data write_data(const std::string& path) {
  Data d;
  d.path = path;
  std::ofstream out(path);
  out << "u,v,label\n" << std::fixed << std::setprecision(3);
  for (int i = 0; i < 48; ++i) {
    const double u = ((i * 37) % 41 - 20) / 8.0, v = ((i * 23) % 37 - 18) / 8.0;
    const float label = (u * v + std::sin(1.7 * i) > 0) ? 1.0f : 0.0f;
    out << u << "," << v << "," << static_cast<int>(label) << "\n";
    d.x.push_back(u);
    d.x.push_back(v);
    d.y.push_back(label);
    d.rows.push_back(i);
  }
  return d;
}

// The rows as the data set a job reads (the eighths are exact in float32).
nn::Dataset set_of(const Data& d) {
  nn::Dataset s;
  s.rows = static_cast<std::int64_t>(d.y.size());
  s.features = 2;
  s.x.assign(d.x.begin(), d.x.end());
  s.y = d.y;
  return s;
}

nn::Model tanh_bce(int hidden) {
  nn::Model m;
  m.widths = {2, hidden, 1};
  m.activation = nn::Activation::kTanh;
  m.loss = nn::LossKind::kBce;
  return m;
}

TEST(NnBarriers, APathFromAMinimumToItselfHasZeroBarrier) {
  const Data d = write_data(unique("d.csv"));
  const nn::Model m = tanh_bce(3);
  std::vector<double> a(static_cast<std::size_t>(m.params()));
  for (std::size_t k = 0; k < a.size(); ++k) a[k] = std::sin(0.7 * static_cast<double>(k) + 0.1);
  const nn::Dataset batch = set_of(d);
  const std::vector<double> ts = nn::path_points(17);
  for (const double* c : std::vector<const double*>{nullptr, a.data()}) {
    const std::vector<double> l = nn::path_losses(m, a.data(), a.data(), c, batch, ts);
    for (double v : l) EXPECT_EQ(v, l.front());
    EXPECT_EQ(nn::barrier_height(l), 0.0);
  }
}

TEST(NnBarriers, PathPointsIncludeBothEndsEvenlySpaced) {
  const std::vector<double> ts = nn::path_points(5);
  EXPECT_EQ(ts, (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
}

TEST(NnBarriers, ABezierWithItsControlAtTheMidpointIsTheStraightLine) {
  const Data d = write_data(unique("d.csv"));
  const nn::Model m = tanh_bce(4);
  const auto P = static_cast<std::size_t>(m.params());
  // b: a with its hidden units cycled (W1 rows, b1, W2 columns), the same
  // function at another point; between them the loss changes.
  std::vector<double> a(P), b(P), mid(P);
  for (std::size_t k = 0; k < P; ++k) a[k] = 2 * std::sin(0.7 * static_cast<double>(k) + 0.1);
  for (std::size_t h = 0; h < 4; ++h) {
    const std::size_t from = (h + 1) % 4;
    b[2 * h] = a[2 * from];
    b[2 * h + 1] = a[2 * from + 1];
    b[8 + h] = a[8 + from];
    b[12 + h] = a[12 + from];
  }
  b[16] = a[16];
  for (std::size_t k = 0; k < P; ++k) mid[k] = 0.5 * (a[k] + b[k]);
  const nn::Dataset batch = set_of(d);
  const std::vector<double> ts = nn::path_points(21);
  const std::vector<double> line = nn::path_losses(m, a.data(), b.data(), nullptr, batch, ts);
  const std::vector<double> bez = nn::path_losses(m, a.data(), b.data(), mid.data(), batch, ts);
  const test::Replay ref{2, 4};
  std::vector<double> g(P), w(P);
  for (std::size_t k = 0; k < ts.size(); ++k) {
    EXPECT_NEAR(bez[k], line[k], 1e-12 * std::abs(line[k])) << ts[k];
    for (std::size_t j = 0; j < P; ++j) w[j] = (1 - ts[k]) * a[j] + ts[k] * b[j];
    EXPECT_NEAR(line[k], ref.loss_grad(w, d.x, d.y, d.rows, g), 1e-12 * std::abs(line[k])) << ts[k];
  }
  EXPECT_EQ(line.front(), line.back());
  EXPECT_GT(std::abs(line[10] - line.front()), 0.01);
  EXPECT_NEAR(nn::barrier_height(bez), nn::barrier_height(line), 1e-12);
}

TEST(NnBarriers, StraightLineBarriersMatchAPlainForwardPassAtTheirHighestPoint) {
  const Data d = write_data(unique("d.csv"));
  const std::string f = unique("lines.h5");
  const test::Outcome o = trilobite("descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + d.path +
                                    " --starts 12 --steps 400 --lr 0.5 --precision f64 --function-tol 0.001 "
                                    "--hessian-top 0 --barrier-minima 4 --barrier-points 13 --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("loss barriers among the 4 most populous minima"), std::string::npos) << o.out;
  const Read w = read(f, "/minima/weights"), mat = read(f, "/minima/barriers"), t = read(f, "/barriers/t");
  const Read curve = read(f, "/barriers/line_loss"), ia = read(f, "/barriers/minimum_a"), ib = read(f, "/barriers/minimum_b");
  const Read count = read(f, "/minima/count");
  const std::size_t n = count.v.size(), P = 13;
  ASSERT_GE(n, 4u) << o.out;
  ASSERT_EQ(mat.dims, (std::vector<hsize_t>{n, n}));
  ASSERT_EQ(t.v.size(), 13u);
  ASSERT_EQ(ia.v.size(), 6u);  // the pairs of 4 minima
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(mat.v[i * n + i], 0.0) << i;
  const test::Replay ref{2, 3};
  std::vector<double> g(P), theta(P);
  for (std::size_t p = 0; p < ia.v.size(); ++p) {
    const auto i = static_cast<std::size_t>(ia.v[p]), j = static_cast<std::size_t>(ib.v[p]);
    ASSERT_LT(i, j);
    double top = -1e300;
    std::vector<double> losses;
    for (std::size_t k = 0; k < 13; ++k) {
      EXPECT_DOUBLE_EQ(t.v[k], static_cast<double>(k) / 12);
      for (std::size_t q = 0; q < P; ++q) theta[q] = (1 - t.v[k]) * w.v[i * P + q] + t.v[k] * w.v[j * P + q];
      const double l = ref.loss_grad(theta, d.x, d.y, d.rows, g);
      EXPECT_NEAR(curve.v[p * 13 + k], l, 1e-12 * l) << p << " " << k;
      losses.push_back(l);
      top = std::max(top, l);
    }
    const double expect = top - std::max(losses.front(), losses.back());
    EXPECT_NEAR(mat.v[i * n + j], expect, 1e-12 * top) << i << " " << j;
    EXPECT_EQ(mat.v[i * n + j], mat.v[j * n + i]);
  }
  // Minima beyond the 4 most populous are not examined.
  const std::vector<double> c = count.v;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      bool examined = i == j;
      for (std::size_t p = 0; p < ia.v.size(); ++p)
        examined = examined || (ia.v[p] == static_cast<double>(std::min(i, j)) && ib.v[p] == static_cast<double>(std::max(i, j)));
      EXPECT_EQ(std::isnan(mat.v[i * n + j]), !examined) << i << " " << j;
    }
}

TEST(NnBarriers, MinimaOfAConvexLossHaveNoBarrierBetweenThem) {
  // Logistic regression: the loss is convex in the weights, so no point of
  // a segment lies above both of its ends. Short trainings stop at distinct
  // points, each its own "minimum" under a tight tolerance.
  const Data d = write_data(unique("d.csv"));
  const std::string f = unique("convex.h5");
  const test::Outcome o = trilobite("descend --backend cpu --model mlp:2-1 --loss bce --data " + d.path +
                                    " --starts 6 --steps 20 --lr 0.2 --precision f64 --function-tol 1e-6 "
                                    "--barrier-minima 6 --barrier-points 41 -q --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  const Read mat = read(f, "/minima/barriers");
  const std::size_t n = read(f, "/minima/count").v.size();
  ASSERT_GE(n, 2u);
  int pairs = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (i != j && !std::isnan(mat.v[i * n + j])) {
        EXPECT_LE(mat.v[i * n + j], 1e-12) << i << " " << j;
        ++pairs;
      }
  EXPECT_EQ(pairs, static_cast<int>(n * (n - 1)));
}

TEST(NnBarriers, TrainedBezierPathsLowerTheMeanLossAndAreStoredWithTheirControlPoints) {
  const Data d = write_data(unique("d.csv"));
  const std::string a = unique("a.h5"), b = unique("b.h5");
  const std::string common = "descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + d.path +
                             " --starts 12 --steps 400 --lr 0.5 --precision f64 --function-tol 0.001 --hessian-top 0 "
                             "--barrier-minima 3 --barrier-points 21 --bezier-steps 300 --force";
  const test::Outcome o = trilobite(common + " --threads 2 -o " + a);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("line / Bezier"), std::string::npos) << o.out;
  ASSERT_EQ(trilobite(common + " --threads 1 -q -o " + b).status, 0);
  const Read w = read(a, "/minima/weights"), t = read(a, "/barriers/t"), ctrl = read(a, "/barriers/bezier_control");
  const Read line = read(a, "/barriers/line_loss"), bez = read(a, "/barriers/bezier_loss");
  const Read ia = read(a, "/barriers/minimum_a"), ib = read(a, "/barriers/minimum_b");
  const Read mat = read(a, "/minima/bezier_barriers");
  const std::size_t P = 13, pts = 21, n = read(a, "/minima/count").v.size();
  ASSERT_EQ(ia.v.size(), 3u);
  ASSERT_EQ(ctrl.dims, (std::vector<hsize_t>{3, P}));
  EXPECT_EQ(ctrl.v, read(b, "/barriers/bezier_control").v);  // the same for any thread count
  const test::Replay ref{2, 3};
  std::vector<double> g(P), theta(P);
  for (std::size_t p = 0; p < 3; ++p) {
    const auto i = static_cast<std::size_t>(ia.v[p]), j = static_cast<std::size_t>(ib.v[p]);
    double mean_line = 0, mean_bez = 0, top = -1e300;
    for (std::size_t k = 0; k < pts; ++k) {
      const double s = t.v[k];
      for (std::size_t q = 0; q < P; ++q)
        theta[q] = (1 - s) * (1 - s) * w.v[i * P + q] + 2 * s * (1 - s) * ctrl.v[p * P + q] + s * s * w.v[j * P + q];
      const double l = ref.loss_grad(theta, d.x, d.y, d.rows, g);
      EXPECT_NEAR(bez.v[p * pts + k], l, 1e-11 * l) << p << " " << k;
      mean_line += line.v[p * pts + k] / pts;
      mean_bez += l / pts;
      top = std::max(top, l);
    }
    EXPECT_EQ(bez.v[p * pts], line.v[p * pts]);  // the same ends
    EXPECT_EQ(bez.v[p * pts + pts - 1], line.v[p * pts + pts - 1]);
    EXPECT_LT(mean_bez, mean_line) << "pair " << p;
    const double ends = std::max(bez.v[p * pts], bez.v[p * pts + pts - 1]);
    EXPECT_NEAR(mat.v[i * n + j], top - ends, 1e-11 * top);
  }
  // `info` names the lowest and highest barrier of each matrix with its pair.
  const test::Outcome info = trilobite("info " + a);
  ASSERT_EQ(info.status, 0) << info.err;
  const Read straight = read(a, "/minima/barriers");
  for (const auto& [m, label] : {std::pair{&straight, "/minima/barriers  straight line: "},
                                 std::pair{&mat, "/minima/bezier_barriers  Bezier path: "}}) {
    std::size_t lo = 0, hi = 0, pairs = 0;
    for (std::size_t k = 0; k < n * n; ++k) {
      if (k / n >= k % n || std::isnan(m->v[k])) continue;
      if (pairs++ == 0 || m->v[k] < m->v[lo]) lo = k;
      if (pairs == 1 || m->v[k] > m->v[hi]) hi = k;
    }
    std::ostringstream want;
    want << label << pairs << " pairs (21 points), lowest " << std::setprecision(4) << m->v[lo] << " (#" << lo / n
         << "-#" << lo % n << "), highest " << m->v[hi] << " (#" << hi / n << "-#" << hi % n << ")";
    EXPECT_EQ(pairs, 3u);
    EXPECT_NE(info.out.find(want.str()), std::string::npos) << want.str() << "\n" << info.out;
  }
}

TEST(NnBarriers, DescendStoresTheEigenvalueDensityOnASharedGrid) {
  const Data d = write_data(unique("d.csv"));
  const std::string f = unique("density.h5");
  const test::Outcome o = trilobite("descend --backend cpu --model mlp:2-3-1 --activation tanh --loss bce --data " + d.path +
                                    " --starts 8 --steps 300 --lr 0.5 --precision f64 --function-tol 0.001 "
                                    "--hessian-minima 3 --hutchinson 2 --density 2 --density-steps 13 "
                                    "--density-bins 4001 --barrier-minima 0 --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("eigenvalue density (stochastic Lanczos quadrature, 2 probes x 13 steps"), std::string::npos)
      << o.out;
  const Read grid = read(f, "/minima/eigenvalue"), rho = read(f, "/minima/density");
  const Read nodes = read(f, "/minima/density_nodes"), weights = read(f, "/minima/density_weights");
  const Read trace = read(f, "/minima/hessian_trace"), top = read(f, "/minima/hessian_top");
  const std::size_t n = read(f, "/minima/count").v.size(), bins = 4001;
  ASSERT_EQ(grid.v.size(), bins);
  ASSERT_EQ(rho.dims, (std::vector<hsize_t>{n, bins}));
  ASSERT_EQ(nodes.dims, (std::vector<hsize_t>{n, 2, 13}));
  EXPECT_TRUE(read(f, "/barriers/t").v.empty());  // --barrier-minima 0
  int examined = 0;
  for (std::size_t c = 0; c < n; ++c) {
    if (std::isnan(rho.v[c * bins])) {
      EXPECT_TRUE(std::isnan(trace.v[c])) << c;  // the same minima as the other curvature
      continue;
    }
    ++examined;
    double integral = 0, mean = 0;
    for (std::size_t i = 1; i < bins; ++i)
      integral += 0.5 * (rho.v[c * bins + i] + rho.v[c * bins + i - 1]) * (grid.v[i] - grid.v[i - 1]);
    EXPECT_NEAR(integral, 1.0, 1e-3) << c;
    double hi = -1e300;
    for (std::size_t k = 0; k < 26; ++k)
      if (weights.v[c * 26 + k] > 0) {
        mean += weights.v[c * 26 + k] * nodes.v[c * 26 + k] / 2;
        hi = std::max(hi, nodes.v[c * 26 + k]);
      }
    // Probe s is Hutchinson's sample s, so the density's mean is the trace estimate over P.
    EXPECT_NEAR(mean, trace.v[c] / 13, 1e-9 * (1 + std::abs(mean))) << c;
    EXPECT_NEAR(hi, top.v[c], 1e-6 * std::abs(top.v[c])) << c;  // 13 steps span the space: exact
    EXPECT_GE(grid.v.back(), hi);
  }
  EXPECT_EQ(examined, static_cast<int>(std::min<std::size_t>(n, 3)));
  // `info` says how many minima the density covers, how, and its eigenvalue range.
  double lo = 1e300, hi = -1e300;
  for (double v : nodes.v)
    if (!std::isnan(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  const test::Outcome info = trilobite("info " + f);
  ASSERT_EQ(info.status, 0) << info.err;
  const std::string head = "/minima/density  eigenvalue density at " + std::to_string(examined) + " of " +
                           std::to_string(n) + " minima (SLQ, 2 probes x 13 steps, sigma ";
  const auto at = info.out.find(head);
  ASSERT_NE(at, std::string::npos) << info.out;
  std::ostringstream range;
  range << "), eigenvalues " << std::setprecision(4) << lo << " .. " << hi << "\n";
  EXPECT_NE(info.out.find(range.str(), at), std::string::npos) << range.str() << info.out;
  EXPECT_EQ(info.out.find("/minima/barriers"), std::string::npos) << info.out;  // --barrier-minima 0
}

}  // namespace
