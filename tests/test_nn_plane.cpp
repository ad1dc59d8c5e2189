// `trilobite grid --model ...`: planes and lines through a network's weight
// space. The stored maps are recomputed here from the stored center and
// directions by a plain float64 forward pass written in this file; the
// filter normalisation is checked row by row; the PCA directions against an
// eigendecomposition of the trajectory's Gram matrix done here; the barrier
// of a line from its stored losses and a float64 evaluation of its ends.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/h5_read.hpp"

namespace {

using namespace trilo::test;

// Whole datasets and attributes of a result file, as float64.
struct File {
  hid_t id;
  explicit File(const std::string& path) : id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {
    EXPECT_GE(id, 0) << path;
  }
  ~File() { H5Fclose(id); }
  std::vector<double> read(const std::string& name) const { return read_dataset<double>(id, name); }
  std::vector<double> attr(const std::string& object, const std::string& name) const {
    const hid_t a = H5Aopen_by_name(id, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(a, 0) << object << " " << name;
    const hid_t s = H5Aget_space(a);
    std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)));
    H5Aread(a, H5T_NATIVE_DOUBLE, v.data());
    H5Sclose(s);
    H5Aclose(a);
    return v;
  }
};

// Rows of two features and a class label, with few digits so the float32
// the loader keeps is known here.
struct Data {
  std::vector<double> x;
  std::vector<int> y;
};

Data write_csv(const std::string& path, int rows, int classes, int salt) {
  Data d;
  std::ofstream out(path);
  out << "a,b,label\n";
  for (int i = 0; i < rows; ++i) {
    const int k = i % classes;
    const double a = std::lround((std::sin(0.9 * i + salt) + k) * 1000) / 1000.0;
    const double b = std::lround((std::cos(1.7 * i + 2 * salt) - 0.5 * k) * 1000) / 1000.0;
    out << a << "," << b << "," << k << "\n";
    d.x.push_back(static_cast<double>(static_cast<float>(a)));
    d.x.push_back(static_cast<double>(static_cast<float>(b)));
    d.y.push_back(k);
  }
  return d;
}

// The network's mean loss (plus decay/2 |w|^2) and accuracy, float64, loops.
struct Net {
  std::vector<int> widths;
  bool tanh_act = false;  // else sigmoid
  bool bce = false;       // else softmax cross-entropy
  double decay = 0;

  void eval(const std::vector<double>& w, const Data& d, double& loss, double& acc) const {
    const std::size_t n = d.y.size();
    double sum = 0;
    int right = 0;
    for (std::size_t r = 0; r < n; ++r) {
      std::vector<double> a = {d.x[2 * r], d.x[2 * r + 1]};
      std::size_t at = 0;
      for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
        const int in = widths[l], out = widths[l + 1];
        std::vector<double> z(static_cast<std::size_t>(out));
        for (int i = 0; i < out; ++i) {
          double s = w[at + static_cast<std::size_t>(in * out + i)];
          for (int j = 0; j < in; ++j) s += w[at + static_cast<std::size_t>(i * in + j)] * a[static_cast<std::size_t>(j)];
          const bool hidden = l + 2 < widths.size();
          z[static_cast<std::size_t>(i)] = !hidden ? s : tanh_act ? std::tanh(s) : 1 / (1 + std::exp(-s));
        }
        at += static_cast<std::size_t>(in * out + out);
        a = z;
      }
      const int y = d.y[r];
      if (bce) {
        const double v = a[0];
        sum += std::max(v, 0.0) - y * v + std::log1p(std::exp(-std::abs(v)));
        right += (v > 0 ? 1 : 0) == y;
      } else {
        const double mx = *std::max_element(a.begin(), a.end());
        double se = 0;
        for (double v : a) se += std::exp(v - mx);
        sum += mx + std::log(se) - a[static_cast<std::size_t>(y)];
        right += std::max_element(a.begin(), a.end()) - a.begin() == y;
      }
    }
    double sq = 0;
    for (double v : w) sq += v * v;
    loss = sum / static_cast<double>(n) + 0.5 * decay * sq;
    acc = static_cast<double>(right) / static_cast<double>(n);
  }
};

