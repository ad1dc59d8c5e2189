// One epoch of mini-batch steps of the 784-16-16-10 network (sigmoid, xent,
// float32, batch 32) on a synthetic 60,000-row set of bytes / 255 (the shape
// and values of Fashion-MNIST), one thread, thread CPU time, median of 5:
// the step's evaluate() after each way of gathering its rows.
//   none: no gather (the same rows every step: evaluate alone)
//   float: rows copied from the float32 set;   float+pf: and the next batch prefetched
//   codes: rows decoded from the byte codes;   codes+pf: and the next batch prefetched
//   table / table+pf: the same through a palette (values q / 254.5, which no divisor fits)
// Build: g++ -O3 -march=native -fopenmp -DEIGEN_MAX_ALIGN_BYTES=64 -DEIGEN_DONT_PARALLELIZE
//   -Isrc -I/usr/include/eigen3 THIS build/libtrilobite.a -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lz
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "nn/data_view.hpp"
#include "nn/model.hpp"
#include "nn/train.hpp"

using namespace trilo::nn;
static double cpu() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "float";
  const int B = 32, N = 60000, F = 784;
  Model m = parse_model("mlp:784-16-16-10");
  m.activation = parse_activation("sigmoid");
  m.loss = parse_loss("xent");
  std::vector<double> wd(m.params());
  init_weights(m, InitKind::kTorch, 1, 0, wd.data());
  std::vector<float> w(wd.begin(), wd.end()), g(m.params());
  const bool table = mode.compare(0, 5, "table") == 0;
  Dataset ds;
  ds.rows = N;
  ds.features = F;
  ds.x.resize(std::size_t(N) * F);
  for (std::size_t i = 0; i < ds.x.size(); ++i) ds.x[i] = float((i * 2654435761u) % 256) / (table ? 254.5f : 255.0f);
  for (int i = 0; i < N; ++i) ds.y.push_back(float(i % 10));
  const bool coded = mode != "float" && mode != "float+pf" && mode != "none";
  const bool pf = mode.find("+pf") != std::string::npos;
  const DataView<float> d = view_of<float>(ds, coded);
  const std::vector<std::int64_t> order = batch_order(1, 0, 0, N);
  std::vector<float> xb(std::size_t(B) * F), yb(B);
  gather_rows(d, order.data(), B, xb.data(), yb.data());
  Workspace<float> ws;
  std::vector<double> t;
  const int steps = N / B;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = cpu();
    for (int s = 0; s < steps; ++s) {
      const int first = s * B;
      if (mode != "none") gather_rows(d, order.data() + first, B, xb.data(), yb.data());
      if (pf && first + B < N) prefetch_rows(d, order.data() + first + B, std::min(B, N - first - B));
      evaluate(m, w.data(), Batch<float>{xb.data(), yb.data(), B}, g.data(), ws);
    }
    t.push_back(cpu() - t0);
  }
  std::sort(t.begin(), t.end());
  std::printf("%-9s codes %-3s divisor %-4g %.4f s/epoch  %.1f Gflop/s\n", mode.c_str(), d.codes.empty() ? "no" : "yes",
              d.divisor, t[2], double(steps) * B * 52672 / t[2] / 1e9);
}
