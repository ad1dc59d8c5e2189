// `trilobite bench`'s network cases: an ensemble of networks trained by
// mini-batch SGD with the library's own steps (nn::batch_order, nn::evaluate,
// optimizer_update, as nn::train_one takes them; on the GPU the ensemble
// trainer of nn/ensemble.hpp), timed in sample-gradients per second (rows
// through forward and backward, summed over the ensemble) and as a fraction
// of the measured FP32/FP64 peak of the backend.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "nn/data.hpp"

namespace trilo::jobs {

// A network case's name: "mlp784-fmnist-b<B>" (784-16-16-10, sigmoid, xent,
// Fashion-MNIST) or "mlp2-moons-b<B>" (2-16-16-1, tanh, bce, two-moons of
// 500 rows); B rows per step, 0 for the whole training set.
bool is_network_case(const std::string& name);

// The cases of --networks: mlp784-fmnist-b32, mlp784-fmnist-b128, mlp2-moons-b32.
std::vector<std::string> network_bench_cases();

// Checks the names (BadInput naming a bad one) before any work.
void check_network_cases(const std::vector<std::string>& names);

// The training sets of the cases, by data name, loaded before any
// measurement so that a missing one (Fashion-MNIST not installed) is
// refused first.
using NetworkBenchData = std::map<std::string, nn::Dataset>;
NetworkBenchData load_network_bench_data(const std::vector<std::string>& names);

struct NetworkBenchOptions {
  std::vector<std::string> backends = {"cpu"};  // "cpu", "cuda" (nn/ensemble.hpp)
  backend::PeakRates cuda_peak;         // the GPU's, when "cuda" is among them
  std::vector<std::string> precisions;  // "f32", "f64"
  std::vector<std::int64_t> runs;       // ensemble sizes
  std::int64_t steps = 100;             // optimizer steps per network
  int repeats = 5;
  int threads = 0;                      // 0: OpenMP default
  bool json = false;
};

// Measures every case x backend x precision x ensemble size; prints the
// table to `out` (or adds "network_results" to `doc` when json), notes to
// `log`. `peak` is the CPU's.
void run_network_bench(const std::vector<std::string>& names, const NetworkBenchData& data,
                       const NetworkBenchOptions& opt,
                       const backend::PeakRates& peak, nlohmann::json& doc, std::ostream& out,
                       std::ostream& log);

}  // namespace trilo::jobs
