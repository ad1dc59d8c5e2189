// evaluate() of 2-16-16-1 (bce) with a given hidden activation, float32 and float64, on a fixed batch of 32
// rows: thread CPU time per call, median of 7. Build against a build's library:
//   g++ -O3 -march=native -fopenmp -DEIGEN_MAX_ALIGN_BYTES=64 -DEIGEN_DONT_PARALLELIZE -Isrc -I/usr/include/eigen3 \
//     THIS build/libtrilobite.a -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lz
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>
#include "nn/model.hpp"
using namespace trilo::nn;
static double cpu() { timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
template <class T> void run(const char* model, const char* act, const char* loss, int B, long iters) {
  Model m = parse_model(model);
  m.activation = parse_activation(act);
  m.loss = parse_loss(loss);
  std::vector<double> wd(m.params());
  init_weights(m, InitKind::kTorch, 1, 0, wd.data());
  std::vector<T> w(wd.begin(), wd.end()), g(m.params());
  const int F = m.inputs();
  std::vector<T> x(std::size_t(B) * F);
  std::vector<float> y(B);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = T(((i * 2654435761u) % 1000) / 500.0 - 1.0);
  for (int i = 0; i < B; ++i) y[i] = m.outputs() == 1 ? float(i % 2) : float(i % m.outputs());
  Batch<T> b{x.data(), y.data(), B};
  Workspace<T> ws;
  double flop = 0;
  for (int l = 0; l < m.layers(); ++l) flop += 2.0 * m.widths[l] * m.widths[l + 1] * (l == 0 ? 2 : 3);
  std::vector<double> ts;
  double chk = 0;
  for (int rep = 0; rep < 7; ++rep) {
    const double t0 = cpu();
    for (long it = 0; it < iters; ++it) { Eval e = evaluate(m, w.data(), b, g.data(), ws); chk += e.loss; w[it % 7] -= T(1e-9) * g[it % 11]; }
    ts.push_back((cpu() - t0) / iters);
  }
  std::sort(ts.begin(), ts.end());
  const double t = ts[3];
  std::printf("%s %s %s f%d B=%d: %.1f ns/eval  %.1f Gflop/s  (chk %g)\n", model, act, loss, int(8 * sizeof(T)), B, t * 1e9, flop * B / t * 1e-9, chk);
}
int main(int argc, char** argv) {
  if (argc > 2) { run<float>("mlp:2-16-16-1", argv[1], "bce", 32, 2000000); return 0; }
  const std::string act = argc > 1 ? argv[1] : "tanh";
  run<float>("mlp:2-16-16-1", act.c_str(), "bce", 32, 200000);
  run<double>("mlp:2-16-16-1", act.c_str(), "bce", 32, 100000);
  run<float>("mlp:784-16-16-10", "sigmoid", "xent", 32, 20000);
}
