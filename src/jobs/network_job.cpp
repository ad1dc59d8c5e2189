#include "jobs/network_job.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <ostream>
#include <sstream>
#include <variant>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include "analysis/function_minima.hpp"
#include "analysis/lanczos.hpp"
#include "analysis/slq.hpp"
#include "core/rng.hpp"
#include "io/hdf5_util.hpp"
#include "io/plane_io.hpp"
#include "io/xdmf_writer.hpp"
#include "jobs/checkpointing.hpp"
#include "jobs/chunk_driver.hpp"
#include "jobs/interrupt.hpp"
#include "jobs/jobs.hpp"
#include "jobs/minima_spectra.hpp"
#include "jobs/network_checkpoint.hpp"
#include "jobs/network_sweep.hpp"
#include "jobs/plane_job.hpp"
#include "jobs/resources.hpp"
#include "jobs/progress.hpp"
#include "jobs/ranks.hpp"
#include "nn/ensemble.hpp"

namespace trilo::jobs {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TrainingLayout training_layout(const config::NetworkResolved& nr, const config::NetworkConfig& net) {
  TrainingLayout l;
  l.params = nr.model.params();
  l.width = static_cast<std::int64_t>(nr.probe_rows.size()) * nr.model.outputs();
  l.weights = nr.record_weights;
  l.trace_weights = net.trace_weights;
  return l;
}

// The trainings, chunk by chunk on the chunk driver. Compute trains a
// chunk's runs in parallel and evaluates each end point on the probe rows,
// into the chunk's slot; absorb groups the end points into functions and
// keeps each raw minimum's statistics, in run order, so the minima depend on
// the runs only; commit writes the chunk's rows, its traced trainings'
// records and the minima so far into the checkpoint
// (jobs/network_checkpoint.hpp).
template <class T>
class Trainings : public ChunkWork {
 public:
  Trainings(const config::NetworkResolved& nr, const config::NetworkConfig& net,
            io::CheckpointWriter* ck, NetworkResult& res)
      : nr_(nr),
        ck_(ck),
        layout_(training_layout(nr, net)),
        res_(res),
        train_(nn::view_of<T>(nr.data.train, true)),
        probe_(nn::rows_of<T>(nr.data.train, nr.probe_rows)),
        width_(probe_.rows * nr.model.outputs()),
        clusters_(width_, net.function_tol),
        raw_label_(static_cast<std::size_t>(nr.runs), -1) {
    if (nr.data.has_test) test_store_ = nn::view_of<T>(nr.data.test);
    if (nr.cuda) use_device_for(0);
    for (std::int64_t t : nr.trace) {
      nn::TraceSink& sink = traces_[t];
      sink.every = nr.trace_every;
      sink.weights = net.trace_weights;
    }
  }

  // The traced trainings' records, in the order --trace gave them.
  std::vector<io::TrainingTrace> traces() {
    std::vector<io::TrainingTrace> out;
    for (std::int64_t t : nr_.trace) {
      nn::TraceSink& s = traces_[t];
      out.push_back({t, s.step, s.loss, s.accuracy, s.position});
    }
    return out;
  }

  std::vector<RawMinimum>& raw() { return raw_; }
  const std::vector<std::int32_t>& raw_label() const { return raw_label_; }
  std::int64_t done() const { return done_; }
  std::int64_t trace_rows() const { return trace_rows_; }
  std::int64_t minima_rows() const { return minima_rows_; }
  void set_checkpoint(io::CheckpointWriter* ck) { ck_ = ck; }

  // What absorb has gathered so far, as a checkpoint's state saves it
  // (the representatives go to its "minima" stream).
  io::CheckpointState state() const { return pack_trainings_state(res_.status, raw_); }

  // Takes back what a checkpoint committed: the minima so far, each
  // committed training's raw minimum (and, for a basin map, its outcome),
  // and the traced trainings' records.
  void restore(const io::CheckpointReader& from) {
    const std::vector<std::int64_t>& k = from.counters();
    if (k.empty()) return;  // killed before its first commit: start from nothing
    if (k.size() != 3 || k[0] < 0 || k[0] > nr_.runs || k[1] < 0 || k[2] < 0 || k[2] > k[0])
      throw std::runtime_error("its counters do not fit " + std::to_string(nr_.runs) + " trainings");
    TrainingsState s = unpack_trainings_state(from, layout_, k[2]);
    std::copy(s.status, s.status + 3, res_.status);
    raw_ = std::move(s.raw);
    clusters_.restore(std::move(s.representatives));
    done_ = k[0];
    trace_rows_ = k[1];
    minima_rows_ = k[2];
    io::TrainingRows rows;
    std::vector<std::int32_t> raw;
    constexpr std::int64_t kBlock = 1 << 16;
    layout_.weights = false;  // the outcomes and raw minima only
    for (std::int64_t first = 0; first < done_; first += kBlock) {
      read_training_rows(from, layout_, first, std::min(kBlock, done_ - first), rows, raw);
      std::copy(raw.begin(), raw.end(), raw_label_.begin() + static_cast<std::ptrdiff_t>(first));
      if (!nr_.keeps_outcomes()) continue;
      res_.steps.insert(res_.steps.end(), rows.steps.begin(), rows.steps.end());
      res_.run_status.insert(res_.run_status.end(), rows.status.begin(), rows.status.end());
      res_.loss.insert(res_.loss.end(), rows.loss.begin(), rows.loss.end());
      res_.accuracy.insert(res_.accuracy.end(), rows.accuracy.begin(), rows.accuracy.end());
      res_.test_loss.insert(res_.test_loss.end(), rows.test_loss.begin(), rows.test_loss.end());
      res_.test_accuracy.insert(res_.test_accuracy.end(), rows.test_accuracy.begin(), rows.test_accuracy.end());
    }
    layout_.weights = nr_.record_weights;
    for (io::TrainingTrace& t : read_trace_rows(from, layout_, trace_rows_)) {
      nn::TraceSink& sink = traces_.at(t.run);
      sink.step = std::move(t.step);
      sink.loss = std::move(t.loss);
      sink.accuracy = std::move(t.accuracy);
      sink.position = std::move(t.weights);
    }
  }

