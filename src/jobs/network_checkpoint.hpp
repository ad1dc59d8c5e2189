// The checkpoint of a network job (descend or basins over --model): every
// chunk of trainings is committed to `<output>.partial` like a descent
// job's chunks (src/io/checkpoint.hpp), so a killed or interrupted run goes
// on with --resume and ends with the file an uninterrupted run writes.
//
//   stream "trainings"  one row per training, in run order: the start and
//                       end weights (with --records all), final loss,
//                       gradient norm, accuracy, test loss and accuracy,
//                       steps, status and the raw minimum (order of first
//                       appearance; -1 diverged);
//   stream "traces"     the records of traced trainings (--trace), a row per
//                       recorded step: run, step, loss, accuracy and the
//                       weights with --trace-weights;
//   stream "minima"     one row per raw minimum, appended as each first
//                       appears: its representative's end weights and probe
//                       outputs (what grouping the next training by
//                       function compares with); they never change;
//   counters            trainings, trace rows and minima rows committed;
//   state               each raw minimum's running statistics (counts and
//                       sums: small, rewritten at every commit) and the
//                       status counts.
#pragma once

#include <cstdint>
#include <vector>

#include "io/checkpoint.hpp"
#include "io/network_io.hpp"

namespace trilo::jobs {

// Running statistics of one raw minimum (in order of first appearance).
struct RawMinimum {
  std::int64_t first_run = 0, count = 0, converged = 0;
  double sum_steps = 0, sum_acc = 0, sum_test_acc = 0;
  double loss = 0, accuracy = 0, test_loss = 0, test_accuracy = 0;
  std::vector<double> weights;
};

// The shape of a network job's checkpoint.
struct TrainingLayout {
  std::int64_t params = 0;
  std::int64_t width = 0;       // probe outputs per training
  bool weights = false;         // start and end weights per training
  bool trace_weights = false;   // weights per traced step
};

std::vector<io::StreamSpec> training_streams(const TrainingLayout& l);

// What absorb has gathered: the raw minima, their representatives' probe
// outputs (raw.size() x width) and the status counts. The state saves the
// counts and sums; the weights and outputs go to the "minima" stream.
struct TrainingsState {
  std::int64_t status[3] = {0, 0, 0};
  std::vector<RawMinimum> raw;
  std::vector<double> representatives;
};

io::CheckpointState pack_trainings_state(const std::int64_t status[3], const std::vector<RawMinimum>& raw);
// The state and rows [0, minima) of the "minima" stream back; throws
// std::runtime_error when they do not fit the layout or each other.
TrainingsState unpack_trainings_state(const io::CheckpointReader& ck, const TrainingLayout& l, std::int64_t minima);

// Rows [first, raw.size()) of the "minima" stream: the raw minima that
// appeared since the last commit.
void write_minima_rows(io::CheckpointWriter& ck, const TrainingLayout& l, std::int64_t first,
                       const std::vector<RawMinimum>& raw, const std::vector<double>& representatives);

// Rows of the "trainings" stream: the chunk's rows and raw minima.
void write_training_rows(io::CheckpointWriter& ck, const TrainingLayout& l, const io::TrainingRows& r,
                         const std::vector<std::int32_t>& raw_minimum);
// Rows [first, first + count) of the stream: raw minima always; the other
// columns into `r` (weights only when the layout has them).
void read_training_rows(const io::CheckpointReader& ck, const TrainingLayout& l, std::int64_t first,
                        std::int64_t count, io::TrainingRows& r, std::vector<std::int32_t>& raw_minimum);

// Rows of the "traces" stream: one per recorded step of traced training `run`.
void write_trace_rows(io::CheckpointWriter& ck, const TrainingLayout& l, std::int64_t first_row,
                      std::int64_t run, const io::TrainingTrace& t);
// Every trace row [0, rows) of the stream, appended to the traces by run.
std::vector<io::TrainingTrace> read_trace_rows(const io::CheckpointReader& ck, const TrainingLayout& l,
                                               std::int64_t rows);

// /descents of the result file from the finished checkpoint's "trainings"
// rows, in blocks (memory stays that of a block).
void copy_trainings(const io::CheckpointReader& ck, const TrainingLayout& l, std::int64_t runs,
                    io::NetworkWriter& out);

}  // namespace trilo::jobs