// Every stored node of the plane against the float64 forward pass at
// center + alpha d1 + beta d2 from the stored vectors.
void expect_maps_recomputed(const std::string& file, const Net& net, const Data& train, const Data* test, double rel) {
  const File f(file);
  const std::vector<double> c = f.read("/plane/center"), d = f.read("/plane/directions");
  const std::vector<double> alpha = f.read("/plane/alpha"), beta = f.read("/plane/beta");
  const std::vector<double> loss = f.read("/plane/loss"), acc = f.read("/plane/accuracy");
  std::vector<double> test_loss, test_acc;
  if (test) test_loss = f.read("/plane/test_loss"), test_acc = f.read("/plane/test_accuracy");
  const std::size_t P = c.size(), n0 = alpha.size(), n1 = beta.size();
  ASSERT_EQ(d.size(), 2 * P);
  ASSERT_EQ(loss.size(), n0 * n1);
  int checked = 0;
  for (std::size_t i1 = 0; i1 < n1; i1 += 3)
    for (std::size_t i0 = 0; i0 < n0; i0 += 2) {
      std::vector<double> w(P);
      for (std::size_t j = 0; j < P; ++j) w[j] = c[j] + alpha[i0] * d[j] + beta[i1] * d[P + j];
      double l = 0, a = 0;
      net.eval(w, train, l, a);
      const std::size_t cell = i1 * n0 + i0;
      EXPECT_NEAR(loss[cell], l, rel * std::max(1.0, std::abs(l))) << "alpha " << alpha[i0] << " beta " << beta[i1];
      EXPECT_NEAR(acc[cell], a, rel > 1e-9 ? 1.5 / static_cast<double>(train.y.size()) : 1e-12);
      if (test) {
        net.eval(w, *test, l, a);
        EXPECT_NEAR(test_loss[cell], l, rel * std::max(1.0, std::abs(l)));
        EXPECT_NEAR(test_acc[cell], a, rel > 1e-9 ? 1.5 / static_cast<double>(test->y.size()) : 1e-12);
      }
      ++checked;
    }
  EXPECT_GT(checked, 10);
}

TEST(NnPlane, PlaneValuesMatchAFloat64ForwardPassFromTheStoredVectors) {
  const Data train = write_csv(unique("train.csv"), 60, 3, 0), test = write_csv(unique("test.csv"), 30, 3, 5);
  // The center from a text file of weights, written here.
  const Net net{{2, 5, 4, 3}, false, false, 0.01};
  std::ofstream w(unique("w.txt"));
  for (int j = 0; j < 2 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3; ++j) w << std::sin(1.3 * j) << (j % 5 == 4 ? "\n" : ", ");
  w.close();
  const std::string common = "--model mlp:2-5-4-3 --activation sigmoid --loss xent --weight-decay 0.01 --data " +
                             unique("train.csv") + " --test-data " + unique("test.csv") + " --grid-res 13 --box -2:2,-1:1.5 ";
  const std::string f64 = unique("p64.h5"), f32 = unique("p32.h5");
  Outcome o = trilobite("grid " + common + "--center " + unique("w.txt") + " --precision f64 -q --force -o " + f64);
  ASSERT_EQ(o.status, 0) << o.err;
  expect_maps_recomputed(f64, net, train, &test, 1e-11);
  o = trilobite("grid " + common + "--center " + unique("w.txt") + " --directions random --seed 5 -q --force -o " + f32);
  ASSERT_EQ(o.status, 0) << o.err;
  expect_maps_recomputed(f32, net, train, &test, 2e-5);
}

TEST(NnPlane, ANetworkWithoutHiddenLayersCentredOnAnotherFilesCenter) {
  const Data train = write_csv(unique("train.csv"), 50, 2, 1);
  const std::string m = "--model mlp:2-1 --loss bce --data " + unique("train.csv") + " --precision f64 ";
  const std::string first = unique("first.h5"), second = unique("second.h5");
  std::ofstream(unique("w.txt")) << "0.5\n-1.25\n0.125\n";
  Outcome o = trilobite("grid " + m + "--center " + unique("w.txt") + " -q --force -o " + first);
  ASSERT_EQ(o.status, 0) << o.err;
  o = trilobite("grid " + m + "--center " + first + ":/plane/center --directions random --grid-res 9 -q --force -o " + second);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(File(second).read("/plane/center"), (std::vector<double>{0.5, -1.25, 0.125}));
  expect_maps_recomputed(second, Net{{2, 1}, false, true, 0}, train, nullptr, 1e-11);
}

// A trained network file: two tanh bce trainings on `train`, the first traced with its weights.
std::string trained(const std::string& csv, const std::string& name) {
  const std::string f = unique(name);
  const Outcome o = trilobite("descend --backend cpu --model mlp:2-4-1 --activation tanh --loss bce --data " + csv +
                              " --starts 2 --steps 300 --lr 0.5 --precision f64 --hessian-top 0 --trace 0 --trace-every 10"
                              " --trace-weights -q --force -o " + f);
  EXPECT_EQ(o.status, 0) << o.err;
  return f;
}

