#include "jobs/bench_networks.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <ostream>

#include "config/run_config.hpp"
#include "core/optimizers.hpp"
#include "core/schedule.hpp"
#include "jobs/bench_stats.hpp"
#include "nn/data.hpp"
#include "nn/ensemble.hpp"
#include "nn/model.hpp"
#include "nn/train.hpp"

namespace trilo::jobs {

namespace {

using config::BadInput;

struct NetCase {
  std::string name, model, data;
  nn::Activation activation;
  nn::LossKind loss;
  std::int64_t batch;  // 0: the whole training set
};

// "<family>-b<B>" with family one of the two documented networks.
bool parse_net_case(const std::string& name, NetCase* c) {
  struct Family {
    const char* prefix;
    const char* model;
    const char* data;
    nn::Activation act;
    nn::LossKind loss;
  };
  const Family families[] = {
      {"mlp784-fmnist-b", "mlp:784-16-16-10", "fashion-mnist", nn::Activation::kSigmoid, nn::LossKind::kXent},
      {"mlp2-moons-b", "mlp:2-16-16-1", "two-moons", nn::Activation::kTanh, nn::LossKind::kBce}};
  for (const Family& f : families) {
    const std::string prefix = f.prefix;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
      return false;
    if (c) *c = {name, f.model, f.data, f.act, f.loss, std::stoll(digits)};
    return true;
  }
  return false;
}

// Floating-point operations of one row's forward and backward pass, counting
// the matrix products only (2 per multiply-add): per layer of `in` inputs
// and `out` outputs, the forward product (in*out MACs), the weight gradient
// (in*out) and, above the first layer, the gradient passed down (in*out).
// Activations, biases and the loss are O(units) and left out.
double flops_per_sample(const nn::Model& m) {
  double f = 0;
  for (int l = 0; l < m.layers(); ++l) {
    const double macs = double(m.widths[l]) * double(m.widths[l + 1]);
    f += 2 * macs * (l == 0 ? 2 : 3);
  }
  return f;
}

struct NetRow {
  std::string case_name, backend = "cpu", precision, data;
  std::string gather = "device";  // how a step's rows are gathered: copy, bytes, palette (CPU) or device
  std::int64_t runs = 0, batch = 0, steps = 0, params = 0;
  double samples_per_s = 0, flops_per_sample = 0, flops = 0, peak_fraction = 0;
  // Mini-batch cases: one thread's seconds to make a row of a batch order,
  // the threads that make them in a training, and what making an epoch's
  // orders for the networks on those threads takes against the epoch at
  // this rate (0 for full-batch cases, which take no orders).
  double order_s_per_row = 0, orders_fraction = 0;
  int order_threads = 0;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Times the making of the batch orders of `runs` networks over `rows` rows
// (at most 16 of them, epoch 0, one thread, the median of three) and sets
// the row's order columns for `threads` making them in a training: each
// network's orders are made on one thread, so no more threads than networks.
void time_orders(NetRow& row, const nn::TrainParams& p, std::int64_t runs, std::int64_t rows, int threads) {
  const std::int64_t k = std::min<std::int64_t>(runs, 16);
  std::vector<double> per_row;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t r = 0; r < k; ++r) (void)nn::batch_order(p.seed, r, 0, rows);
    per_row.push_back(seconds_since(t0) / double(k * rows));
  }
  row.order_s_per_row = median(per_row);
  row.order_threads = static_cast<int>(std::min<std::int64_t>(threads, runs));
  row.orders_fraction = row.order_s_per_row * row.samples_per_s / row.order_threads;
}

// `runs` networks, `steps` mini-batch SGD steps each, the median rate of
// `repeats` timed runs after a warm-up. The timed part is what train_one
// does per step (gather the batch's rows, forward and backward, the
// optimizer's update); the initial weights and the epochs' batch orders
// (once per epoch in a training, so negligible over a whole epoch but not
// over the fraction of one timed here) are made before the clock starts.
// One row of the table: a case's rate and what it amounts to in flops.
NetRow net_row(const NetCase& c, const char* backend, bool f32, std::int64_t runs, std::int64_t batch,
               std::int64_t steps, const nn::Model& m, double samples_per_s) {
  NetRow row;
  row.case_name = c.name;
  row.backend = backend;
  row.precision = f32 ? "f32" : "f64";
  row.data = c.data;
  row.runs = runs;
  row.batch = batch;
  row.steps = steps;
  row.params = m.params();
  row.samples_per_s = samples_per_s;
  row.flops_per_sample = flops_per_sample(m);
  row.flops = row.samples_per_s * row.flops_per_sample;
  return row;
}

// A case's network, its training (gd at 0.1, the case's batch) and its
// data in the training precision: the same for the CPU and the GPU.
nn::Model case_model(const NetCase& c) {
  nn::Model m = nn::parse_model(c.model);
  m.activation = c.activation;
  m.loss = c.loss;
  return m;
}
nn::TrainParams case_params(const NetCase& c) {
  nn::TrainParams p;
  p.opt.kind = OptimizerKind::kGd;
  p.opt.lr = 0.1;
  p.batch = c.batch;
  return p;
}

template <class T>
NetRow measure_net(const NetCase& c, const nn::Dataset& data, std::int64_t runs, const NetworkBenchOptions& opt) {
  const nn::Model m = case_model(c);
  nn::TrainParams p = case_params(c);
  const nn::DataView<T> train = nn::view_of<T>(data, true);
  const std::int64_t P = m.params(), F = data.features, n = data.rows;
  const std::int64_t B = c.batch > 0 ? std::min(c.batch, n) : n;
  const std::int64_t per_epoch = (n + B - 1) / B;
  const std::int64_t epochs = c.batch > 0 ? (opt.steps + per_epoch - 1) / per_epoch : 0;

  std::vector<double> start(static_cast<std::size_t>(runs * P));
  std::vector<std::vector<std::int64_t>> orders(static_cast<std::size_t>(runs * epochs));
  for (std::int64_t r = 0; r < runs; ++r) {
    nn::init_weights(m, p.init, p.seed, r, start.data() + r * P);
    for (std::int64_t e = 0; e < epochs; ++e) orders[static_cast<std::size_t>(r * epochs + e)] = nn::batch_order(p.seed, r, e, n);
  }
  std::int64_t rows_per_net = 0;
  for (std::int64_t s = 0; s < opt.steps; ++s) rows_per_net += std::min(B, n - (s % per_epoch) * B);

  std::vector<T> w(static_cast<std::size_t>(runs * P));
  std::vector<double> rate;
  for (int rep = 0; rep <= opt.repeats; ++rep) {
    std::copy(start.begin(), start.end(), w.begin());
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(opt.threads > 0 ? opt.threads : omp_get_max_threads())
    {
      nn::Workspace<T> ws;
      std::vector<T> g(static_cast<std::size_t>(P)), mom(static_cast<std::size_t>(P)), sec(static_cast<std::size_t>(P));
      std::vector<T> xb(static_cast<std::size_t>(B * F));
      std::vector<float> yb(static_cast<std::size_t>(B));
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t r = 0; r < runs; ++r) {
        T* wr = w.data() + r * P;
        T b1t(1), b2t(1);
        std::fill(mom.begin(), mom.end(), T(0));
        std::fill(sec.begin(), sec.end(), T(0));
        for (std::int64_t s = 0; s < opt.steps; ++s) {
          nn::Batch<T> batch = train.all();
          if (c.batch > 0) {
            const std::vector<std::int64_t>& order = orders[static_cast<std::size_t>(r * epochs + s / per_epoch)];
            const std::int64_t first = (s % per_epoch) * B, rows = std::min(B, n - first);
            nn::gather_rows(train, order.data() + first, rows, xb.data(), yb.data());
            const std::int64_t next = first + B;
            if (next < n) nn::prefetch_rows(train, order.data() + next, std::min(B, n - next));
            batch = nn::Batch<T>{xb.data(), yb.data(), rows};
          }
          nn::evaluate(m, wr, batch, g.data(), ws);
          const T lr = T(lr_at(p.schedule, p.opt.lr, s));
          optimizer_update(p.opt, lr, mom.data(), sec.data(), b1t, b2t, static_cast<int>(P), g.data(), wr);
        }
      }
    }
    const double t = seconds_since(t0);
    if (rep > 0) rate.push_back(double(runs) * double(rows_per_net) / t);
  }
  NetRow row = net_row(c, "cpu", sizeof(T) == 4, runs, B, opt.steps, m, median(rate));
  row.gather = train.codes.empty() ? "copy" : train.divisor > 0 ? "bytes" : "palette";
  // A training makes each run's orders on the thread that trains it.
  if (c.batch > 0) time_orders(row, p, runs, n, opt.threads > 0 ? opt.threads : omp_get_max_threads());
  return row;
}