  void compute(const Chunk& c) override {
    const nn::Model& m = nr_.model;
    const std::int64_t P = m.params();
    const std::int64_t first = c.first, count = c.count;
    const nn::DataView<T>* test = nr_.data.has_test ? &test_store_ : nullptr;
    Slot& sl = slots_[c.slot];
    io::TrainingRows& rows = sl.rows;
    const auto n = static_cast<std::size_t>(count);
    rows.first = first;
    rows.count = count;
    rows.start.assign(n * static_cast<std::size_t>(P), 0.0);
    rows.end.assign(n * static_cast<std::size_t>(P), 0.0);
    sl.outcome.assign(n, {});
    sl.outputs.assign(n * static_cast<std::size_t>(width_), kNaN);
    if (gpu_) {
      // The chunk as one ensemble on the GPU, from starts drawn (or placed
      // on the plane) here, as the CPU's trainings draw them. A sweep's
      // chunk lies within one setting (cut), trained by that setting's
      // ensemble.
      use_device_for(first);
      const nn::TrainParams& tp = nr_.train_of(first);
#pragma omp parallel for schedule(static)
      for (std::int64_t i = 0; i < count; ++i) {
        double* s = rows.start.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(P);
        if (!nr_.start_alpha.empty())
          start_on_plane(first + i, s);
        else
          nn::init_weights(m, tp.init, tp.seed, nr_.run_of(first + i), s);
      }
      gpu_->train(nr_.run_of(first), count, rows.start.data(), rows.end.data(), sl.outcome.data(),
                  sl.outputs.data());
      return;
    }
#pragma omp parallel
    {
      nn::Workspace<T> ws;
      std::vector<T> w(static_cast<std::size_t>(P)), out(static_cast<std::size_t>(width_));
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t i = 0; i < count; ++i) {
        const auto k = static_cast<std::size_t>(i);
        double* s = rows.start.data() + k * static_cast<std::size_t>(P);
        double* e = rows.end.data() + k * static_cast<std::size_t>(P);
        // Each traced run's sink is written by the one thread training it.
        const auto traced = traces_.find(first + i);
        nn::TraceSink* sink = traced == traces_.end() ? nullptr : &traced->second;
        const bool given = !nr_.start_alpha.empty();
        if (given) start_on_plane(first + i, s);
        sl.outcome[k] = nn::train_one<T>(m, nr_.train_of(first + i), train_, test, nr_.run_of(first + i), s, e, sink,
                                         given);
        if (sl.outcome[k].status == DescentStatus::kDiverged) continue;
        for (std::int64_t j = 0; j < P; ++j) w[static_cast<std::size_t>(j)] = static_cast<T>(e[j]);
        nn::predict<T>(m, w.data(), probe_.all(), out.data(), ws);
        std::copy(out.begin(), out.end(),
                  sl.outputs.begin() + static_cast<std::ptrdiff_t>(k * static_cast<std::size_t>(width_)));
      }
    }
  }

