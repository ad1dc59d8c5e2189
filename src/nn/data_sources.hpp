// The readers and generators behind load_data (src/nn/data.cpp), one per kind
// of data spec, and the one-line error every one of them raises.
#pragma once

#include <cstdint>
#include <string>

#include "nn/data.hpp"

namespace trilo::nn {

// The file an error is about, as the user gave it, and which option gave it.
struct DataSource {
  std::string role;  // "data file" (--data) or "test data file" (--test-data)
  std::string file;

  // "<role> '<file>': <problem>" as config::BadInput.
  [[noreturn]] void fail(const std::string& problem) const;
  // "<role> '<file>', line L, column C: <problem>" (column omitted when 0).
  [[noreturn]] void fail_at(std::int64_t line, int column, const std::string& problem) const;
};

// `text` made safe for a one-line message: control characters become '?',
// and more than `limit` characters are cut with "...".
std::string printable(const std::string& text, std::size_t limit = 200);

// The shape of one generated set (generated_sets.cpp): the options after
// defaults, checked by generated_options.
struct GeneratedOptions {
  std::int64_t size = 0;
  double noise = 0;
  int classes = 0;
};
bool is_generated_set(const std::string& name);
// Applies the set's defaults to --data-size, --data-noise, --data-classes and
// checks them (BadInput naming the option).
GeneratedOptions generated_options(const std::string& name, const DataOptions& o);
// Samples 0..size-1 of set `name`. `part` keeps the two sets of one run apart:
// 0 for --data, 1 for --test-data.
Dataset generate_set(const std::string& name, const GeneratedOptions& g, std::uint64_t seed,
                     std::uint32_t part);

// A CSV file with a header row (csv_reader.cpp). The label is the column
// named `target`, else the last column; every other column is a feature.
Dataset read_csv(const DataSource& src, const std::string& target);

// An IDX image file and an IDX label file (idx_reader.cpp), gzipped or not.
// `src.file` names the pair in messages about both.
Dataset read_idx_pair(const DataSource& src, const std::string& images, const std::string& labels);

// Datasets `x_name` (rows x features) and `y_name` (rows) of an HDF5 file
// (hdf5_reader.cpp).
Dataset read_hdf5(const DataSource& src, const std::string& path, const std::string& x_name,
                  const std::string& y_name);

}  // namespace trilo::nn
