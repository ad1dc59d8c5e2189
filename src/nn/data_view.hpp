// A data set bound for training in one precision, and the mini-batch gather
// that reads it. Images and other data of few distinct values are also held
// as one byte a value (a code into a palette of the values themselves), and
// a gather reads the codes: a quarter of the memory traffic of float32 rows,
// the resource a shuffled mini-batch runs short of.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "nn/data.hpp"
#include "nn/model.hpp"

namespace trilo::nn {

// rows x features, row-major, in precision T, and a label per row.
template <class T>
struct DataView {
  std::vector<T> x;
  std::vector<float> y;
  std::int64_t rows = 0;
  int features = 0;
  // When x holds at most 256 distinct values (bitwise), codes[i] indexes the
  // palette entry equal to x[i]; empty otherwise. A batch decoded from the
  // codes is bitwise the batch copied from x. When every value is a byte q
  // divided by one float divisor (pixels scaled to [0, 1], counts, one-hot
  // features), the code is q itself, palette[q] = T(float(q) / divisor), and
  // rows decode by a vectorised convert and divide instead of table loads.
  std::vector<std::uint8_t> codes;
  std::vector<T> palette;
  float divisor = 0;  // > 0: codes are the bytes q above
  // > 0: 1 / divisor, with which a correctly rounded q / divisor is computed
  // by multiplies (checked bitwise for every byte when the codes are made)
  float reciprocal = 0;
  // The labels are classes (Dataset::integer_labels), so that a row is
  // classified right or wrong; a regression's rows are not (accuracy_of).
  bool scored = true;
  Batch<T> all() const { return {x.data(), y.data(), rows}; }
};

// The share of `correct` among `rows` (0 for no rows); NaN where the
// labels are not classes (a regression with mse), where no row is right or
// wrong.
inline double accuracy_of(std::int64_t correct, std::int64_t rows, bool scored) {
  if (!scored) return std::numeric_limits<double>::quiet_NaN();
  return rows > 0 ? static_cast<double>(correct) / static_cast<double>(rows) : 0.0;
}

// The whole set in precision T; with `coded`, also its codes when its values
// allow (a set gathered in mini-batches: the training set).
template <class T>
DataView<T> view_of(const Dataset& d, bool coded = false);

// The given rows of a set, in that order, in precision T.
template <class T>
DataView<T> rows_of(const Dataset& d, const std::vector<std::int64_t>& rows);

// Copies rows idx[0..rows) of `d` into a batch (features into xb, labels
// into yb): the mini-batch gather before every step of a CPU training. Reads
// the codes where the view has them.
template <class T>
void gather_rows(const DataView<T>& d, const std::int64_t* idx, std::int64_t rows, T* xb, float* yb);

// Asks the cache for rows idx[0..rows) of `d` (their codes where it has
// them) ahead of their gather: the rows of a shuffled batch lie anywhere in a
// set far larger than the caches, and fetched while the step before computes
// they are waiting when the gather starts.
template <class T>
void prefetch_rows(const DataView<T>& d, const std::int64_t* idx, std::int64_t rows);

}  // namespace trilo::nn