  void absorb(const Chunk& c) override {
    const std::int64_t P = nr_.model.params();
    Slot& sl = slots_[c.slot];
    io::TrainingRows& rows = sl.rows;
    const auto n = static_cast<std::size_t>(c.count);
    for (std::vector<double>* col : {&rows.loss, &rows.grad_norm, &rows.accuracy, &rows.test_loss, &rows.test_accuracy})
      col->resize(n);
    rows.steps.resize(n);
    rows.status.resize(n);
    sl.raw.assign(n, -1);
    for (std::size_t k = 0; k < n; ++k) {
      const nn::TrainOutcome& o = sl.outcome[k];
      rows.loss[k] = o.loss;
      rows.grad_norm[k] = o.grad_norm;
      rows.accuracy[k] = o.accuracy;
      rows.test_loss[k] = o.test_loss;
      rows.test_accuracy[k] = o.test_accuracy;
      rows.steps[k] = o.steps;
      rows.status[k] = static_cast<std::int8_t>(o.status);
      ++res_.status[static_cast<int>(o.status)];
      if (nr_.keeps_outcomes()) {  // a basin map or a sweep keeps every row's outcome
        res_.steps.push_back(o.steps);
        res_.run_status.push_back(static_cast<std::int8_t>(o.status));
        res_.loss.push_back(o.loss);
        res_.accuracy.push_back(o.accuracy);
        res_.test_loss.push_back(o.test_loss);
        res_.test_accuracy.push_back(o.test_accuracy);
      }
      if (o.status == DescentStatus::kDiverged) continue;
      const int cl = clusters_.add(sl.outputs.data() + k * static_cast<std::size_t>(width_));
      const std::int64_t run = c.first + static_cast<std::int64_t>(k);
      raw_label_[static_cast<std::size_t>(run)] = cl;
      sl.raw[k] = cl;
      if (cl == static_cast<int>(raw_.size())) {
        RawMinimum r;
        r.first_run = run;
        r.loss = o.loss;
        r.accuracy = o.accuracy;
        r.test_loss = o.test_loss;
        r.test_accuracy = o.test_accuracy;
        r.weights.assign(rows.end.begin() + static_cast<std::ptrdiff_t>(k * static_cast<std::size_t>(P)),
                         rows.end.begin() + static_cast<std::ptrdiff_t>((k + 1) * static_cast<std::size_t>(P)));
        raw_.push_back(std::move(r));
      }
      RawMinimum& r = raw_[static_cast<std::size_t>(cl)];
      ++r.count;
      r.converged += o.status == DescentStatus::kConverged;
      r.sum_steps += static_cast<double>(o.steps);
      r.sum_acc += o.accuracy;
      r.sum_test_acc += o.test_accuracy;
    }
  }

  // Over ranks: the chunk's weights, outcomes and probe outputs, and the
  // records of its traced trainings.
  void pack(const Chunk& c, Packer& out) const override {
    const Slot& sl = slots_[c.slot];
    out.put(sl.rows.first), out.put(sl.rows.count), out.put(sl.rows.start), out.put(sl.rows.end);
    out.put(sl.outcome), out.put(sl.outputs);
    for (auto t = traces_.lower_bound(c.first); t != traces_.end() && t->first < c.first + c.count; ++t)
      out.put(t->second.step), out.put(t->second.loss), out.put(t->second.accuracy), out.put(t->second.position);
  }
  void unpack(const Chunk& c, Unpacker& in) override {
    Slot& sl = slots_[c.slot];
    in.get(sl.rows.first), in.get(sl.rows.count), in.get(sl.rows.start), in.get(sl.rows.end);
    in.get(sl.outcome), in.get(sl.outputs);
    for (auto t = traces_.lower_bound(c.first); t != traces_.end() && t->first < c.first + c.count; ++t)
      in.get(t->second.step), in.get(t->second.loss), in.get(t->second.accuracy), in.get(t->second.position);
  }

  void commit(const Chunk& c) override {
    done_ = c.first + c.count;
    if (!ck_) return;
    const Slot& sl = slots_[c.slot];
    write_training_rows(*ck_, layout_, sl.rows, sl.raw);
    for (auto t = traces_.lower_bound(c.first); t != traces_.end() && t->first < c.first + c.count; ++t) {
      const nn::TraceSink& s = t->second;
      write_trace_rows(*ck_, layout_, trace_rows_, t->first, {t->first, s.step, s.loss, s.accuracy, s.position});
      trace_rows_ += static_cast<std::int64_t>(s.step.size());
    }
    write_minima_rows(*ck_, layout_, minima_rows_, raw_, clusters_.representatives());
    minima_rows_ = static_cast<std::int64_t>(raw_.size());
    ck_->commit({done_, trace_rows_, minima_rows_}, state());
  }

  // A sweep's chunks never span two settings: on the GPU a chunk is one
  // ensemble with one setting's training.
  std::int64_t cut(std::int64_t first, std::int64_t n, std::int64_t chunk) const override {
    const std::int64_t k = std::min(chunk, n - first);
    return nr_.sweep_runs > 0 ? std::min(k, nr_.sweep_runs - first % nr_.sweep_runs) : k;
  }

 private:
  // The device's ensemble for the setting of row `row` (made anew when a
  // sweep moves on to the next setting; computes run one at a time).
  void use_device_for(std::int64_t row) {
    const std::int64_t setting = nr_.sweep_runs > 0 ? row / nr_.sweep_runs : 0;
    if (gpu_ && setting == gpu_setting_) return;
    gpu_.reset();
    gpu_ = nn::make_cuda_ensemble(nr_.model, nr_.train_of(row), train_, nr_.data.has_test ? &test_store_ : nullptr,
                                  probe_, local_rank());
    gpu_setting_ = setting;
  }

  // The start of cell `run` of a basin map of initialisations.
  void start_on_plane(std::int64_t run, double* s) const {
    const std::int64_t P = nr_.model.params(), n0 = static_cast<std::int64_t>(nr_.start_alpha.size());
    const double a = nr_.start_alpha[static_cast<std::size_t>(run % n0)];
    const double b = nr_.start_beta[static_cast<std::size_t>(run / n0)];
    const double* d0 = nr_.start_directions.data();
    const double* d1 = d0 + P;
    for (std::int64_t j = 0; j < P; ++j)
      s[j] = nr_.start_center[static_cast<std::size_t>(j)] + a * d0[j] + b * d1[j];
  }