// The same on the GPU: the ensemble in one trainer, `steps` steps from the
// same initial weights and batch orders, timed by the trainer from its
// first gather to its last update (the median of `repeats` after a warm-up).
template <class T>
NetRow measure_net_gpu(const NetCase& c, const nn::Dataset& data, std::int64_t runs, const NetworkBenchOptions& opt) {
  const nn::Model m = case_model(c);
  nn::TrainParams p = case_params(c);
  p.tol = 0;  // every network takes every step
  const std::int64_t n = data.rows, B = c.batch > 0 ? std::min(c.batch, n) : n;
  const std::int64_t per_epoch = (n + B - 1) / B;
  p.epochs = c.batch > 0 ? (opt.steps + per_epoch - 1) / per_epoch : 1;
  p.max_steps = opt.steps;
  const nn::DataView<T> train = nn::view_of<T>(data);
  nn::DataView<T> probe;  // the trainer's probe set: one row, unused by the steps
  probe.rows = 1;
  probe.features = data.features;
  probe.x.assign(train.x.begin(), train.x.begin() + data.features);
  probe.y = {train.y[0]};
  const std::int64_t P = m.params();
  std::vector<double> start(static_cast<std::size_t>(runs * P));
  for (std::int64_t r = 0; r < runs; ++r) nn::init_weights(m, p.init, p.seed, r, start.data() + r * P);
  std::int64_t rows_per_net = 0;
  for (std::int64_t s = 0; s < opt.steps; ++s) rows_per_net += std::min(B, n - (s % per_epoch) * B);
  const std::unique_ptr<nn::EnsembleTrainer> trainer = nn::make_cuda_ensemble(m, p, train, nullptr, probe, 0);
  std::vector<double> rate;
  for (int rep = 0; rep <= opt.repeats; ++rep) {
    const double t = trainer->time_steps(runs, start.data(), opt.steps);
    if (rep > 0) rate.push_back(double(runs) * double(rows_per_net) / t);
  }
  NetRow row = net_row(c, "cuda", sizeof(T) == 4, runs, B, opt.steps, m, median(rate));
  // A training makes the ensemble's orders on its --threads host threads
  // (nn::chunk_orders) while the device runs the epoch before.
  if (c.batch > 0) time_orders(row, p, runs, n, opt.threads > 0 ? opt.threads : omp_get_max_threads());
  return row;
}

}  // namespace

