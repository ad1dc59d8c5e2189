#include "config/network_config.hpp"

#include <cmath>

#include "backend/backend.hpp"

namespace trilo::config {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw BadInput(message);
}

std::string data_name(const nn::Dataset& d) { return "--data '" + d.name + "'"; }

// The first row of `d` whose label is not a whole number in [0, limit), or -1.
std::int64_t first_label_outside(const nn::Dataset& d, int limit) {
  for (std::size_t i = 0; i < d.y.size(); ++i) {
    const float v = d.y[i];
    if (!(v >= 0 && v < static_cast<float>(limit) && v == std::floor(v))) return static_cast<std::int64_t>(i);
  }
  return -1;
}

// The model's ends against the data: inputs, and outputs against the loss
// and the labels. A label the loss cannot take is named by its place in the
// set's own source, so a bad test-set label names the test file.
void check_fit(const nn::Model& m, const nn::Dataset& d) {
  require(m.inputs() == d.features, "--model " + m.text() + ": takes " + std::to_string(m.inputs()) +
                                        " inputs, " + data_name(d) + " has " + std::to_string(d.features) +
                                        " features");
  const std::string classes = "class labels 0.." + std::to_string(m.outputs() - 1);
  int limit = 0;  // labels must be classes 0..limit-1; 0: any finite target
  std::string rule;
  switch (m.loss) {
    case nn::LossKind::kXent:
      require(m.outputs() >= 2, "--loss xent: the model " + m.text() + " has " + std::to_string(m.outputs()) +
                                    " output; softmax cross-entropy needs at least 2, one per class");
      limit = m.outputs();
      rule = "--loss xent with the model " + m.text() + " takes " + classes + " (one per output)";
      break;
    case nn::LossKind::kBce:
      require(m.outputs() == 1, "--loss bce: the model " + m.text() + " must have one output (a logit), not " +
                                    std::to_string(m.outputs()));
      limit = 2;
      rule = "--loss bce takes labels 0 and 1";
      break;
    case nn::LossKind::kMse:
      if (m.outputs() > 1) {
        limit = m.outputs();
        rule = "--loss mse with the model " + m.text() + " takes " + classes + " (one-hot targets)";
      }
      break;
  }
  if (limit == 0) return;
  const std::int64_t row = first_label_outside(d, limit);
  if (row >= 0) throw BadInput(nn::label_problem(d, row, rule));
}

}  // namespace

std::vector<std::int64_t> probe_rows(std::int64_t rows, std::int64_t probe) {
  const std::int64_t m = std::min(rows, probe);
  std::vector<std::int64_t> r(static_cast<std::size_t>(m));
  for (std::int64_t k = 0; k < m; ++k)
    r[static_cast<std::size_t>(k)] = static_cast<std::int64_t>((static_cast<unsigned __int128>(k) * rows) / m);
  return r;
}