  // One chunk in flight: its rows, its runs' outcomes and probe outputs,
  // and (once absorbed) their raw minima.
  struct Slot {
    io::TrainingRows rows;
    std::vector<double> outputs;
    std::vector<nn::TrainOutcome> outcome;
    std::vector<std::int32_t> raw;
  };

  const config::NetworkResolved& nr_;
  io::CheckpointWriter* ck_;
  TrainingLayout layout_;
  std::int64_t done_ = 0, trace_rows_ = 0, minima_rows_ = 0;  // committed: trainings, trace rows, minima
  std::map<std::int64_t, nn::TraceSink> traces_;  // filled before any compute; never resized during one
  NetworkResult& res_;
  const nn::DataView<T> train_;
  nn::DataView<T> test_store_;
  const nn::DataView<T> probe_;
  const std::int64_t width_;
  std::unique_ptr<nn::EnsembleTrainer> gpu_;  // --backend cuda: the chunk's trainings on the GPU
  std::int64_t gpu_setting_ = -1;             // the sweep setting gpu_ trains
  analysis::FunctionClusters clusters_;
  std::vector<RawMinimum> raw_;  // in order of first appearance
  std::vector<std::int32_t> raw_label_;
  Slot slots_[2];
};

template <class T>
NetworkResult train_all(const config::NetworkResolved& nr, const config::NetworkConfig& net,
                        TrainingCheckpoint* tc, bool bar) {
  const nn::Model& m = nr.model;
  const std::int64_t P = m.params();
  NetworkResult res;
  res.runs = nr.runs;

  Trainings<T> work(nr, net, nullptr, res);
  if (tc && tc->start.resumed) {
    try {
      work.restore(*tc->start.resumed);
    } catch (const std::runtime_error& e) {
      throw config::BadInput("--resume: '" + tc->start.paths.resume_from + "': " + e.what());
    }
  }
  agree_to_start();
  if (tc) {
    const std::int64_t done = work.done(), traced = work.trace_rows(), minima = work.minima_rows();
    tc->writer = start_checkpoint(tc->start.paths, tc->root, training_streams(training_layout(nr, net)),
                                  {done, traced, minima}, work.state(), tc->start.resumed.get(),
                                  {done, traced, minima});
    tc->start.resumed.reset();
    work.set_checkpoint(tc->writer.get());
    if (tc->log && !tc->start.paths.resume_from.empty())
      *tc->log << "trilobite: resuming after " << done << " of " << nr.runs << " trainings\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  DriveOptions o;
  o.n = nr.runs;
  o.done = work.done();
  o.chunk = std::max<std::int64_t>(1, nr.chunk);
  o.what = "trainings";
  o.bar = bar;
  o.bar_floor = o.chunk;  // trainings are long: the bar follows the chunks as given
  o.spread = true;
  try {
    drive(work, o);
  } catch (const Interrupted&) {
    if (!tc) throw;
    tc->writer->close();
    throw Interrupted(interrupted_message(std::to_string(work.done()) + " of " + std::to_string(nr.runs) + " trainings",
                                          tc->start.paths, *tc->cfg));
  }
  if (!is_writer()) return res;  // another rank of an MPI job: its trainings went to the writer
  res.traces = work.traces();
  const std::vector<RawMinimum>& raw = work.raw();
  const std::vector<std::int32_t>& raw_label = work.raw_label();
  const auto t1 = std::chrono::steady_clock::now();
  res.train_s = std::chrono::duration<double>(t1 - t0).count();

  // Minima in order of the representative's training loss (ties: the earlier run).
  std::vector<int> order(raw.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return raw[static_cast<std::size_t>(a)].loss < raw[static_cast<std::size_t>(b)].loss;
  });
  std::vector<std::int32_t> rank(raw.size());
  for (std::size_t k = 0; k < order.size(); ++k) rank[static_cast<std::size_t>(order[k])] = static_cast<std::int32_t>(k);
  res.labels.resize(raw_label.size());
  for (std::size_t i = 0; i < raw_label.size(); ++i)
    res.labels[i] = raw_label[i] < 0 ? -1 : rank[static_cast<std::size_t>(raw_label[i])];
  io::NetworkMinima& mt = res.minima;
  mt.params = P;
  mt.hessian_top = net.hessian_top;
  for (int c : order) {
    const RawMinimum& r = raw[static_cast<std::size_t>(c)];
    mt.loss.push_back(r.loss);
    mt.accuracy.push_back(r.accuracy);
    mt.test_loss.push_back(r.test_loss);
    mt.test_accuracy.push_back(r.test_accuracy);
    mt.mean_accuracy.push_back(r.sum_acc / static_cast<double>(r.count));
    mt.mean_test_accuracy.push_back(r.sum_test_acc / static_cast<double>(r.count));
    mt.count.push_back(r.count);
    mt.converged.push_back(r.converged);
    mt.first_run.push_back(r.first_run);
    mt.fraction.push_back(static_cast<double>(r.count) / static_cast<double>(nr.runs));
    mt.mean_steps.push_back(r.sum_steps / static_cast<double>(r.count));
    mt.weights.insert(mt.weights.end(), r.weights.begin(), r.weights.end());
  }

  // Curvature at the most populous minima, in float64 over the whole
  // training set: Lanczos on exact Hessian-vector products, and Hutchinson's
  // trace with Rademacher vectors from Philox keyed by (seed, minimum, sample).
  const auto nmin = static_cast<std::size_t>(mt.size());
  mt.hessian.assign(nmin * static_cast<std::size_t>(net.hessian_top), kNaN);
  if (net.hutchinson > 0) mt.trace.assign(nmin, kNaN);
  if ((net.hessian_top > 0 || net.hutchinson > 0) && net.hessian_minima > 0 && nmin > 0) {
    const std::vector<int> by_count = most_populous(mt.count, net.hessian_minima);
    // One minimum per thread; each product inside runs on that thread.
#pragma omp parallel for schedule(dynamic, 1)
    for (std::size_t q = 0; q < by_count.size(); ++q) {
      if (interrupt_pending()) continue;  // the job stops once the loop is left
      const auto c = static_cast<std::size_t>(by_count[q]);
      const double* w = mt.weights.data() + c * static_cast<std::size_t>(P);
      nn::HessianAt hessian(m, w, nr.data.train);
      const analysis::Operator hv = [&](const double* v, double* y) { hessian.apply(v, y); };
      if (net.hessian_top > 0) {
        const int steps = static_cast<int>(std::min<std::int64_t>(P, std::max(net.lanczos_steps, net.hessian_top)));
        const std::vector<double> ritz = analysis::lanczos_eigenvalues(hv, static_cast<int>(P), steps, nr.train.seed);
        for (int k = 0; k < net.hessian_top && k < static_cast<int>(ritz.size()); ++k)
          mt.hessian[c * static_cast<std::size_t>(net.hessian_top) + static_cast<std::size_t>(k)] =
              ritz[ritz.size() - 1 - static_cast<std::size_t>(k)];
      }
      if (net.hutchinson > 0) mt.trace[c] = analysis::hutchinson_trace(hv, P, nr.train.seed, c, net.hutchinson);
    }
  }
  res.minima_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  return res;
}

