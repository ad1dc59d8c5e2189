// Rates of the CPU backend: descent steps per second and grid points per
// second on the default landscape. Run: build/bench/trilobite_bench_cpu
// (add --benchmark_format=json for machines).
#include <benchmark/benchmark.h>

#include <omp.h>

#include <memory>
#include <random>
#include <vector>

#include "analysis/accumulator.hpp"
#include "backend/backend.hpp"
#include "expr/jit.hpp"
#include "expr/parser.hpp"

namespace {

using trilo::backend::Precision;

trilo::backend::DescentRequest dimple_request(Precision prec, std::int64_t steps) {
  trilo::backend::DescentRequest q;
  q.landscape = {trilo::LandscapeId::kQuarticDimple, 2};
  q.precision = prec;
  q.params.max_steps = steps;
  q.params.tol = 0.0;  // never converge: every descent costs exactly `steps` steps
  for (int i = 0; i < 2; ++i) {
    q.starts.lo[i] = -2.5;
    q.starts.hi[i] = 2.5;
    q.params.bound_lo[i] = -1e9;
    q.params.bound_hi[i] = 1e9;
  }
  q.starts.seed = 1;
  return q;
}

// The timed loop: n descents of q.params.max_steps steps each (tol 0, so
// every descent costs exactly that many).
void time_descents(benchmark::State& state, trilo::backend::Backend& be,
                   const trilo::backend::DescentRequest& q, std::int64_t n) {
  trilo::backend::DescentBatch out;
  for (auto _ : state) {
    be.descend(q, 0, n, out);
    benchmark::DoNotOptimize(out.end.data());
  }
  state.counters["steps_per_s"] = benchmark::Counter(
      double(n * q.params.max_steps) * state.iterations(), benchmark::Counter::kIsRate);
}

void descend_dimple(benchmark::State& state, Precision prec) {
  auto be = trilo::backend::make_cpu_backend(static_cast<int>(state.range(1)));
  const std::int64_t n = state.range(0), steps = 200;
  auto q = dimple_request(prec, steps);
  time_descents(state, *be, q, n);
}

// The default landscape written as a formula (issue target: at least 1/3 of
// the built-in's steps per second), compiled (state.range(1) == 1) or
// interpreted (0).
void descend_dimple_formula(benchmark::State& state) {
  static const trilo::expr::Program program = trilo::expr::parse(
      "0.4*x^4 - 2*x^2 + 0.5*y^2 + 0.1*x*y - 0.5*exp(-((x-1.5)^2+(y+0.5)^2))");
  std::string why_not;
  std::unique_ptr<trilo::expr::CompiledFormula> compiled;
  if (state.range(1) == 1) {
    compiled = trilo::expr::CompiledFormula::load_or_compile(program, 2, &why_not);
    if (!compiled) {
      state.SkipWithError(why_not.c_str());
      return;
    }
  }
  auto be = trilo::backend::make_cpu_backend(0);
  const std::int64_t n = state.range(0), steps = 200;
  auto q = dimple_request(Precision::kF64, steps);
  q.landscape = {trilo::LandscapeId::kExpr, 2, &program, compiled.get()};
  time_descents(state, *be, q, n);
}

void grid_dimple(benchmark::State& state) {
  auto be = trilo::backend::make_cpu_backend(0);
  trilo::backend::GridRequest q;
  q.landscape = {trilo::LandscapeId::kQuarticDimple, 2};
  q.plane.n0 = q.plane.n1 = state.range(0);
  q.plane.lo0 = q.plane.lo1 = -2.5;
  q.plane.hi0 = q.plane.hi1 = 2.5;
  trilo::backend::GridTile tile;
  for (auto _ : state) {
    be->grid(q, 0, q.plane.size(), tile);
    benchmark::DoNotOptimize(tile.loss.data());
  }
  state.counters["points_per_s"] =
      benchmark::Counter(double(q.plane.size()) * state.iterations(), benchmark::Counter::kIsRate);
}

// Clustering end points into the minima table as a run absorbs a chunk:
// 65536 converged 2-D points around 64 minima already known, on
// state.range(0) threads (the search for each point's cluster runs on
// every core; counting into the clusters stays serial).
void cluster_end_points(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const std::int64_t n = 65536;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> minima(2 * 64);
  for (double& v : minima) v = 10 * u(rng);
  std::vector<double> end(static_cast<std::size_t>(2 * n));
  for (std::int64_t i = 0; i < n; ++i)
    for (int k = 0; k < 2; ++k)
      end[static_cast<std::size_t>(2 * i + k)] = minima[static_cast<std::size_t>(2 * (i % 64) + k)] + 1e-6 * u(rng);
  const std::vector<std::int8_t> status(static_cast<std::size_t>(n), 0);
  const std::vector<std::int64_t> steps(static_cast<std::size_t>(n), 100);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
  trilo::analysis::MinimaAccumulator acc(2, 1e-3);
  const trilo::analysis::Source src = trilo::analysis::Source::kDescents;
  acc.add(src, {end.data(), status.data(), steps.data(), n}, labels.data());  // the 64 known
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  for (auto _ : state) acc.add(src, {end.data(), status.data(), steps.data(), n}, labels.data());
  omp_set_num_threads(before);
  state.counters["points_per_s"] =
      benchmark::Counter(double(n) * state.iterations(), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(cluster_end_points)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(descend_dimple, f64, Precision::kF64)
    ->Args({4096, 1})->Args({4096, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(descend_dimple, f32, Precision::kF32)
    ->Args({4096, 1})->Args({4096, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(descend_dimple_formula)
    ->Args({4096, 1})->Args({4096, 0})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(grid_dimple)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
