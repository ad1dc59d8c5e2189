// Data sets of network landscapes: generated sets, Fashion-MNIST from its
// Debian package, and the user's CSV, IDX and HDF5 files; the train/test
// split and standardisation. Everything is read and checked here, before any
// work, and a problem is one line naming the file, line and column.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trilo::nn {

// Where a set's rows came from, so that a problem found after reading (a
// label the loss cannot take) names its place the way the reader names places.
struct RowOrigin {
  enum class Kind { kUnknown, kGenerated, kCsv, kIdx, kHdf5 };
  Kind kind = Kind::kUnknown;
  std::string role;    // "data file" or "test data file"; a generated set: "--data" or "--test-data"
  std::string file;    // the CSV file, the IDX label file, the HDF5 spec or the generated set, as given
  std::string labels;  // the CSV label column's name; the HDF5 labels dataset
  int column = 0;      // CSV: the label column, from 1
  std::vector<std::int64_t> lines;  // CSV: the line of each of the file's rows
  std::vector<std::int64_t> rows;   // each row's index among the source's rows; empty: the same index
};

struct Dataset {
  std::int64_t rows = 0;
  int features = 0;
  std::vector<float> x;        // rows x features, row-major
  std::vector<float> y;        // one label/target per row (the label column as a number)
  bool integer_labels = true;  // every y of train AND test is an integer in [0, 2^24)
  int classes = 0;             // integer labels: max label + 1 over train AND test; else 0
  std::string name;            // "two-moons", "fashion-mnist", or the file spec as given
  RowOrigin origin;
};

struct DataOptions {
  std::string data;               // --data: a generated set's name, "fashion-mnist", or a file spec
  std::int64_t size = 0;          // --data-size: samples of a generated set (0: the set's default)
  double noise = -1;              // --data-noise: generated sets' noise (<0: the set's default)
  int classes = 0;                // --data-classes: blobs / spirals classes (0: default)
  std::string target;             // --target NAME: CSV label column (default: the last column)
  double test_fraction = 0;       // --test-fraction F in [0,1): rows moved to the test set
  std::string test_data;          // --test-data FILE (same kinds of spec as `data`)
  bool standardize = false;       // --standardize: features to zero mean, unit variance
                                  // (train statistics, applied to test too)
  std::uint64_t seed = 1;         // generated sets and the split are keyed by it
  std::string fashion_mnist_dir;  // empty: kFashionMnistDir
};

struct DataSplit {
  Dataset train, test;
  bool has_test = false;
  // With --standardize: each feature's training mean and the divisor applied
  // (its population standard deviation, or 1 for a constant feature);
  // empty otherwise. x_standardized = (x - mean) / scale.
  std::vector<double> feature_mean, feature_scale;
};

// Where Debian's dataset-fashion-mnist package installs its four IDX files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Loads, checks, splits and standardises. Throws trilo::config::BadInput with
// one line naming the file (as given), line and column where there is one,
// and the problem. Reads files only; never writes or creates anything.
DataSplit load_data(const DataOptions& o);

// One line naming the place of row `row`'s label in its source and its value,
// then `rule`: "data file 'd.csv', line 4, column 3: the label is 2; <rule>",
// "data file 'l.idx': label 3 is 2; <rule>", "data file 'f.h5:/X,/y': /y[3] is
// 2; <rule>", "--data 'blobs': sample 3 has label 2; <rule>".
std::string label_problem(const Dataset& d, std::int64_t row, const std::string& rule);

// Names of the generated sets, for help texts: xor, two-moons, circles, spirals, blobs.
std::vector<std::string> generated_set_names();

}  // namespace trilo::nn