// /basins of a basin map of initialisations: which minimum (by function)
// each cell's training reached, its steps, status and final loss and
// accuracy, over the plane's alpha and beta; the plane's center and
// directions beside them, so any cell's start can be recomputed.
void write_start_basins(io::ResultWriter& file, const PlaneSetup& plane, const config::NetworkResolved& nr,
                        const NetworkResult& res) {
  io::GridAxes axes;
  axes.name0 = "alpha";
  axes.name1 = "beta";
  axes.coord0 = nr.start_alpha;
  axes.coord1 = nr.start_beta;
  axes.axis0 = 0;
  axes.axis1 = 1;
  axes.origin = {0.0, 0.0};
  std::vector<double> fraction(res.minima.count.size());
  for (std::size_t k = 0; k < fraction.size(); ++k)
    fraction[k] = static_cast<double>(res.minima.count[k]) / static_cast<double>(nr.runs);
  std::vector<io::ExtraMap> maps = {{"loss", "final training loss", res.loss, false},
                                    {"accuracy", "final training accuracy", res.accuracy, true}};
  if (nr.data.has_test) {
    maps.push_back({"test_loss", "final test loss", res.test_loss, false});
    maps.push_back({"test_accuracy", "final test accuracy", res.test_accuracy, true});
  }
  file.write_basins(axes, res.labels, res.steps, res.run_status, fraction, maps);
  io::write_basin_plane(file, plane.center, plane.directions, nr.model.params(), plane.kind);
}

// The data sets as the trainings see them (after a split and
// standardisation): a CRC-32 of each set's rows, features, inputs and
// labels, as "0x" and eight hex digits. A resumed job must see the same.
std::string data_crc32(const nn::DataSplit& d) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto add = [&crc](const void* p, std::size_t bytes) {
    if (bytes > 0) crc = crc32_z(crc, static_cast<const Bytef*>(p), bytes);  // a null buffer would restart it
  };
  for (const nn::Dataset* set : {&d.train, &d.test}) {
    const std::int64_t shape[2] = {set->rows, set->features};
    add(shape, sizeof shape);
    add(set->x.data(), set->x.size() * sizeof(float));
    add(set->y.data(), set->y.size() * sizeof(float));
  }
  char text[16];
  std::snprintf(text, sizeof text, "0x%08lx", static_cast<unsigned long>(crc));
  return text;
}