TEST(NnPlane, FilterDirectionsHaveTheCentersRowNormsRowByRow) {
  write_csv(unique("train.csv"), 40, 2, 2);
  const std::string t = trained(unique("train.csv"), "t.h5");
  const std::string m = "--model mlp:2-4-1 --activation tanh --loss bce --data " + unique("train.csv") + " --center " + t + ":1 ";
  for (const bool keep_bias : {false, true}) {
    const std::string p = unique(keep_bias ? "pb.h5" : "p.h5");
    const Outcome o = trilobite("grid " + m + (keep_bias ? "--filter-bias " : "") + "--grid-res 5 -q --force -o " + p);
    ASSERT_EQ(o.status, 0) << o.err;
    const File f(p);
    const std::vector<double> c = f.read("/plane/center"), d = f.read("/plane/directions");
    const std::vector<double> ends = File(t).read("/descents/end");
    EXPECT_EQ(c, std::vector<double>(ends.begin() + 17, ends.end()));
    const int widths[] = {2, 4, 1};
    for (int k = 0; k < 2; ++k) {
      std::size_t at = 0;
      for (int l = 0; l < 2; ++l) {
        const int in = widths[l], out = widths[l + 1];
        for (int i = 0; i < out; ++i) {
          double dn = 0, cn = 0;
          for (int j = 0; j < in; ++j) {
            const std::size_t e = at + static_cast<std::size_t>(i * in + j);
            dn += d[17 * k + e] * d[17 * k + e];
            cn += c[e] * c[e];
          }
          EXPECT_NEAR(std::sqrt(dn), std::sqrt(cn), 1e-12 * std::sqrt(cn)) << "direction " << k << " layer " << l << " row " << i;
        }
        for (int i = 0; i < out; ++i) {
          const std::size_t b = at + static_cast<std::size_t>(in * out + i);
          EXPECT_EQ(d[17 * k + b], keep_bias ? c[b] : 0.0);
        }
        at += static_cast<std::size_t>(in * out + out);
      }
    }
    // Two different Gaussian draws, not one direction twice.
    EXPECT_NE(std::vector<double>(d.begin(), d.begin() + 17), std::vector<double>(d.begin() + 17, d.end()));
  }
}

TEST(NnPlane, PcaDirectionsAreThePrincipalAxesOfTheRecordedTrajectory) {
  write_csv(unique("train.csv"), 40, 2, 3);
  const std::string t = trained(unique("train.csv"), "t.h5"), p = unique("p.h5");
  const Outcome o = trilobite("grid --model mlp:2-4-1 --activation tanh --loss bce --data " + unique("train.csv") +
                              " --directions pca --trajectory " + t + ":0 --grid-res 7 -q --force -o " + p);
  ASSERT_EQ(o.status, 0) << o.err;
  const File tf(t), pf(p);
  const std::vector<double> pos = tf.read("/trajectories/position"), len = tf.read("/trajectories/length");
  const auto n = static_cast<Eigen::Index>(len[0]);
  const Eigen::Index P = 17;
  ASSERT_GE(n, 3);
  Eigen::MatrixXd a(n, P);
  for (Eigen::Index r = 0; r < n; ++r)
    for (Eigen::Index j = 0; j < P; ++j) a(r, j) = pos[static_cast<std::size_t>(r * P + j)];
  const Eigen::VectorXd last = a.row(n - 1).transpose();
  a.rowwise() -= a.colwise().mean();
  // Principal axes from the n x n Gram matrix: v = A^T u / |A^T u|.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(a * a.transpose());
  const std::vector<double> d = pf.read("/plane/directions"), c = pf.read("/plane/center");
  const std::vector<double> pa = pf.read("/plane/path_alpha"), pb = pf.read("/plane/path_beta");
  for (int k = 0; k < 2; ++k) {
    Eigen::VectorXd v = a.transpose() * eig.eigenvectors().col(n - 1 - k);
    v.normalize();
    double dot = 0, norm = 0;
    for (Eigen::Index j = 0; j < P; ++j) dot += v(j) * d[static_cast<std::size_t>(k * P + j)], norm += d[static_cast<std::size_t>(k * P + j)] * d[static_cast<std::size_t>(k * P + j)];
    EXPECT_NEAR(std::abs(dot), 1.0, 1e-9) << "direction " << k;
    EXPECT_NEAR(norm, 1.0, 1e-12);
  }
  // Centered on the last record; the path is the records projected.
  for (Eigen::Index j = 0; j < P; ++j) EXPECT_EQ(c[static_cast<std::size_t>(j)], last(j));
  ASSERT_EQ(pa.size(), static_cast<std::size_t>(n));
  for (Eigen::Index r = 0; r < n; ++r) {
    double x = 0, y = 0;
    for (Eigen::Index j = 0; j < P; ++j) {
      const double diff = pos[static_cast<std::size_t>(r * P + j)] - last(j);
      x += diff * d[static_cast<std::size_t>(j)];
      y += diff * d[static_cast<std::size_t>(P + j)];
    }
    EXPECT_NEAR(pa[static_cast<std::size_t>(r)], x, 1e-9);
    EXPECT_NEAR(pb[static_cast<std::size_t>(r)], y, 1e-9);
  }
}