bool is_network_case(const std::string& name) { return name.compare(0, 3, "mlp") == 0; }

std::vector<std::string> network_bench_cases() {
  return {"mlp784-fmnist-b32", "mlp784-fmnist-b128", "mlp2-moons-b32"};
}

void check_network_cases(const std::vector<std::string>& names) {
  for (const std::string& n : names)
    if (!parse_net_case(n, nullptr))
      throw BadInput("--cases: '" + n + "' is not a network case mlp784-fmnist-b<B> or mlp2-moons-b<B>");
}

NetworkBenchData load_network_bench_data(const std::vector<std::string>& names) {
  NetworkBenchData data;
  for (const std::string& name : names) {
    NetCase c;
    parse_net_case(name, &c);
    if (data.count(c.data)) continue;
    nn::DataOptions d;
    d.data = c.data;
    data[c.data] = nn::load_data(d).train;
  }
  return data;
}

void run_network_bench(const std::vector<std::string>& names, const NetworkBenchData& data,
                       const NetworkBenchOptions& opt,
                       const backend::PeakRates& peak, nlohmann::json& doc, std::ostream& out,
                       std::ostream& log) {
  std::vector<NetRow> rows;
  for (const std::string& name : names) {
    NetCase c;
    parse_net_case(name, &c);
    const nn::Dataset& train = data.at(c.data);
    for (const std::string& be : opt.backends)
      for (const std::string& prec : opt.precisions)
        for (std::int64_t runs : opt.runs) {
          log << "trilobite bench: " << name << " " << prec << " " << runs << " networks on " << be << "\n";
          const bool f32 = prec == "f32";
          NetRow r = be == "cuda" ? (f32 ? measure_net_gpu<float>(c, train, runs, opt)
                                         : measure_net_gpu<double>(c, train, runs, opt))
                                  : (f32 ? measure_net<float>(c, train, runs, opt)
                                         : measure_net<double>(c, train, runs, opt));
          const backend::PeakRates& pk = be == "cuda" ? opt.cuda_peak : peak;
          r.peak_fraction = r.flops / (f32 ? pk.fp32_flops : pk.fp64_flops);
          rows.push_back(r);
        }
  }
  if (opt.json) {
    doc["network_steps_per_run"] = opt.steps;
    doc["network_results"] = nlohmann::json::array();
    for (const NetRow& r : rows)
      doc["network_results"].push_back({{"case", r.case_name},
                                        {"backend", r.backend},
                                        {"precision", r.precision},
                                        {"data", r.data},
                                        {"gather", r.gather},
                                        {"runs", r.runs},
                                        {"batch", r.batch},
                                        {"steps", r.steps},
                                        {"params", r.params},
                                        {"sample_gradients_per_s", r.samples_per_s},
                                        {"flops_per_sample", r.flops_per_sample},
                                        {"flops_per_s", r.flops},
                                        {"peak_fraction", r.peak_fraction},
                                        {"order_seconds_per_row", r.order_s_per_row},
                                        {"order_threads", r.order_threads},
                                        {"orders_fraction", r.orders_fraction}});
    return;
  }
  out << "networks: " << opt.steps << " SGD steps per network, median of " << opt.repeats
      << " runs; flop/sample counts the matrix products of forward and backward; gather: a step's rows copied"
         " from the set (copy), decoded from its byte codes (bytes, palette; docs/networks.md) or on the device;"
         " orders: making an epoch's batch orders (not timed above) against an epoch at this rate, on the CPU"
         " added to a training's time, on the GPU made beside the device's epoch before (hidden below 100%, but for the first epoch's)\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-20s %-4s %-4s %6s %6s %7s %13s %11s %8s %7s  %-7s %7s\n", "network case", "on",
                "prec", "runs", "batch", "params", "sample-grad/s", "flop/sample", "flop/s", "%peak", "gather", "orders");
  out << line;
  for (const NetRow& r : rows) {
    char orders[32] = "-";
    if (r.order_threads > 0) std::snprintf(orders, sizeof orders, "%.1f%%", 100 * r.orders_fraction);
    std::snprintf(line, sizeof line, "%-20s %-4s %-4s %6lld %6lld %7lld %13s %11.0f %8s %6.2f%%  %-7s %7s\n",
                  r.case_name.c_str(), r.backend.c_str(), r.precision.c_str(), static_cast<long long>(r.runs),
                  static_cast<long long>(r.batch), static_cast<long long>(r.params),
                  si(r.samples_per_s).c_str(), r.flops_per_sample, si(r.flops).c_str(), 100 * r.peak_fraction,
                  r.gather.c_str(), orders);
    out << line;
  }
}

}  // namespace trilo::jobs
