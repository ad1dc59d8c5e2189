#include "jobs/network_checkpoint.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace trilo::jobs {

namespace {

using io::ColumnType;

constexpr int kRawReals = 7;  // loss, accuracy, test_loss, test_accuracy, sum_steps, sum_acc, sum_test_acc
constexpr int kRawInts = 3;   // first_run, count, converged

const io::Column& column(const io::StreamSpec& s, const std::string& name) {
  for (const io::Column& c : s.columns)
    if (c.name == name) return c;
  throw std::logic_error("network checkpoint: no column " + name);
}

}  // namespace

std::vector<io::StreamSpec> training_streams(const TrainingLayout& l) {
  const int P = static_cast<int>(l.params);
  std::vector<io::Column> rows;
  if (l.weights) rows = {{"start", ColumnType::kF64, P}, {"end", ColumnType::kF64, P}};
  for (const char* name : {"loss", "grad_norm", "accuracy", "test_loss", "test_accuracy"})
    rows.push_back({name, ColumnType::kF64, 1});
  rows.push_back({"steps", ColumnType::kI64, 1});
  rows.push_back({"status", ColumnType::kI8, 1});
  rows.push_back({"raw_minimum", ColumnType::kI32, 1});
  std::vector<io::Column> traces = {{"run", ColumnType::kI64, 1},
                                    {"step", ColumnType::kI64, 1},
                                    {"loss", ColumnType::kF64, 1},
                                    {"accuracy", ColumnType::kF64, 1}};
  if (l.trace_weights) traces.push_back({"weights", ColumnType::kF64, P});
  std::vector<io::Column> minima = {{"weights", ColumnType::kF64, P},
                                    {"outputs", ColumnType::kF64, static_cast<int>(l.width)}};
  return {{"trainings", std::move(rows)}, {"traces", std::move(traces)}, {"minima", std::move(minima)}};
}

io::CheckpointState pack_trainings_state(const std::int64_t status[3], const std::vector<RawMinimum>& raw) {
  io::CheckpointState c;
  c.ints = {status[0], status[1], status[2], static_cast<std::int64_t>(raw.size())};
  c.reals.reserve(raw.size() * kRawReals);
  for (const RawMinimum& r : raw) {
    c.ints.insert(c.ints.end(), {r.first_run, r.count, r.converged});
    c.reals.insert(c.reals.end(),
                   {r.loss, r.accuracy, r.test_loss, r.test_accuracy, r.sum_steps, r.sum_acc, r.sum_test_acc});
  }
  return c;
}

TrainingsState unpack_trainings_state(const io::CheckpointReader& ck, const TrainingLayout& l, std::int64_t minima) {
  const io::CheckpointState& c = ck.state();
  TrainingsState s;
  if (c.ints.size() < 4 || c.ints[3] != minima || minima < 0)
    throw std::runtime_error("the checkpoint's state of the minima is damaged");
  const auto n = static_cast<std::size_t>(minima);
  if (c.ints.size() != 4 + n * kRawInts || c.reals.size() != n * kRawReals)
    throw std::runtime_error("the checkpoint's state of the minima is damaged");
  std::copy(c.ints.begin(), c.ints.begin() + 3, s.status);
  s.raw.resize(n);
  const auto P = static_cast<std::size_t>(l.params);
  std::vector<double> weights(n * P);
  s.representatives.resize(n * static_cast<std::size_t>(l.width));
  if (n > 0) {
    const io::StreamSpec st = training_streams(l)[2];
    ck.read_rows(st.name, column(st, "weights"), 0, minima, weights.data());
    ck.read_rows(st.name, column(st, "outputs"), 0, minima, s.representatives.data());
  }
  for (std::size_t k = 0; k < n; ++k) {
    RawMinimum& r = s.raw[k];
    const std::int64_t* i = c.ints.data() + 4 + k * kRawInts;
    r.first_run = i[0], r.count = i[1], r.converged = i[2];
    const double* x = c.reals.data() + k * kRawReals;
    r.loss = x[0], r.accuracy = x[1], r.test_loss = x[2], r.test_accuracy = x[3];
    r.sum_steps = x[4], r.sum_acc = x[5], r.sum_test_acc = x[6];
    r.weights.assign(weights.begin() + static_cast<std::ptrdiff_t>(k * P),
                     weights.begin() + static_cast<std::ptrdiff_t>((k + 1) * P));
  }
  return s;
}

void write_minima_rows(io::CheckpointWriter& ck, const TrainingLayout& l, std::int64_t first,
                       const std::vector<RawMinimum>& raw, const std::vector<double>& representatives) {
  const auto n = static_cast<std::int64_t>(raw.size());
  if (first >= n) return;
  const auto P = static_cast<std::size_t>(l.params);
  std::vector<double> weights;
  weights.reserve(static_cast<std::size_t>(n - first) * P);
  for (std::int64_t k = first; k < n; ++k)
    weights.insert(weights.end(), raw[static_cast<std::size_t>(k)].weights.begin(),
                   raw[static_cast<std::size_t>(k)].weights.end());
  const double* outputs = representatives.data() + static_cast<std::size_t>(first) * static_cast<std::size_t>(l.width);
  ck.write_rows(2, first, n - first, {weights.data(), outputs});
}

