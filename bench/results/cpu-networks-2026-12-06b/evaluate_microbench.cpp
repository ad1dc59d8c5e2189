#include <time.h>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <algorithm>
#include "nn/model.hpp"
using namespace trilo::nn;
static double cpu() { timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(int argc, char** argv) {
  int B = argc > 1 ? atoi(argv[1]) : 32;
  Model m = parse_model("mlp:784-16-16-10");
  m.activation = parse_activation("sigmoid");
  m.loss = parse_loss("xent");
  std::vector<double> wd(m.params());
  init_weights(m, InitKind::kTorch, 1, 0, wd.data());
  std::vector<float> w(wd.begin(), wd.end()), g(m.params());
  std::vector<float> x(B * 784), y(B);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (i * 2654435761u % 1000) / 1000.0f;
  for (int i = 0; i < B; ++i) y[i] = i % 10;
  Workspace<float> ws;
  Batch<float> b{x.data(), y.data(), B};
  std::vector<double> t;
  for (int rep = 0; rep < 7; ++rep) {
    double t0 = cpu();
    for (int s = 0; s < 2000; ++s) evaluate(m, w.data(), b, g.data(), ws);
    t.push_back(cpu() - t0);
  }
  std::sort(t.begin(), t.end());
  double flops = 2000.0 * B * 52672;
  printf("B=%d median %.3f s cpu, %.1f Gflop/s\n", B, t[3], flops / t[3] / 1e9);
}