NetworkResolved resolve_network(RunConfig& c) {
  NetworkResolved r;
  const NetworkConfig& n = c.net;
  r.model = nn::parse_model(n.model);
  r.model.activation = nn::parse_activation(n.activation);
  r.model.loss = nn::parse_loss(n.loss);
  require(std::isfinite(n.weight_decay) && n.weight_decay >= 0,
          "--weight-decay: must be a finite number >= 0");
  r.model.weight_decay = n.weight_decay;
  nn::TrainParams& t = r.train;
  t.init = nn::parse_init(n.init);

  require(c.backend == "auto" || c.backend == "cpu" || c.backend == "cuda",
          "--backend: '" + c.backend + "' is not one of auto, cpu, cuda");
  // The GPU trains ensembles (src/nn/ensemble.hpp); a plane through the
  // weights and traced trainings are the CPU's.
  if (c.backend == "cuda") {
    require(c.job != "grid",
            "--backend cuda: a plane through a network's weights is computed on the CPU backend (use --backend cpu or auto)");
    require(c.trace.empty(), "--trace: traced trainings run on the CPU backend (use --backend cpu or auto)");
    require(backend::cuda_compiled(),
            "--backend cuda: this trilobite was not compiled with CUDA (rebuild with -DTRILOBITE_CUDA=ON)");
    require(backend::cuda_device_count() > 0, "--backend cuda: no CUDA device is present (use --backend cpu or auto)");
    r.cuda = true;
  } else if (c.backend == "auto") {
    // The GPU trainer has not yet been run against the CPU on a device
    // (docs/gpu-validation.md): until it has, auto trains on the CPU and
    // says so when a device is there.
    r.gpu_not_chosen = c.job != "grid" && c.trace.empty() && backend::cuda_device_count() > 0;
  }
  require(c.precision == "f32" || c.precision == "f64",
          "--precision: '" + c.precision + "' is not one of f32, f64");
  if (!c.precision_given) c.precision = "f32";
  r.f32 = c.precision == "f32";
  require(c.threads >= 0, "--threads: must be >= 0 (0: OpenMP default)");

  c.opt.kind = parse_optimizer(c.optimizer);
  // A network's curvature is of order one where an analytic landscape's may
  // be hundreds: 0.1 is the usual first rate for SGD on such networks.
  if (!c.lr_given) c.opt.lr = 0.1;
  require(std::isfinite(c.opt.lr) && c.opt.lr > 0, "--lr: must be a positive finite number");
  require(c.opt.momentum >= 0 && c.opt.momentum < 1, "--momentum: must lie in [0, 1)");
  require(c.opt.beta1 >= 0 && c.opt.beta1 < 1, "--beta1: must lie in [0, 1)");
  require(c.opt.beta2 >= 0 && c.opt.beta2 < 1, "--beta2: must lie in [0, 1)");
  require(c.opt.rho >= 0 && c.opt.rho < 1, "--rho: must lie in [0, 1)");
  require(std::isfinite(c.opt.eps) && c.opt.eps > 0, "--eps: must be a positive finite number");
  t.opt = c.opt;
  t.seed = c.seed;

  require(n.batch >= 0 && n.batch <= (std::int64_t{1} << 24), "--batch-size: must lie in 0..2^24 (0: full batch)");
  require(n.epochs >= 1 && n.epochs <= (std::int64_t{1} << 31), "--epochs: must lie in 1..2^31");
  t.batch = n.batch;
  t.epochs = n.epochs;
  require(c.steps >= 0 && c.steps <= (std::int64_t{1} << 40), "--steps: must lie in 0..2^40");
  t.max_steps = c.steps;
  if (!c.tol_given) c.tol = r.f32 ? 1e-4 : 1e-6;
  require(std::isfinite(c.tol) && c.tol >= 0, "--tol: must be a finite number >= 0");
  t.tol = c.tol;

  require(c.starts >= 1 && c.starts <= (std::int64_t{1} << 32), "--starts: must lie in 1..2^32 trainings");
  r.runs = c.starts;
  if (c.chunk_given) {
    require(c.chunk >= 1 && c.chunk <= (std::int64_t{1} << 20), "--chunk: must lie in 1..2^20");
    r.chunk = c.chunk;
  } else if (r.cuda) {
    r.chunk = 1024;  // an ensemble that fills a GPU; memory is bounded per pass (nn/ensemble_plan.hpp)
  }
  require(c.records == "all" || c.records == "none",
          "--records: '" + c.records + "' for a network is all or none (the start and end weights of every training, or none)");
  r.record_weights = c.records == "all";
  require(n.probe >= 1 && n.probe <= (std::int64_t{1} << 20), "--probe: must lie in 1..2^20 rows");
  require(std::isfinite(n.function_tol) && n.function_tol >= 0, "--function-tol: must be a finite number >= 0");
  require(n.hessian_top >= 0 && n.hessian_top <= 100, "--hessian-top: must lie in 0..100");
  require(n.lanczos_steps >= 1 && n.lanczos_steps <= 1000, "--lanczos-steps: must lie in 1..1000");
  require(n.hessian_minima >= 0 && n.hessian_minima <= 100000, "--hessian-minima: must lie in 0..100000");
  require(n.hutchinson >= 0 && n.hutchinson <= 100000, "--hutchinson: must lie in 0..100000");
  require(n.density >= 0 && n.density <= 10000, "--density: must lie in 0..10000");
  require(n.density_steps >= 1 && n.density_steps <= 1000, "--density-steps: must lie in 1..1000");
  require(std::isfinite(n.density_sigma) && n.density_sigma >= 0,
          "--density-sigma: must be a finite number >= 0 (0: PyHessian's rule)");
  require(n.density_bins >= 2 && n.density_bins <= 1000000, "--density-bins: must lie in 2..1000000");
  require(n.density == 0 || n.hessian_minima > 0,
          "--density: computed at the --hessian-minima most populous minima; --hessian-minima 0 examines none");
  require(n.barrier_minima >= 0 && n.barrier_minima <= 256, "--barrier-minima: must lie in 0..256");
  require(n.barrier_minima != 1, "--barrier-minima 1: a barrier joins two minima; give 0 (none) or at least 2");
  require(n.barrier_points >= 3 && n.barrier_points <= 10001, "--barrier-points: must lie in 3..10001");
  require(n.bezier_steps >= 0 && n.bezier_steps <= 10000000, "--bezier-steps: must lie in 0..10000000");
  require(c.compression >= 0 && c.compression <= 9, "--compression: must lie in 0..9");
  for (std::int64_t t : c.trace)
    require(t >= 0 && t < r.runs, "--trace: training " + std::to_string(t) + " does not exist (there are " +
                                      std::to_string(r.runs) + ")");
  require(c.trace_every >= 1, "--trace-every: must be >= 1");
  r.trace = c.trace;
  r.trace_every = c.trace_every;

  // The data last: the only step that reads files.
  require(!n.data.data.empty(), "--model: give the data set to train on with --data");
  nn::DataOptions d = n.data;
  d.seed = c.seed;
  r.data = nn::load_data(d);
  const nn::Dataset& train = r.data.train;
  require(train.rows >= 1, data_name(train) + ": the training set is empty");
  // The batch order's Philox counter holds the row index in 24 bits.
  require(n.batch == 0 || train.rows < (std::int64_t{1} << 24),
          "--batch-size: mini-batch training takes at most 2^24 - 1 training rows; " + data_name(train) + " has " +
              std::to_string(train.rows));
  require(n.batch <= train.rows, "--batch-size " + std::to_string(n.batch) + ": the training set has only " +
                                     std::to_string(train.rows) + " rows");
  check_fit(r.model, train);
  if (r.data.has_test) check_fit(r.model, r.data.test);
  r.probe_rows = probe_rows(train.rows, n.probe);
  // The schedule runs over every optimizer step of a training: the full
  // batch's --steps, or epochs x batches per epoch.
  require(!c.quench_steps_given, "--quench-steps: network trainings have no quench");
  if (n.batch > 0)
    resolve_schedule(c, n.epochs * ((train.rows + n.batch - 1) / n.batch), "the training's steps");
  else
    resolve_schedule(c, c.steps, "--steps");
  t.schedule = c.schedule;
  return r;
}

}  // namespace trilo::config
