// load_data: which kind of source a data spec names, the test set (a file of
// its own or a seeded fraction of the rows), the labels' class count and
// standardisation. Every check happens here, before any training starts.
#include "nn/data.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "config/run_config.hpp"
#include "core/edit_distance.hpp"
#include "core/rng.hpp"
#include "nn/data_sources.hpp"

namespace trilo::nn {
namespace {
constexpr std::size_t kPathLimit = 1000;  // a file name is cut only when absurdly long
}  // namespace

void DataSource::fail(const std::string& problem) const {
  throw config::BadInput(role + " '" + printable(file, kPathLimit) + "': " + problem);
}

void DataSource::fail_at(std::int64_t line, int column, const std::string& problem) const {
  std::string where = ", line " + std::to_string(line);
  if (column > 0) where += ", column " + std::to_string(column);
  throw config::BadInput(role + " '" + printable(file, kPathLimit) + "'" + where + ": " + problem);
}

std::string printable(const std::string& text, std::size_t limit) {
  std::string s;
  for (char c : text) s += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  if (s.size() > limit) s = s.substr(0, limit) + "...";
  return s;
}

namespace {

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::string label_problem(const Dataset& d, std::int64_t row, const std::string& rule) {
  const RowOrigin& o = d.origin;
  const auto at = static_cast<std::size_t>(row);
  const std::int64_t i = o.rows.empty() ? row : o.rows[at];
  const std::string value = number_text(d.y[at]);
  const std::string file = "'" + printable(o.file, kPathLimit) + "'";
  switch (o.kind) {
    case RowOrigin::Kind::kCsv:
      return o.role + " " + file + ", line " + std::to_string(o.lines[static_cast<std::size_t>(i)]) +
             ", column " + std::to_string(o.column) + ": the label is " + value + "; " + rule;
    case RowOrigin::Kind::kIdx:
      return o.role + " " + file + ": label " + std::to_string(i) + " is " + value + "; " + rule;
    case RowOrigin::Kind::kHdf5:
      return o.role + " " + file + ": " + printable(o.labels, 80) + "[" + std::to_string(i) + "] is " + value +
             "; " + rule;
    case RowOrigin::Kind::kGenerated:
      return o.role + " " + file + ": sample " + std::to_string(i) + " has label " + value + "; " + rule;
    case RowOrigin::Kind::kUnknown: break;
  }
  return "--data '" + printable(d.name, kPathLimit) + "': row " + std::to_string(row) + " has label " + value +
         "; " + rule;
}

namespace {

[[noreturn]] void bad(const std::string& message) { throw config::BadInput(message); }

enum class SpecKind { kGenerated, kFashionMnist, kCsv, kIdx, kHdf5 };

struct Spec {
  SpecKind kind = SpecKind::kCsv;
  std::string first, second;  // IDX: images, labels; HDF5: path, then "X,y" split into x, y
  std::string x, y;
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && std::equal(tail.rbegin(), tail.rend(), s.rbegin());
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool hdf5_name(const std::string& path) {
  const std::string p = lower(path);
  return ends_with(p, ".h5") || ends_with(p, ".hdf5") || ends_with(p, ".he5") || ends_with(p, ".hdf");
}

bool idx_name(const std::string& path) {
  std::string p = lower(path);
  if (ends_with(p, ".gz")) p.resize(p.size() - 3);
  return ends_with(p, ".idx") || ends_with(p, "-ubyte") ||
         p.find("idx1") != std::string::npos || p.find("idx3") != std::string::npos;
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

const char* const kSpecHelp =
    "a generated set (xor, two-moons, circles, spirals, blobs), fashion-mnist, FILE.csv, "
    "IMAGES,LABELS (IDX files) or FILE.h5:/X,/y";

// " (did you mean 'fashion-mnist'?)" for a value that is no file but close
// to a data set's name (case aside, within two edits), else "".
std::string nearest_set_name(const std::string& text) {
  if (text.find('/') != std::string::npos) return "";
  const std::string typed = lower(text);
  std::string best;
  std::size_t best_distance = 3;
  for (const char* name : {"xor", "two-moons", "circles", "spirals", "blobs", "fashion-mnist"}) {
    const std::size_t d = edit_distance(typed, name);
    if (d < best_distance && d < std::string(name).size()) best = name, best_distance = d;
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

// What a --data or --test-data value names.
Spec classify(const std::string& option, const std::string& text) {
  Spec s;
  if (text.empty()) bad(option + ": empty; give " + kSpecHelp);
  if (is_generated_set(text)) {
    s.kind = SpecKind::kGenerated;
    return s;
  }
  if (text == "fashion-mnist") {
    s.kind = SpecKind::kFashionMnist;
    return s;
  }
  // HDF5: FILE:X,Y where FILE has an HDF5 extension or is a file and X starts with '/'.
  for (std::size_t colon = text.find(':'); colon != std::string::npos;
       colon = text.find(':', colon + 1)) {
    const std::string path = text.substr(0, colon), rest = text.substr(colon + 1);
    if (!hdf5_name(path) && !(rest.rfind('/', 0) == 0 && is_file(path))) continue;
    const std::size_t comma = rest.find(',');
    if (comma == std::string::npos || comma == 0 || comma + 1 == rest.size())
      bad(option + ": '" + printable(text, kPathLimit) +
          "': name the features and labels datasets of an HDF5 file as FILE.h5:/X,/y");
    s.kind = SpecKind::kHdf5;
    s.first = path;
    s.x = rest.substr(0, comma);
    s.y = rest.substr(comma + 1);
    return s;
  }
  if (hdf5_name(text))
    bad(option + ": '" + printable(text, kPathLimit) +
        "': name the features and labels datasets of an HDF5 file as FILE.h5:/X,/y");
  const std::size_t comma = text.find(',');
  if (comma != std::string::npos && !is_file(text)) {
    s.kind = SpecKind::kIdx;
    s.first = text.substr(0, comma);
    s.second = text.substr(comma + 1);
    if (s.first.empty() || s.second.empty() || s.second.find(',') != std::string::npos)
      bad(option + ": '" + printable(text, kPathLimit) + "': an IDX data set is two files, IMAGES,LABELS");
    return s;
  }
  if (idx_name(text) && !ends_with(lower(text), ".csv"))
    bad(option + ": '" + printable(text, kPathLimit) +
        "' looks like one IDX file; an IDX data set is two files, IMAGES,LABELS");
  if (!is_file(text)) {
    std::error_code ec;
    if (!std::filesystem::exists(text, ec)) {
      const std::string hint = nearest_set_name(text);
      if (!hint.empty()) bad(option + ": '" + printable(text, kPathLimit) + "' is no file nor data set" + hint);
      bad(option + ": '" + printable(text, kPathLimit) + "' is no file; give " + kSpecHelp);
    }
  }
  return s;  // CSV
}

// Fashion-MNIST's file `stem` in `dir`, gzipped as Debian installs it or not.
std::string fashion_file(const std::string& dir, const std::string& stem) {
  const std::string base = dir + "/" + stem;
  if (is_file(base + ".gz")) return base + ".gz";
  if (is_file(base)) return base;
  bad("--data fashion-mnist: '" + printable(base, kPathLimit) +
      ".gz' is missing; install Debian's dataset-fashion-mnist package "
      "(apt-get install dataset-fashion-mnist)");
}

Dataset load_one(const Spec& s, const std::string& text, const DataOptions& o, bool test) {
  const DataSource src{test ? "test data file" : "data file", text};
  switch (s.kind) {
    case SpecKind::kGenerated: {
      Dataset d = generate_set(text, generated_options(text, o), o.seed, test ? 1 : 0);
      d.origin.kind = RowOrigin::Kind::kGenerated;
      d.origin.role = test ? "--test-data" : "--data";
      d.origin.file = text;
      return d;
    }
    case SpecKind::kCsv: return read_csv(src, o.target);
    case SpecKind::kIdx: return read_idx_pair(src, s.first, s.second);
    case SpecKind::kHdf5: return read_hdf5(src, s.first, s.x, s.y);
    case SpecKind::kFashionMnist: break;
  }
  return {};  // Fashion-MNIST is read with its test set by load_data
}

// Moves round(fraction * rows) rows to the test set: those whose Philox
// number (seed, row, kSplit) is smallest, ties by row. Both keep file order.
void split_off(DataSplit& d, double fraction, std::uint64_t seed) {
  Dataset& train = d.train;
  const std::int64_t n = train.rows;
  const auto n_test = static_cast<std::int64_t>(std::llround(fraction * static_cast<double>(n)));
  if (n_test == 0)
    bad("--test-fraction: " + number_text(fraction) + " of " + std::to_string(n) +
        " rows leaves the test set empty");
  if (n_test == n)
    bad("--test-fraction: " + number_text(fraction) + " of " + std::to_string(n) +
        " rows leaves no training rows");
  const Philox rng{seed};
  std::vector<std::pair<std::uint64_t, std::int64_t>> keys(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const auto w = rng.words(static_cast<std::uint64_t>(i), RngStream::kSplit, 0, 0);
    keys[static_cast<std::size_t>(i)] = {(std::uint64_t{w[0]} << 32) | w[1], i};
  }
  std::nth_element(keys.begin(), keys.begin() + n_test, keys.end());
  std::vector<char> to_test(static_cast<std::size_t>(n), 0);
  for (std::int64_t k = 0; k < n_test; ++k) to_test[static_cast<std::size_t>(keys[k].second)] = 1;

  Dataset kept, test;
  for (Dataset* s : {&kept, &test}) {
    s->name = train.name;
    s->features = train.features;
    s->origin = train.origin;
    s->origin.rows.clear();
  }
  const auto f = static_cast<std::size_t>(train.features);
  for (std::int64_t i = 0; i < n; ++i) {
    Dataset& to = to_test[static_cast<std::size_t>(i)] ? test : kept;
    const auto row = train.x.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(i) * f);
    to.x.insert(to.x.end(), row, row + static_cast<std::ptrdiff_t>(f));
    to.y.push_back(train.y[static_cast<std::size_t>(i)]);
    to.origin.rows.push_back(train.origin.rows.empty() ? i : train.origin.rows[static_cast<std::size_t>(i)]);
  }
  kept.rows = n - n_test;
  test.rows = n_test;
  d.train = std::move(kept);
  d.test = std::move(test);
  d.has_test = true;
}

// Integer labels: every label of both sets a whole number in [0, 2^24)
// (exact in a float). Then classes = the largest + 1.
void set_classes(DataSplit& d) {
  constexpr float kLimit = 16777216.0f;
  bool integral = true;
  float top = 0;
  for (const Dataset* s : {&d.train, &d.test})
    for (float v : s->y) {
      integral = integral && v >= 0 && v < kLimit && v == std::floor(v);
      top = std::max(top, v);
    }
  for (Dataset* s : {&d.train, &d.test}) {
    s->integer_labels = integral;
    s->classes = integral ? static_cast<int>(top) + 1 : 0;
  }
}

// Centres every feature on its training mean and divides by its training
// population standard deviation (a constant feature is only centred).
void standardize(DataSplit& d) {
  const Dataset& t = d.train;
  const auto f = static_cast<std::size_t>(t.features);
  const auto n = static_cast<std::size_t>(t.rows);
  std::vector<double> mean(f, 0.0), var(f, 0.0);
  std::vector<float> lo(t.x.begin(), t.x.begin() + static_cast<std::ptrdiff_t>(f)), hi = lo;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < f; ++j) {
      const float v = t.x[i * f + j];
      mean[j] += v;
      lo[j] = std::min(lo[j], v);
      hi[j] = std::max(hi[j], v);
    }
  for (double& m : mean) m /= static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < f; ++j) {
      const double e = t.x[i * f + j] - mean[j];
      var[j] += e * e;
    }
  d.feature_mean = mean;
  d.feature_scale.assign(f, 1.0);
  for (std::size_t j = 0; j < f; ++j) {
    if (lo[j] == hi[j]) {
      d.feature_mean[j] = lo[j];  // exactly the value, so the feature becomes exactly 0
      continue;
    }
    const double sd = std::sqrt(var[j] / static_cast<double>(n));
    if (sd > 0) d.feature_scale[j] = sd;
  }
  for (Dataset* s : {&d.train, &d.test})
    for (std::size_t i = 0; i < static_cast<std::size_t>(s->rows); ++i)
      for (std::size_t j = 0; j < f; ++j) {
        float& v = s->x[i * f + j];
        v = static_cast<float>((v - d.feature_mean[j]) / d.feature_scale[j]);
      }
}

}  // namespace

DataSplit load_data(const DataOptions& o) {
  const Spec train_spec = classify("--data", o.data);
  const bool has_test_file = !o.test_data.empty();
  const Spec test_spec = has_test_file ? classify("--test-data", o.test_data) : Spec{};
  if (!(o.test_fraction >= 0 && o.test_fraction < 1))
    bad("--test-fraction: must lie in [0, 1)");
  if (has_test_file && o.test_fraction > 0)
    bad("--test-fraction and --test-data: give one test set, not both");
  const bool fashion = train_spec.kind == SpecKind::kFashionMnist;
  if (fashion && o.test_fraction > 0)
    bad("--test-fraction: fashion-mnist has its own test set (t10k)");
  if (fashion && has_test_file) bad("--test-data: fashion-mnist has its own test set (t10k)");
  if (has_test_file && test_spec.kind == SpecKind::kFashionMnist)
    bad("--test-data: fashion-mnist is a training set with its own test set; give it as --data");

  // Options that only some kinds of data take.
  const bool generated = train_spec.kind == SpecKind::kGenerated ||
                         (has_test_file && test_spec.kind == SpecKind::kGenerated);
  const bool csv = train_spec.kind == SpecKind::kCsv || (has_test_file && test_spec.kind == SpecKind::kCsv);
  if (!generated && o.size != 0) bad("--data-size: only generated sets take a size");
  if (!generated && o.noise >= 0) bad("--data-noise: only generated sets take a noise level");
  if (!generated && o.classes != 0) bad("--data-classes: only generated sets take a class count");
  if (!csv && !o.target.empty()) bad("--target: only CSV files have named label columns");

  DataSplit d;
  if (fashion) {
    const std::string dir = o.fashion_mnist_dir.empty() ? kFashionMnistDir : o.fashion_mnist_dir;
    const std::string train_images = fashion_file(dir, "train-images-idx3-ubyte");
    const std::string train_labels = fashion_file(dir, "train-labels-idx1-ubyte");
    const std::string test_images = fashion_file(dir, "t10k-images-idx3-ubyte");
    const std::string test_labels = fashion_file(dir, "t10k-labels-idx1-ubyte");
    d.train = read_idx_pair({"data file", train_images + "," + train_labels}, train_images, train_labels);
    d.test = read_idx_pair({"data file", test_images + "," + test_labels}, test_images, test_labels);
    d.train.name = d.test.name = "fashion-mnist";
    d.has_test = true;
  } else {
    d.train = load_one(train_spec, o.data, o, false);
    if (has_test_file) {
      d.test = load_one(test_spec, o.test_data, o, true);
      d.has_test = true;
    }
  }
  if (d.has_test && d.test.features != d.train.features) {
    const std::string file = has_test_file ? o.test_data : d.test.name;
    DataSource{has_test_file ? "test data file" : "data file", file}
        .fail(std::to_string(d.test.features) + " features, the training data has " +
              std::to_string(d.train.features));
  }
  if (o.test_fraction > 0) split_off(d, o.test_fraction, o.seed);
  if (!d.has_test) {
    d.test.name = d.train.name;
    d.test.features = d.train.features;
  }
  set_classes(d);
  if (o.standardize) standardize(d);
  return d;
}

}  // namespace trilo::nn