TEST(NnPlane, TheBarrierBetweenAMinimumAndItselfIsZero) {
  write_csv(unique("train.csv"), 40, 2, 4);
  const std::string t = trained(unique("train.csv"), "t.h5"), p = unique("p.h5");
  for (const char* precision : {"f32", "f64"}) {
    const Outcome o = trilobite("grid --model mlp:2-4-1 --activation tanh --loss bce --data " + unique("train.csv") +
                                " --directions through --through " + t + ":1," + t + ":1 --precision " + precision +
                                " -q --force -o " + p);
    ASSERT_EQ(o.status, 0) << o.err;
    const File f(p);
    EXPECT_EQ(f.attr("/plane", "barrier")[0], 0.0) << precision;
    const std::vector<double> loss = f.read("/plane/loss");
    EXPECT_EQ(*std::min_element(loss.begin(), loss.end()), *std::max_element(loss.begin(), loss.end()));
  }
}

TEST(NnPlane, TheBarrierIsTheLinesPeakAboveTheHigherEnd) {
  const Data train = write_csv(unique("train.csv"), 40, 2, 6);
  const std::string t = trained(unique("train.csv"), "t.h5"), p = unique("p.h5");
  const Outcome o = trilobite("grid --model mlp:2-4-1 --activation tanh --loss bce --data " + unique("train.csv") +
                              " --directions through --through " + t + ":0," + t + ":1 --box -0.5:1.5 --grid-res 41"
                              " --precision f64 -q --force -o " + p);
  ASSERT_EQ(o.status, 0) << o.err;
  const File f(p), tf(t);
  const std::vector<double> end = tf.read("/descents/end");
  const Net net{{2, 4, 1}, true, true, 0};
  double l0 = 0, l1 = 0, acc = 0;
  net.eval(std::vector<double>(end.begin(), end.begin() + 17), train, l0, acc);
  net.eval(std::vector<double>(end.begin() + 17, end.end()), train, l1, acc);
  const std::vector<double> ends = f.attr("/plane", "end_loss");
  EXPECT_NEAR(ends[0], l0, 1e-12);
  EXPECT_NEAR(ends[1], l1, 1e-12);
  const std::vector<double> alpha = f.read("/plane/alpha"), loss = f.read("/plane/loss");
  double peak = std::max(l0, l1);
  for (std::size_t i = 0; i < alpha.size(); ++i)
    if (alpha[i] >= 0 && alpha[i] <= 1) peak = std::max(peak, loss[i]);
  EXPECT_NEAR(f.attr("/plane", "barrier")[0], peak - std::max(l0, l1), 1e-12);
  EXPECT_GE(f.attr("/plane", "barrier")[0], 0.0);
}

}  // namespace

namespace {

TEST(NnPlane, RenderDrawsAPlanesTwoMapsAndALinesBarrier) {
  write_csv(unique("train.csv"), 40, 2, 7);
  const std::string t = trained(unique("train.csv"), "t.h5");
  const std::string m = "--model mlp:2-4-1 --activation tanh --loss bce --data " + unique("train.csv");
  const std::string plane = unique("plane.h5"), line = unique("line.h5");
  ASSERT_EQ(trilobite("grid " + m + " --center " + t + ":0 --grid-res 21 -q --force -o " + plane).status, 0);
  ASSERT_EQ(trilobite("grid " + m + " --directions through --through " + t + ":0," + t + ":1 -q --force -o " + line).status, 0);
  Outcome o = trilobite("render " + plane + " --force -o " + unique("plane.png"));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("loss + accuracy"), std::string::npos) << o.out;
  EXPECT_EQ(slurp(unique("plane.png")).substr(1, 3), "PNG");
  o = trilobite("render " + line + " --force -o " + unique("line.png"));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("line"), std::string::npos) << o.out;
  o = trilobite("render " + plane + " --panel basins --force -o " + unique("basins.png"));
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_FALSE(exists(unique("basins.png")));
  // `info` summarises the plane instead of refusing a network file without trainings.
  o = trilobite("info " + line);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("barrier"), std::string::npos) << o.out;
}

}  // namespace
