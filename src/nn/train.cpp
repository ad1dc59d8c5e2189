#include "nn/train.hpp"

#include <cmath>
#include <limits>
#include <numeric>

#include "core/rng.hpp"
#include "nn/philox_lanes.hpp"

namespace trilo::nn {

std::vector<std::int64_t> batch_order(std::uint64_t seed, std::int64_t run, std::int64_t epoch,
                                      std::int64_t rows) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(rows));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  if (rows < 2) return order;
  // Fisher-Yates from the end: entry i swaps with j uniform in [0, i], j the
  // high word of a 64-bit draw times (i + 1) (bias below (i + 1) / 2^64).
  // The draw's counter is (run, epoch, i): rows < 2^24 (checked by the job).
  // The draws for i = 1 .. rows - 1 are made first, many at once.
  std::vector<std::uint64_t> bits(static_cast<std::size_t>(rows - 1));
  philox_block_bits(Philox{seed}, static_cast<std::uint64_t>(run), RngStream::kBatch,
                    static_cast<std::uint32_t>(epoch), 1, rows - 1, bits.data());
  for (std::int64_t i = rows - 1; i > 0; --i) {
    const auto j = static_cast<std::int64_t>(
        (static_cast<unsigned __int128>(bits[static_cast<std::size_t>(i - 1)]) * static_cast<unsigned __int128>(i + 1)) >> 64);
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  return order;
}

namespace {

template <class T>
double norm(const std::vector<T>& g) {
  double s = 0;
  for (T v : g) s += static_cast<double>(v) * static_cast<double>(v);
  return std::sqrt(s);
}

}  // namespace

template <class T>
TrainOutcome train_one(const Model& m, const TrainParams& p, const DataView<T>& train,
                       const DataView<T>* test, std::int64_t run, double* start, double* end,
                       TraceSink* trace, bool start_given) {
  const std::int64_t P = m.params();
  if (!start_given) init_weights(m, p.init, p.seed, run, start);
  std::vector<T> w(start, start + P), g(static_cast<std::size_t>(P));
  std::vector<T> mom(static_cast<std::size_t>(P), T(0)), sec(static_cast<std::size_t>(P), T(0));
  T b1t(1), b2t(1);
  Workspace<T> ws;
  TrainOutcome out;
  const Batch<T> all = train.all();
  const auto record = [&](std::int64_t step, const Eval& e) {
    if (!trace || trace->every <= 0) return;
    trace->step.push_back(step);
    trace->loss.push_back(e.loss);
    trace->accuracy.push_back(accuracy_of(e.correct, train.rows, train.scored));
    if (trace->weights) trace->position.insert(trace->position.end(), w.begin(), w.end());
  };
  const auto finite = [&] {
    for (T v : w)
      if (!std::isfinite(static_cast<double>(v))) return false;
    return true;
  };
  const auto update = [&](std::int64_t step) {
    const T lr = T(lr_at(p.schedule, p.opt.lr, step));
    optimizer_update(p.opt, lr, mom.data(), sec.data(), b1t, b2t, static_cast<int>(P), g.data(), w.data());
  };

  std::int64_t step = 0;
  bool diverged = false;
  Eval e;
  if (p.batch <= 0) {
    // Full batch: descend until the gradient is small or the steps run out.
    for (;; ++step) {
      e = evaluate(m, w.data(), all, g.data(), ws);
      const double gn = norm(g);
      if (trace && trace->every > 0 && step % trace->every == 0) record(step, e);
      if (!std::isfinite(e.loss) || !std::isfinite(gn)) {
        diverged = true;
        break;
      }
      if (gn <= p.tol || step == p.max_steps) break;
      update(step);
    }
  } else {
    std::vector<T> xb(static_cast<std::size_t>(p.batch) * train.features);
    std::vector<float> yb(static_cast<std::size_t>(p.batch));
    for (std::int64_t epoch = 0; epoch < p.epochs && !diverged; ++epoch) {
      const std::vector<std::int64_t> order = batch_order(p.seed, p.order_run < 0 ? run : p.order_run, epoch, train.rows);
      for (std::int64_t first = 0; first < train.rows; first += p.batch, ++step) {
        const std::int64_t rows = std::min(p.batch, train.rows - first);
        gather_rows(train, order.data() + first, rows, xb.data(), yb.data());
        const std::int64_t next = first + p.batch;
        if (next < train.rows) prefetch_rows(train, order.data() + next, std::min(p.batch, train.rows - next));
        const Eval be = evaluate(m, w.data(), Batch<T>{xb.data(), yb.data(), rows}, g.data(), ws);
        if (trace && trace->every > 0 && step % trace->every == 0) record(step, evaluate(m, w.data(), all, static_cast<T*>(nullptr), ws));
        if (!std::isfinite(be.loss)) {
          diverged = true;
          break;
        }
        update(step);
      }
      if (!finite()) diverged = true;
    }
    if (!diverged) e = evaluate(m, w.data(), all, g.data(), ws);
  }
  for (std::int64_t k = 0; k < P; ++k) end[k] = static_cast<double>(w[static_cast<std::size_t>(k)]);
  out.steps = step;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (diverged) {
    out.status = DescentStatus::kDiverged;
    out.loss = out.grad_norm = out.accuracy = nan;
  } else {
    out.loss = e.loss;
    out.grad_norm = norm(g);
    out.accuracy = accuracy_of(e.correct, train.rows, train.scored);
    out.status = out.grad_norm <= p.tol ? DescentStatus::kConverged : DescentStatus::kMaxSteps;
    if (trace && trace->every > 0 && (trace->step.empty() || trace->step.back() != step)) record(step, e);
  }
  out.test_loss = out.test_accuracy = nan;
  if (test && test->rows > 0 && !diverged) {
    const Eval t = evaluate(m, w.data(), test->all(), static_cast<T*>(nullptr), ws);
    out.test_loss = t.loss;
    out.test_accuracy = accuracy_of(t.correct, test->rows, test->scored);
  }
  return out;
}

template TrainOutcome train_one<float>(const Model&, const TrainParams&, const DataView<float>&,
                                       const DataView<float>*, std::int64_t, double*, double*, TraceSink*, bool);
template TrainOutcome train_one<double>(const Model&, const TrainParams&, const DataView<double>&,
                                        const DataView<double>*, std::int64_t, double*, double*, TraceSink*, bool);

}  // namespace trilo::nn