void write_training_rows(io::CheckpointWriter& ck, const TrainingLayout& l, const io::TrainingRows& r,
                         const std::vector<std::int32_t>& raw_minimum) {
  std::vector<const void*> cols;
  if (l.weights) cols = {r.start.data(), r.end.data()};
  cols.insert(cols.end(), {r.loss.data(), r.grad_norm.data(), r.accuracy.data(), r.test_loss.data(),
                           r.test_accuracy.data(), r.steps.data(), r.status.data(), raw_minimum.data()});
  ck.write_rows(0, r.first, r.count, cols);
}

void read_training_rows(const io::CheckpointReader& ck, const TrainingLayout& l, std::int64_t first,
                        std::int64_t count, io::TrainingRows& r, std::vector<std::int32_t>& raw_minimum) {
  const io::StreamSpec s = training_streams(l)[0];
  const auto n = static_cast<std::size_t>(count);
  r.first = first;
  r.count = count;
  const auto read = [&](const char* name, auto& v, std::size_t width) {
    v.resize(n * width);
    ck.read_rows(s.name, column(s, name), first, count, v.data());
  };
  if (l.weights) {
    read("start", r.start, static_cast<std::size_t>(l.params));
    read("end", r.end, static_cast<std::size_t>(l.params));
  } else {
    r.start.clear(), r.end.clear();
  }
  read("loss", r.loss, 1);
  read("grad_norm", r.grad_norm, 1);
  read("accuracy", r.accuracy, 1);
  read("test_loss", r.test_loss, 1);
  read("test_accuracy", r.test_accuracy, 1);
  read("steps", r.steps, 1);
  read("status", r.status, 1);
  read("raw_minimum", raw_minimum, 1);
}

void write_trace_rows(io::CheckpointWriter& ck, const TrainingLayout& l, std::int64_t first_row,
                      std::int64_t run, const io::TrainingTrace& t) {
  const auto n = static_cast<std::int64_t>(t.step.size());
  if (n == 0) return;
  const std::vector<std::int64_t> runs(static_cast<std::size_t>(n), run);
  std::vector<const void*> cols = {runs.data(), t.step.data(), t.loss.data(), t.accuracy.data()};
  if (l.trace_weights) cols.push_back(t.weights.data());
  ck.write_rows(1, first_row, n, cols);
}

std::vector<io::TrainingTrace> read_trace_rows(const io::CheckpointReader& ck, const TrainingLayout& l,
                                               std::int64_t rows) {
  std::vector<io::TrainingTrace> out;
  if (rows <= 0) return out;
  const io::StreamSpec s = training_streams(l)[1];
  const auto n = static_cast<std::size_t>(rows);
  const auto P = static_cast<std::size_t>(l.params);
  std::vector<std::int64_t> run(n), step(n);
  std::vector<double> loss(n), accuracy(n), weights;
  ck.read_rows(s.name, column(s, "run"), 0, rows, run.data());
  ck.read_rows(s.name, column(s, "step"), 0, rows, step.data());
  ck.read_rows(s.name, column(s, "loss"), 0, rows, loss.data());
  ck.read_rows(s.name, column(s, "accuracy"), 0, rows, accuracy.data());
  if (l.trace_weights) {
    weights.resize(n * P);
    ck.read_rows(s.name, column(s, "weights"), 0, rows, weights.data());
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (out.empty() || out.back().run != run[i]) out.push_back({run[i], {}, {}, {}, {}});
    io::TrainingTrace& t = out.back();
    t.step.push_back(step[i]);
    t.loss.push_back(loss[i]);
    t.accuracy.push_back(accuracy[i]);
    if (l.trace_weights)
      t.weights.insert(t.weights.end(), weights.begin() + static_cast<std::ptrdiff_t>(i * P),
                       weights.begin() + static_cast<std::ptrdiff_t>((i + 1) * P));
  }
  return out;
}

void copy_trainings(const io::CheckpointReader& ck, const TrainingLayout& l, std::int64_t runs,
                    io::NetworkWriter& out) {
  // About 32 MB of weights a block.
  const std::int64_t block = l.weights ? std::max<std::int64_t>(1, (std::int64_t{1} << 21) / l.params) : 1 << 16;
  io::TrainingRows r;
  std::vector<std::int32_t> raw;
  for (std::int64_t first = 0; first < runs; first += block) {
    read_training_rows(ck, l, first, std::min(block, runs - first), r, raw);
    out.write_rows(r);
  }
}

}  // namespace trilo::jobs
