// Eigen against the dense kernels (src/nn/dense_kernels.cpp) for the products of
// a training step: forward x W^T + b, handed down d W, weight gradient d^T x;
// one thread, thread CPU time, median of 7; the last columns check that both agree.
// Build: g++ -O3 -march=native -DEIGEN_DONT_PARALLELIZE -DEIGEN_MAX_ALIGN_BYTES=64 -Isrc
//   -I/usr/include/eigen3 THIS src/nn/dense_kernels.cpp
#include <time.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>
#include <Eigen/Dense>
#include "nn/dense_kernels.hpp"
using namespace trilo::nn;
template <class T> using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
static double cpu() { timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
template <class T> void run(int B, int F, int H, const char* name) {
  Mat<T> x(B, F), W(H, F), d(B, H), z(B, H), z2(B, H), gW(H, F), gW2(H, F);
  std::vector<T> b(H);
  for (int i = 0; i < x.size(); ++i) x.data()[i] = T((i * 2654435761u) % 256) / T(255);
  for (int i = 0; i < W.size(); ++i) W.data()[i] = T(((i * 40503u) % 1000) / 1000.0 - 0.5) * T(0.07);
  for (int i = 0; i < d.size(); ++i) d.data()[i] = T(((i * 7919u) % 1000) / 1000.0 - 0.5) * T(0.01);
  for (int j = 0; j < H; ++j) b[j] = T(0.01 * j);
  Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> bias(b.data(), H);
  const int reps = std::max(1, 4000000 / (B * F * H / 16));
  auto time = [&](auto f) { std::vector<double> t; for (int r = 0; r < 7; ++r) { double t0 = cpu(); for (int k = 0; k < reps; ++k) f(); t.push_back(cpu() - t0); } std::sort(t.begin(), t.end()); return t[3] / reps; };
  double fe = time([&] { z.noalias() = x * W.transpose(); z.rowwise() += bias; });
  double fk = time([&] { dense_forward(x.data(), B, F, W.data(), b.data(), H, z2.data()); });
  Mat<T> bk(B, F), bk2(B, F);
  double be = time([&] { bk.noalias() = d * W; });
  double bkk = time([&] { dense_backward(d.data(), B, H, W.data(), F, bk2.data()); });
  double ge = time([&] { gW.noalias() = d.transpose() * x; });
  double gk = time([&] { dense_weight_grad(d.data(), x.data(), B, F, H, gW2.data()); });
  const double fl = 2.0 * B * F * H;
  printf("%-6s B=%4d F=%4d H=%3d  fwd eigen %6.1f kern %6.1f Gflop/s (%.2fx)  back eigen %6.1f kern %6.1f (%.2fx) grad eigen %6.1f kern %6.1f (%.2fx)  maxdiff fwd %.2e grad %.2e back %.2e\n",
         name, B, F, H, fl / fe * 1e-9, fl / fk * 1e-9, fe / fk, fl / be * 1e-9, fl / bkk * 1e-9, be / bkk, fl / ge * 1e-9, fl / gk * 1e-9, ge / gk,
         double((z - z2).cwiseAbs().maxCoeff()), double((gW - gW2).cwiseAbs().maxCoeff()), double((bk - bk2).cwiseAbs().maxCoeff()));
}
int main() {
  for (int B : {32, 128, 33}) { run<float>(B, 784, 16, "float"); run<double>(B, 784, 16, "double"); }
  run<float>(60000, 784, 16, "float"); run<double>(60000, 784, 16, "double");
  run<float>(32, 16, 16, "float"); run<float>(32, 2, 16, "float"); run<float>(32, 16, 1, "float"); run<float>(128, 16, 16, "float"); run<double>(32, 16, 16, "double"); run<float>(32, 48, 32, "float"); run<float>(32, 784, 10, "float"); run<float>(32, 100, 50, "float");
}