// What the resource estimate needs of the job (jobs/resources.hpp).
NetworkJobSize network_job_size(const config::NetworkResolved& nr, const config::NetworkConfig& net) {
  const TrainingLayout l = training_layout(nr, net);
  NetworkJobSize s;
  s.runs = nr.runs;
  s.params = l.params;
  s.probe_width = l.width;
  s.chunk = nr.chunk;
  s.weights = l.weights;
  s.keeps_outcomes = nr.keeps_outcomes();
  s.trace_weights = l.trace_weights;
  if (!nr.trace.empty()) {
    // Every `every`-th step and the last of each traced training.
    const nn::TrainParams& p = nr.train;
    const std::int64_t rows = nr.data.train.rows;
    const std::int64_t steps = p.batch > 0 ? p.epochs * ((rows + p.batch - 1) / p.batch) : p.max_steps;
    s.trace_rows = static_cast<std::int64_t>(nr.trace.size()) * (steps / std::max<std::int64_t>(nr.trace_every, 1) + 2);
  }
  return s;
}

// A table entry: fixed-point where it fits the column, else scientific (a
// training whose loss ran off to 1e29 without overflowing keeps the table
// aligned).
std::string fixed(double v, int digits) {
  std::ostringstream s;
  if (std::isfinite(v) && std::abs(v) >= 1e5)
    s << std::scientific << std::setprecision(3) << v;
  else
    s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

}  // namespace

NetworkResult train_networks(const config::NetworkResolved& nr, const config::NetworkConfig& net,
                             TrainingCheckpoint* tc, bool bar) {
  return nr.f32 ? train_all<float>(nr, net, tc, bar) : train_all<double>(nr, net, tc, bar);
}

void run_network_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log) {
  if (cfg.job != "descend" && cfg.job != "basins" && cfg.job != "run" && cfg.job != "sweep")
    throw config::BadInput("--model: network landscapes work with `trilobite descend`, `run`, `basins`, `sweep` and `grid`, not `" +
                           cfg.job + "`");
  const bool basins = cfg.job == "basins", sweep = cfg.job == "sweep";
  // `run`: the trainings of `descend`, then a plane through weight space,
  // by default centered on the lowest minimum they find. Every input of the
  // plane is read here, before any training.
  const bool run = cfg.job == "run";
  PlaneSetup plane;
  config::NetworkResolved own;
  config::NetworkResolved& nr = [&]() -> config::NetworkResolved& {
    if (basins) return own = resolve_start_plane(cfg, &plane);
    if (run) return (plane = resolve_plane(cfg)).nr;
    return own = config::resolve_network(cfg);
  }();
  if (sweep) resolve_network_sweep(cfg, nr);
  fit_network_resources(network_job_size(nr, cfg.net), cfg.output);
  cfg.backend = nr.cuda ? "cuda" : "cpu";
  const io::h5::DeflateScope deflate(cfg.compression);
  const nn::Model& m = nr.model;
  const int threads = omp_get_max_threads();
  const std::string device = nr.cuda ? nn::cuda_device_name(local_rank()) + " (cuBLAS)"
                                     : "OpenMP, " + std::to_string(threads) + " threads";
  // The checkpoint to write or to resume (its settings checked against
  // these), settled on the writer before any note.
  TrainingCheckpoint tc;
  if (is_writer()) tc.start = prepare_checkpoint(cfg);
  const std::string data_digest = data_crc32(nr.data);
  if (tc.start.resumed)
    for (const auto& [name, value] : tc.start.resumed->root_attributes())
      if (name == "data_crc32" && std::get_if<std::string>(&value) && std::get<std::string>(value) != data_digest)
        throw config::BadInput("--resume: the data differ from the interrupted run's (CRC-32 " +
                               std::get<std::string>(value) + " then, " + data_digest + " now): '" +
                               nr.data.train.name + "' changed since");
  const std::string plane_origin = !plane.center_later        ? "centered on " + plane.center_source
                                   : plane.kind == "through" ? std::string("through the most populous minima")
                                                             : std::string("centered on the lowest minimum");
  if (!cfg.quiet)
    log << "trilobite " << cfg.job << ": " << (basins ? std::to_string(plane.res) + " x " + std::to_string(plane.res) +
                                                           " initialisations (" + plane.kind + " directions) of "
                                               : sweep ? std::to_string(nr.sweep_train.size()) + " settings x " +
                                                             std::to_string(nr.sweep_runs) + " trainings of "
                                                       : std::string())
        << m.text() << " (" << m.params() << " weights, " << nn::activation_name(m.activation)
        << ", " << nn::loss_name(m.loss) << ") on " << nr.data.train.name << " (" << nr.data.train.rows << " rows"
        << (nr.data.has_test ? ", test " + std::to_string(nr.data.test.rows) : std::string()) << "), "
        << cfg.backend << " (" << device << "), " << cfg.precision
        << (run ? std::string("; then a ") + (plane.k == 2 ? "plane" : "line") + " of " +
                      std::to_string(plane.k == 2 ? plane.res * plane.res : plane.res) + " points (" + plane.kind +
                      " directions, " + plane_origin + ") on the cpu"
                : std::string())
        << "\n";
  if (!cfg.quiet && nr.gpu_not_chosen)
    log << "trilobite: networks train on the CPU under --backend auto until the GPU trainer is validated on a "
           "device; --backend cuda trains them on the GPU\n";
  install_interrupt_handlers();
  if (!is_writer()) {
    // Another rank of an MPI job: its share of the trainings, sent to the writer.
    train_networks(nr, cfg.net, nullptr, false);
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  io::Attributes a = file_head_attributes(cfg);
  for (io::Attributes part : {io::Attributes{{"landscape", std::string("network")}, {"model", m.text()}, {"dim", m.params()}},
                              optimizer_attributes(nr.train.opt),
                              io::Attributes{{"batch_size", nr.train.batch}},
                              schedule_attributes(cfg.lr_schedule, nr.train.schedule),
                              io::Attributes{{"tol", nr.train.tol},
                                             {"precision", cfg.precision},
                                             {"backend", cfg.backend},
                                             {"device", device},
                                             {"seed", cfg.seed},
                                             {"n_starts", sweep ? nr.sweep_runs : nr.runs},
                                             {"data_crc32", data_digest}}})
    a.insert(a.end(), part.begin(), part.end());
  // Mini-batch trainings run epochs; full-batch ones run up to max_steps.
  if (nr.train.batch > 0)
    a.emplace_back("epochs", nr.train.epochs);
  else
    a.emplace_back("max_steps", nr.train.max_steps);
  if (run) a.emplace_back("data", nr.data.train.name);  // the plane's readers name it
  if (cfg.resolved_config) a.emplace_back("config", cfg.resolved_config());
  tc.root = a;
  tc.cfg = &cfg;
  tc.log = cfg.quiet ? nullptr : &log;
  const bool bar = !cfg.quiet && !cfg.json && stderr_is_terminal();
  NetworkResult res = train_networks(nr, cfg.net, &tc, bar);
  tc.writer->close();
  tc.writer.reset();
  // From here the checkpoint holds every training: an interruption (during
  // the curvature, spectra, barriers or a run's plane) stops the job and
  // names it, and --resume goes straight to the minima.
  const auto stopped = [&] {
    return Interrupted(interrupted_message("all " + std::to_string(nr.runs) + " trainings", tc.start.paths, cfg));
  };
  if (interrupt_pending()) throw stopped();

  // The result file, from the finished checkpoint.
  io::ResultWriter file(cfg.output, cfg.force);
  file.write_root_attributes(a);
  io::NetworkWriter writer(file, nr.runs, m.params(), nr.record_weights, nr.data.has_test);
  copy_trainings(io::CheckpointReader(tc.start.paths.partial), training_layout(nr, cfg.net), nr.runs, writer);
  MinimaSpectra spectra;
  try {
    spectra = examine_minima(nr, cfg.net, res.minima, cfg.quiet ? nullptr : &log);
  } catch (const Interrupted&) {
    throw stopped();
  }
  writer.write_labels(res.labels);
  writer.write_minima(res.minima);
  write_minima_spectra(static_cast<hid_t>(file.file_id()), spectra, res.minima);
  writer.write_traces(res.traces);
  if (basins) write_start_basins(file, plane, nr, res);
  NetworkSweepResult swept;
  if (sweep) {
    swept = tabulate_network_sweep(nr, res);
    io::write_network_sweep(file, swept.table, swept.outcomes);
  }
  // The run's plane, centered on its lowest minimum (row 0 of /minima), or
  // (--directions through) through its most populous minima, unless
  // --center, --through or --trajectory named its vectors.
  PlaneResult plane_res;
  const io::NetworkMinima& found = res.minima;
  const auto weights_of = [&](int row) {
    const auto P = static_cast<std::ptrdiff_t>(m.params());
    return std::vector<double>(found.weights.begin() + row * P, found.weights.begin() + (row + 1) * P);
  };
  const auto name_of = [&](int row) {
    return "minimum " + std::to_string(row) + " (training " + std::to_string(found.first_run[static_cast<std::size_t>(row)]) + ")";
  };
  if (run && plane.center_later && plane.kind == "through") {
    const std::vector<int> rows = most_populous(found.count, plane.k + 1);
    if (static_cast<int>(rows.size()) == plane.k + 1) {
      std::vector<std::vector<double>> points;
      std::vector<std::string> names;
      for (int row : rows) points.push_back(weights_of(row)), names.push_back(name_of(row));
      through_plane(plane, points, names);
    }
  } else if (run && plane.center_later && found.size() > 0) {
    center_plane(cfg, plane, weights_of(0), name_of(0) + ", the lowest training loss");
  }
  const bool has_plane = run && !plane.center_later;
  if (has_plane) {
    try {
      plane_res = evaluate_plane(cfg, plane, false);
    } catch (const Interrupted&) {
      throw stopped();
    }
    io::write_plane(file, plane_res.maps);
  }
  std::vector<std::int64_t> widths(m.widths.begin(), m.widths.end());
  writer.write_network(
      {{"model", m.text()},
       {"widths", widths},
       {"activation", std::string(nn::activation_name(m.activation))},
       {"loss", std::string(nn::loss_name(m.loss))},
       {"init", std::string(nn::init_name(nr.train.init))},
       {"weight_decay", m.weight_decay},
       {"params", m.params()},
       {"weight_order", std::string("layer by layer: W (out x in, row-major), then b; PyTorch nn.Linear order")},
       {"data", nr.data.train.name},
       {"n_train", nr.data.train.rows},
       {"n_test", nr.data.has_test ? nr.data.test.rows : std::int64_t{0}},
       {"features", std::int64_t{nr.data.train.features}},
       {"function_tol", cfg.net.function_tol},
       {"lanczos_steps", std::int64_t{cfg.net.lanczos_steps}},
       {"hutchinson", std::int64_t{cfg.net.hutchinson}}},
      nr.probe_rows);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  file.commit();
  std::remove(tc.start.paths.partial.c_str());
  std::string xdmf;
  if (run) {
    try {
      // The plane for ParaView, as `grid` writes it; without a plane, an
      // earlier XDMF file of ours at that path is removed.
      xdmf = io::write_xdmf_beside(cfg.output);
    } catch (const std::runtime_error& e) {
      std::remove(cfg.output.c_str());  // all or nothing: no result without its XDMF
      throw std::runtime_error(std::string("XDMF file: ") + e.what());
    }
  }

  const io::NetworkMinima& mt = res.minima;
  if (cfg.json) {
    nlohmann::json j;
    j["job"] = cfg.job;
    j["landscape"] = "network";
    j["model"] = m.text();
    j["trainings"] = res.runs;
    j["converged"] = res.status[0];
    j["max_steps"] = res.status[1];
    j["diverged"] = res.status[2];
    j["minima"] = mt.size();
    if (sweep) {
      j["settings"] = swept.table.n_settings();
      j["trainings_per_setting"] = nr.sweep_runs;
    }
    j["timings"] = {{"trainings", res.train_s}, {"minima", res.minima_s}, {"spectra", spectra.seconds}, {"total", secs}};
    if (has_plane) {
      const std::vector<double>& loss = plane_res.maps.loss;
      j["plane"] = {{"directions", plane.kind}, {"points", plane_res.nodes},
                    {"min_loss", *std::min_element(loss.begin(), loss.end())}};
      if (plane.barrier) j["plane"]["barrier"] = plane_res.barrier;
      j["timings"]["plane"] = plane_res.seconds;
    }
    j["output"] = cfg.output;
    out << j.dump() << "\n";
    return;
  }
  out << "trainings: " << res.runs << " (" << res.status[0] << " converged, " << res.status[1] << " max-steps, "
      << res.status[2] << " diverged)\n";
  out << "minima by function (" << nr.probe_rows.size() << " probe rows, RMS tol " << cfg.net.function_tol
      << "): " << mt.size() << "\n";
  const bool test = nr.data.has_test;
  // The curvature columns only where it was computed: the top eigenvalue
  // and Hutchinson's trace, "-" for a minimum not among those examined.
  const bool top_eig = mt.hessian_top > 0 && cfg.net.hessian_minima > 0;
  const bool trace = !mt.trace.empty() && cfg.net.hessian_minima > 0;
  out << "  #   count  fraction        loss  accuracy" << (test ? "   test_loss  test_acc" : "") << "  mean_steps"
      << (top_eig ? "     top_eig" : "") << (trace ? "       trace" : "") << "\n";
  const auto curvature = [](double v) { return std::isnan(v) ? std::string("-") : fixed(v, 4); };
  const std::int64_t shown = std::min<std::int64_t>(mt.size(), 20);
  for (std::int64_t k = 0; k < shown; ++k) {
    const auto i = static_cast<std::size_t>(k);
    std::ostringstream row;
    row << std::setw(3) << k << std::setw(8) << mt.count[i] << std::setw(10) << fixed(mt.fraction[i], 4)
        << std::setw(12) << fixed(mt.loss[i], 6) << std::setw(10) << fixed(mt.accuracy[i], 4);
    if (test) row << std::setw(12) << fixed(mt.test_loss[i], 6) << std::setw(10) << fixed(mt.test_accuracy[i], 4);
    row << std::setw(12) << fixed(mt.mean_steps[i], 1);
    if (top_eig) row << std::setw(12) << curvature(mt.hessian[i * static_cast<std::size_t>(mt.hessian_top)]);
    if (trace) row << std::setw(12) << curvature(mt.trace[i]);
    out << row.str() << "\n";
  }
  if (mt.size() > shown) out << "  ... " << mt.size() - shown << " more in " << cfg.output << " (/minima)\n";
  print_minima_spectra(out, spectra, mt);
  if (sweep) print_network_sweep(out, swept, mt);
  if (has_plane) print_plane(out, plane, plane_res, nr.data.has_test);
  if (run && !has_plane)
    out << "plane: none (" << (plane.kind == "through" ? std::to_string(mt.size()) + " minima, " +
                                                             std::to_string(plane.k + 1) + " needed to pass through"
                                                       : std::string("every training diverged: no minimum to center it on"))
        << ")\n";
  out << "wrote " << cfg.output << (xdmf.empty() ? "" : " and " + xdmf) << " in " << secs << " s\n";
}

}  // namespace trilo::jobs
