// The data layer of network landscapes: generated sets against their
// documented formulas (docs/networks.md) recomputed here, CSV, IDX and HDF5
// files written here and read back, every bad-data message, the seeded split,
// standardisation, and Fashion-MNIST from its Debian package.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "core/rng.hpp"
#include "nn/data.hpp"

namespace trilo::nn {
namespace {

#ifndef TRILOBITE_TEST_TMP
#define TRILOBITE_TEST_TMP "/tmp"
#endif

// A path unique to the running test, so parallel test processes never meet.
std::string test_path(const std::string& suffix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(TRILOBITE_TEST_TMP) + "/nn_data_" + info->name() + "_" +
         std::to_string(::getpid()) + suffix;
}

std::string write_text(const std::string& suffix, const std::string& text) {
  const std::string p = test_path(suffix);
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

DataOptions with_data(const std::string& data) {
  DataOptions o;
  o.data = data;
  return o;
}

// The BadInput message load_data raises, or "(loaded)".
std::string error_of(const DataOptions& o) {
  try {
    load_data(o);
  } catch (const config::BadInput& e) {
    return e.what();
  }
  return "(loaded)";
}

// The message, checked to be one line.
std::string one_line_error(const DataOptions& o) {
  const std::string e = error_of(o);
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  return e;
}

// ---- generated sets ---------------------------------------------------------

// Sample i of a generated set from the formulas of docs/networks.md.
struct Sample {
  double x0, x1;
  int label;
};
Sample reference_sample(const std::string& name, std::int64_t i, std::uint64_t seed,
                        std::uint32_t part, double s, int k) {
  const Philox rng{seed};
  double u[2], z[2];
  uniform_pair(rng, static_cast<std::uint64_t>(i), RngStream::kData, 2 * part, 0, u);
  normal_pair<double>(rng, static_cast<std::uint64_t>(i), RngStream::kData, 2 * part + 1, 0, z);
  const double pi = 3.14159265358979323846;
  double a = 0, b = 0;
  int c = 0;
  if (name == "xor") {
    a = static_cast<double>((i % 4) / 2);
    b = static_cast<double>(i % 2);
    c = (i % 4 == 1 || i % 4 == 2) ? 1 : 0;
  } else if (name == "two-moons") {
    c = static_cast<int>(i % 2);
    const double t = pi * u[0];
    a = c == 0 ? std::cos(t) : 1 - std::cos(t);
    b = c == 0 ? std::sin(t) : 0.5 - std::sin(t);
  } else if (name == "circles") {
    c = static_cast<int>(i % 2);
    const double r = c == 0 ? 1 : 0.5;
    a = r * std::cos(2 * pi * u[0]);
    b = r * std::sin(2 * pi * u[0]);
  } else if (name == "spirals") {
    c = static_cast<int>(i % k);
    const double r = u[0], t = 2 * pi * c / k + 3 * pi * r;
    a = r * std::cos(t);
    b = r * std::sin(t);
  } else {
    c = static_cast<int>(i % k);
    a = 3 * std::cos(2 * pi * c / k);
    b = 3 * std::sin(2 * pi * c / k);
  }
  return {a + s * z[0], b + s * z[1], c};
}

TEST(NnData, GeneratedSetNamesAreListed) {
  EXPECT_EQ(generated_set_names(),
            (std::vector<std::string>{"xor", "two-moons", "circles", "spirals", "blobs"}));
}

TEST(NnData, GeneratedSetsFollowTheirDocumentedFormulas) {
  const std::map<std::string, std::pair<double, int>> defaults = {
      {"xor", {0.1, 2}},     {"two-moons", {0.1, 2}}, {"circles", {0.05, 2}},
      {"spirals", {0.05, 3}}, {"blobs", {0.5, 3}}};
  for (const auto& [name, def] : defaults) {
    DataOptions o = with_data(name);
    o.seed = 12345;
    const DataSplit d = load_data(o);
    ASSERT_EQ(d.train.rows, 500) << name;
    ASSERT_EQ(d.train.features, 2) << name;
    EXPECT_FALSE(d.has_test);
    EXPECT_EQ(d.train.name, name);
    EXPECT_TRUE(d.train.integer_labels);
    EXPECT_EQ(d.train.classes, def.second) << name;
    for (std::int64_t i = 0; i < d.train.rows; ++i) {
      const Sample s = reference_sample(name, i, o.seed, 0, def.first, def.second);
      ASSERT_NEAR(d.train.x[2 * i], s.x0, 1e-6) << name << " sample " << i;
      ASSERT_NEAR(d.train.x[2 * i + 1], s.x1, 1e-6) << name << " sample " << i;
      ASSERT_EQ(d.train.y[i], static_cast<float>(s.label)) << name << " sample " << i;
    }
  }
}

TEST(NnData, GeneratedSetsAreDeterministicPerSeedAndDifferAcrossSeeds) {
  for (const std::string& name : generated_set_names()) {
    DataOptions o = with_data(name);
    o.seed = 7;
    const DataSplit a = load_data(o), b = load_data(o);
    EXPECT_EQ(a.train.x, b.train.x) << name;
    EXPECT_EQ(a.train.y, b.train.y) << name;
    o.seed = 8;
    const DataSplit c = load_data(o);
    EXPECT_NE(a.train.x, c.train.x) << name;
  }
}

TEST(NnData, XorWithoutNoiseIsTheTruthTable) {
  DataOptions o = with_data("xor");
  o.size = 4;
  o.noise = 0;
  const DataSplit d = load_data(o);
  EXPECT_EQ(d.train.x, (std::vector<float>{0, 0, 0, 1, 1, 0, 1, 1}));
  EXPECT_EQ(d.train.y, (std::vector<float>{0, 1, 1, 0}));
  EXPECT_EQ(d.train.classes, 2);
}

TEST(NnData, CirclesLieOnTheirRadii) {
  DataOptions o = with_data("circles");
  o.size = 1000;
  o.noise = 0;
  const DataSplit exact = load_data(o);
  int outer = 0;
  for (std::int64_t i = 0; i < exact.train.rows; ++i) {
    const double r = std::hypot(exact.train.x[2 * i], exact.train.x[2 * i + 1]);
    const bool inner = exact.train.y[i] == 1;
    outer += !inner;
    EXPECT_NEAR(r, inner ? 0.5 : 1.0, 1e-6);
  }
  EXPECT_EQ(outer, 500);
  // With noise: each class's mean radius stays near its circle.
  o.noise = 0.05;
  o.size = 20000;
  const DataSplit noisy = load_data(o);
  double sum[2] = {0, 0};
  for (std::int64_t i = 0; i < noisy.train.rows; ++i)
    sum[static_cast<int>(noisy.train.y[i])] += std::hypot(noisy.train.x[2 * i], noisy.train.x[2 * i + 1]);
  EXPECT_NEAR(sum[0] / 10000, 1.0, 0.01);
  EXPECT_NEAR(sum[1] / 10000, 0.5, 0.01);
}

TEST(NnData, TwoMoonsLieOnTheirHalfCircles) {
  DataOptions o = with_data("two-moons");
  o.noise = 0;
  const DataSplit d = load_data(o);
  for (std::int64_t i = 0; i < d.train.rows; ++i) {
    const double a = d.train.x[2 * i], b = d.train.x[2 * i + 1];
    if (d.train.y[i] == 0) {
      EXPECT_NEAR(a * a + b * b, 1.0, 1e-6);
      EXPECT_GE(b, -1e-7);
    } else {
      EXPECT_NEAR((a - 1) * (a - 1) + (b - 0.5) * (b - 0.5), 1.0, 1e-6);
      EXPECT_LE(b, 0.5 + 1e-7);
    }
  }
}

TEST(NnData, BlobsLieNearTheirCentersWithTheGivenSpread) {
  DataOptions o = with_data("blobs");
  o.classes = 5;
  o.size = 50000;
  o.noise = 0.4;
  const DataSplit d = load_data(o);
  EXPECT_EQ(d.train.classes, 5);
  std::vector<double> n(5), mx(5), my(5), ss(5);
  for (std::int64_t i = 0; i < d.train.rows; ++i) {
    const int k = static_cast<int>(d.train.y[i]);
    const double cx = 3 * std::cos(2 * 3.14159265358979 * k / 5), cy = 3 * std::sin(2 * 3.14159265358979 * k / 5);
    const double ex = d.train.x[2 * i] - cx, ey = d.train.x[2 * i + 1] - cy;
    n[k] += 1;
    mx[k] += ex;
    my[k] += ey;
    ss[k] += ex * ex + ey * ey;
  }
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(n[k], 10000);
    // The mean offset of 10000 points has standard error 0.4 / 100.
    EXPECT_NEAR(mx[k] / n[k], 0, 0.02);
    EXPECT_NEAR(my[k] / n[k], 0, 0.02);
    EXPECT_NEAR(std::sqrt(ss[k] / (2 * n[k])), 0.4, 0.01);
  }
}

TEST(NnData, SpiralsHaveBalancedClassesOnTheirArms) {
  DataOptions o = with_data("spirals");
  o.classes = 4;
  o.size = 400;
  o.noise = 0;
  const DataSplit d = load_data(o);
  std::vector<int> count(4);
  for (std::int64_t i = 0; i < d.train.rows; ++i) {
    const int k = static_cast<int>(d.train.y[i]);
    ++count[k];
    const double r = std::hypot(d.train.x[2 * i], d.train.x[2 * i + 1]);
    if (r < 1e-3) continue;
    // The angle of the point minus the arm's angle at that radius is 0 mod 2 pi.
    const double t = std::atan2(d.train.x[2 * i + 1], d.train.x[2 * i]) -
                     (2 * 3.14159265358979 * k / 4 + 3 * 3.14159265358979 * r);
    EXPECT_NEAR(std::remainder(t, 2 * 3.14159265358979), 0, 1e-4) << i;
  }
  EXPECT_EQ(count, (std::vector<int>{100, 100, 100, 100}));
}

TEST(NnData, GeneratedTestSetHoldsOtherSamples) {
  DataOptions o = with_data("two-moons");
  o.test_data = "two-moons";
  o.size = 300;
  const DataSplit d = load_data(o);
  ASSERT_TRUE(d.has_test);
  EXPECT_EQ(d.test.rows, 300);
  EXPECT_NE(d.train.x, d.test.x);
  for (std::int64_t i = 0; i < d.test.rows; ++i) {
    const Sample s = reference_sample("two-moons", i, o.seed, 1, 0.1, 2);
    ASSERT_NEAR(d.test.x[2 * i], s.x0, 1e-6);
    ASSERT_NEAR(d.test.x[2 * i + 1], s.x1, 1e-6);
  }
}

TEST(NnData, GeneratedOptionsAreChecked) {
  DataOptions o = with_data("xor");
  o.classes = 3;
  EXPECT_EQ(one_line_error(o),
            "--data-classes: 'xor' has 2 classes; only spirals and blobs take a class count");
  o = with_data("blobs");
  o.classes = 1;
  EXPECT_EQ(one_line_error(o), "--data-classes: must lie in 2..1000");
  o = with_data("circles");
  o.size = -5;
  EXPECT_EQ(one_line_error(o), "--data-size: must lie in 1..100000000");
  o = with_data("circles");
  o.noise = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(one_line_error(o), "--data-noise: must be a finite number >= 0");
}

// ---- CSV ----------------------------------------------------------------------

TEST(NnData, CsvReadsFeaturesAndTheLastColumnAsLabelInFileOrder) {
  const std::string p = write_text(".csv", "a, b ,label\n1.5,-2,1\n\n3e2,+4,0\r\n5,6,2\n");
  const DataSplit d = load_data(with_data(p));
  EXPECT_EQ(d.train.rows, 3);
  EXPECT_EQ(d.train.features, 2);
  EXPECT_EQ(d.train.x, (std::vector<float>{1.5f, -2, 300, 4, 5, 6}));
  EXPECT_EQ(d.train.y, (std::vector<float>{1, 0, 2}));
  EXPECT_TRUE(d.train.integer_labels);
  EXPECT_EQ(d.train.classes, 3);
  EXPECT_EQ(d.train.name, p);
  EXPECT_FALSE(d.has_test);
  std::filesystem::remove(p);
}

TEST(NnData, CsvByteOrderMarkIsNotPartOfTheFirstName) {
  const std::string p = write_text(".csv", "\xEF\xBB\xBFkind,x\n1,2\n0,4\n");
  DataOptions o = with_data(p);
  o.target = "kind";
  const DataSplit d = load_data(o);
  EXPECT_EQ(d.train.x, (std::vector<float>{2, 4}));
  EXPECT_EQ(d.train.y, (std::vector<float>{1, 0}));
  std::filesystem::remove(p);
}

TEST(NnData, CsvTargetNamesTheLabelColumn) {
  const std::string p = write_text(".csv", "x1,\"kind\",x2\n1,0,2\n3,1,4\n");
  DataOptions o = with_data(p);
  o.target = "kind";
  const DataSplit d = load_data(o);
  EXPECT_EQ(d.train.x, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(d.train.y, (std::vector<float>{0, 1}));
  o.target = "x2";
  EXPECT_EQ(load_data(o).train.y, (std::vector<float>{2, 4}));
  std::filesystem::remove(p);
}

TEST(NnData, FractionalOrNegativeLabelsAreNotClassLabels) {
  for (const char* label : {"0.5", "-1"}) {
    const std::string p = write_text(".csv", std::string("a,y\n1,0\n2,") + label + "\n");
    const DataSplit d = load_data(with_data(p));
    EXPECT_FALSE(d.train.integer_labels) << label;
    EXPECT_EQ(d.train.classes, 0) << label;
    std::filesystem::remove(p);
  }
}

TEST(NnData, ClassesCountTrainingAndTestLabels) {
  const std::string train = write_text("_train.csv", "a,y\n1,0\n2,1\n");
  const std::string test = write_text("_test.csv", "a,y\n1,4\n");
  DataOptions o = with_data(train);
  o.test_data = test;
  const DataSplit d = load_data(o);
  ASSERT_TRUE(d.has_test);
  EXPECT_EQ(d.train.classes, 5);
  EXPECT_EQ(d.test.classes, 5);
  EXPECT_EQ(d.test.name, test);
  std::filesystem::remove(train);
  std::filesystem::remove(test);
}

// Every bad CSV: the message names the file, the line and the column.
TEST(NnData, BadCsvFilesNameFileLineAndColumn) {
  struct Case {
    const char* text;
    std::string message;  // after "data file 'P'"
  };
  const std::vector<Case> cases = {
      {"a,b,y\n1,2,0\n1,2\n", ", line 3, column 3: missing: this row has 2 fields, the header 3 columns"},
      {"a,b,y\n1,2,0,9\n", ", line 2, column 4: one field too many: the header has 3 columns"},
      {"a,b,y\n1,abc,0\n", ", line 2, column 2: 'abc' is not a number ('b')"},
      {"a,b,y\n1,2,0\n\nnan,2,1\n", ", line 4, column 1: 'nan' is not a finite number ('a')"},
      {"a,b,y\n1,-inf,0\n", ", line 2, column 2: '-inf' is not a finite number ('b')"},
      {"a,b,y\n1,,0\n", ", line 2, column 2: empty field ('b')"},
      {"a,b,y\n1,1e39,0\n", ", line 2, column 2: '1e39' is beyond the range of a float ('b')"},
      {"a,b,y\n1,2,3x\n", ", line 2, column 3: '3x' is not a number ('y')"},
      {"", ": empty (a CSV data file starts with a header row naming the columns)"},
      {"\n  \n", ": empty (a CSV data file starts with a header row naming the columns)"},
      {"a,b,y\n", ": a header row but no data rows"},
      {"a;b;y\n1;2;3\n",
       ", line 1: one column; a data file needs feature columns and a label column, separated by commas"},
      {"1,2,0\n3,4,1\n",
       ", line 1: the first row holds numbers, not column names (a CSV data file starts with a header row)"},
  };
  for (const Case& c : cases) {
    const std::string p = write_text(".csv", c.text);
    EXPECT_EQ(one_line_error(with_data(p)), "data file '" + p + "'" + c.message) << c.text;
    std::filesystem::remove(p);
  }
}

TEST(NnData, MissingOrRepeatedTargetColumnIsRefused) {
  const std::string p = write_text(".csv", "a,b,y,b\n1,2,0,3\n");
  DataOptions o = with_data(p);
  o.target = "label";
  EXPECT_EQ(one_line_error(o), "data file '" + p + "', line 1: no column named 'label' (columns: a, b, y, b)");
  o.target = "b";
  EXPECT_EQ(one_line_error(o), "data file '" + p +
                                   "', line 1, column 4: a second column named 'b' (the first is column 2); "
                                   "--target must name one column");
  std::filesystem::remove(p);
}

TEST(NnData, UnreadableOrUnknownSourcesAreRefused) {
  const std::string missing = test_path("_missing.csv");
  EXPECT_EQ(one_line_error(with_data(missing)),
            "--data: '" + missing +
                "' is no file; give a generated set (xor, two-moons, circles, spirals, blobs), "
                "fashion-mnist, FILE.csv, IMAGES,LABELS (IDX files) or FILE.h5:/X,/y");
  EXPECT_EQ(one_line_error(with_data("moons")).rfind("--data: 'moons' is no file; give", 0), 0u);
  // A data set's name mistyped (case, an underscore, a letter) gets the name.
  EXPECT_EQ(one_line_error(with_data("fashion_mnist")),
            "--data: 'fashion_mnist' is no file nor data set (did you mean 'fashion-mnist'?)");
  EXPECT_EQ(one_line_error(with_data("Fashion-MNIST")),
            "--data: 'Fashion-MNIST' is no file nor data set (did you mean 'fashion-mnist'?)");
  EXPECT_EQ(one_line_error(with_data("two_moons")),
            "--data: 'two_moons' is no file nor data set (did you mean 'two-moons'?)");
  EXPECT_EQ(one_line_error(with_data("circle")), "--data: 'circle' is no file nor data set (did you mean 'circles'?)");
  EXPECT_EQ(one_line_error(with_data("")).rfind("--data: empty; give a generated set", 0), 0u);
  const std::string dir = test_path("_dir");
  std::filesystem::create_directories(dir);
  EXPECT_EQ(one_line_error(with_data(dir)), "data file '" + dir + "': is a directory, not a file");
  std::filesystem::remove(dir);
  EXPECT_EQ(one_line_error(with_data("train-images-idx3-ubyte.gz")),
            "--data: 'train-images-idx3-ubyte.gz' looks like one IDX file; an IDX data set is two "
            "files, IMAGES,LABELS");
  EXPECT_EQ(one_line_error(with_data("data.h5")),
            "--data: 'data.h5': name the features and labels datasets of an HDF5 file as FILE.h5:/X,/y");
  // A file name with a line break still gives one line.
  EXPECT_EQ(one_line_error(with_data("a\nb")).find('\n'), std::string::npos);
}

TEST(NnData, OptionsThatDoNothingAreRefused) {
  const std::string p = write_text(".csv", "a,y\n1,0\n2,1\n");
  DataOptions o = with_data(p);
  o.size = 10;
  EXPECT_EQ(one_line_error(o), "--data-size: only generated sets take a size");
  o = with_data(p);
  o.noise = 0.2;
  EXPECT_EQ(one_line_error(o), "--data-noise: only generated sets take a noise level");
  o = with_data(p);
  o.classes = 4;
  EXPECT_EQ(one_line_error(o), "--data-classes: only generated sets take a class count");
  o = with_data("xor");
  o.target = "y";
  EXPECT_EQ(one_line_error(o), "--target: only CSV files have named label columns");
  std::filesystem::remove(p);
}

// ---- IDX ----------------------------------------------------------------------

std::vector<unsigned char> idx_bytes(unsigned char type, const std::vector<std::uint32_t>& dims,
                                     const std::vector<unsigned char>& data) {
  std::vector<unsigned char> b = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(d >> s));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::string write_bytes(const std::string& suffix, const std::vector<unsigned char>& bytes, bool gz) {
  const std::string p = test_path(suffix);
  if (gz) {
    gzFile f = gzopen(p.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    if (!bytes.empty()) {
      EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    }
    gzclose(f);
  } else {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                             static_cast<std::streamsize>(bytes.size()));
  }
  return p;
}

TEST(NnData, IdxRoundTripPlainAndGzipped) {
  // Three 2 x 2 images of unsigned bytes; labels 2, 0, 1.
  const std::vector<unsigned char> pixels = {0, 255, 51, 102, 1, 2, 3, 4, 200, 100, 50, 25};
  for (bool gz : {false, true}) {
    const std::string suffix = gz ? ".gz" : "";
    const std::string images = write_bytes("-images-idx3-ubyte" + suffix, idx_bytes(0x08, {3, 2, 2}, pixels), gz);
    const std::string labels = write_bytes("-labels-idx1-ubyte" + suffix, idx_bytes(0x08, {3}, {2, 0, 1}), gz);
    const DataSplit d = load_data(with_data(images + "," + labels));
    ASSERT_EQ(d.train.rows, 3);
    ASSERT_EQ(d.train.features, 4);
    for (std::size_t i = 0; i < pixels.size(); ++i)
      EXPECT_EQ(d.train.x[i], static_cast<float>(pixels[i]) / 255.0f) << i;
    EXPECT_EQ(d.train.y, (std::vector<float>{2, 0, 1}));
    EXPECT_EQ(d.train.classes, 3);
    EXPECT_EQ(d.train.name, images + "," + labels);
    std::filesystem::remove(images);
    std::filesystem::remove(labels);
  }
}

TEST(NnData, IdxFloatAndShortValuesAreReadAsStored) {
  // Two items of 3 big-endian floats: 1.5, -2, 0.25 / 3, 4, 5.
  std::vector<unsigned char> data;
  for (float v : {1.5f, -2.0f, 0.25f, 3.0f, 4.0f, 5.0f}) {
    std::uint32_t u;
    std::memcpy(&u, &v, 4);
    for (int s = 24; s >= 0; s -= 8) data.push_back(static_cast<unsigned char>(u >> s));
  }
  const std::string images = write_bytes(".idx", idx_bytes(0x0D, {2, 3}, data), false);
  // Labels as big-endian shorts 7 and 300.
  const std::string labels = write_bytes("_labels.idx", idx_bytes(0x0B, {2}, {0, 7, 1, 44}), false);
  const DataSplit d = load_data(with_data(images + "," + labels));
  EXPECT_EQ(d.train.features, 3);
  EXPECT_EQ(d.train.x, (std::vector<float>{1.5f, -2, 0.25f, 3, 4, 5}));
  EXPECT_EQ(d.train.y, (std::vector<float>{7, 300}));
  EXPECT_EQ(d.train.classes, 301);
  std::filesystem::remove(images);
  std::filesystem::remove(labels);
}

TEST(NnData, BadIdxFilesAreNamed) {
  const std::string good_labels = write_bytes("_labels.idx", idx_bytes(0x08, {2}, {0, 1}), false);
  struct Case {
    std::vector<unsigned char> bytes;
    bool gz;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, false, "empty (an IDX file starts with a 4-byte magic number)"},
      {{0, 0}, true, "truncated inside the 4-byte IDX magic number"},
      {{'P', 'K', 3, 4, 1, 2, 3}, false,
       "not an IDX file (magic number 0x504b0304; IDX starts with two zero bytes, a type code "
       "0x08-0x0e and the rank)"},
      {{0, 0, 0x07, 1, 0, 0, 0, 2, 1, 2}, false,
       "not an IDX file (magic number 0x00000701; IDX starts with two zero bytes, a type code "
       "0x08-0x0e and the rank)"},
      {{0, 0, 8, 3, 0, 0, 0, 2, 0, 0}, false, "truncated inside the header (rank 3 needs 12 bytes of sizes)"},
      {idx_bytes(0x08, {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7}), true,
       "truncated: the header declares 2 x 2 x 2 unsigned byte values (8 bytes of data), the file holds 7"},
      {idx_bytes(0x08, {2, 2}, {1, 2, 3, 4, 5}), false,
       "more bytes than its header declares (2 x 2 unsigned byte values): damaged, or not the header "
       "of this data"},
      {idx_bytes(0x08, {2, 0}, {}), false, "holds no values (its header declares 2 x 0)"},
  };
  for (const Case& c : cases) {
    const std::string images = write_bytes(c.gz ? "_images.idx.gz" : "_images.idx", c.bytes, c.gz);
    EXPECT_EQ(one_line_error(with_data(images + "," + good_labels)), "data file '" + images + "': " + c.message);
    std::filesystem::remove(images);
  }
  // Damaged gzip data: a gzip header, then bytes that do not inflate.
  const std::string damaged = write_bytes("_damaged.idx.gz",
                                          {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff}, false);
  EXPECT_EQ(one_line_error(with_data(damaged + "," + good_labels))
                .rfind("data file '" + damaged + "': damaged gzip data (", 0),
            0u);
  std::filesystem::remove(damaged);

  const std::string images = write_bytes("_images.idx", idx_bytes(0x08, {3, 2}, {1, 2, 3, 4, 5, 6}), false);
  EXPECT_EQ(one_line_error(with_data(images + "," + good_labels)),
            "data file '" + images + "," + good_labels + "': 3 images but 2 labels");
  const std::string labels2d = write_bytes("_labels2d.idx", idx_bytes(0x08, {3, 1}, {0, 1, 2}), false);
  EXPECT_EQ(one_line_error(with_data(images + "," + labels2d)),
            "data file '" + labels2d + "': labels must be a 1-D IDX array; this one is 3 x 1");
  const std::string missing = test_path("_missing.idx");
  EXPECT_EQ(one_line_error(with_data(images + "," + missing)),
            "data file '" + missing + "': cannot read (No such file or directory)");
  std::filesystem::remove(images);
  std::filesystem::remove(labels2d);
  std::filesystem::remove(good_labels);
}

TEST(NnData, IdxNaNIsNamedByItemAndValue) {
  std::vector<unsigned char> data(8, 0);
  data[4] = 0x7f;  // second float: 0x7fc00000, a NaN
  data[5] = 0xc0;
  const std::string images = write_bytes(".idx", idx_bytes(0x0D, {1, 2}, data), false);
  const std::string labels = write_bytes("_labels.idx", idx_bytes(0x08, {1}, {0}), false);
  EXPECT_EQ(one_line_error(with_data(images + "," + labels)),
            "data file '" + images + "': item 0, value 1 is NaN");
  std::filesystem::remove(images);
  std::filesystem::remove(labels);
}

// ---- HDF5 ---------------------------------------------------------------------

void write_h5_dataset(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                      const void* data) {
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t ds = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(ds, 0) << name;
  EXPECT_GE(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
  H5Dclose(ds);
  H5Sclose(space);
}

TEST(NnData, Hdf5FeaturesAndLabelsRoundTrip) {
  const std::string p = test_path(".h5");
  const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const std::vector<double> x = {0.5, 1, 2, -3, 4.25, 5, 6, 7, 8};  // 3 rows x 3 features
  const std::vector<std::int64_t> y = {1, 0, 2};
  const std::vector<float> y_col = {0.5f, 1.5f, 2.5f};  // 3 x 1, not class labels
  H5Gclose(H5Gcreate2(f, "/data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  write_h5_dataset(f, "/data/X", H5T_NATIVE_DOUBLE, {3, 3}, x.data());
  write_h5_dataset(f, "/y", H5T_NATIVE_INT64, {3}, y.data());
  write_h5_dataset(f, "/y_col", H5T_NATIVE_FLOAT, {3, 1}, y_col.data());
  write_h5_dataset(f, "/y_short", H5T_NATIVE_INT64, {2}, y.data());
  write_h5_dataset(f, "/cube", H5T_NATIVE_DOUBLE, {3, 1, 3}, x.data());
  H5Fclose(f);

  const DataSplit d = load_data(with_data(p + ":/data/X,/y"));
  EXPECT_EQ(d.train.rows, 3);
  EXPECT_EQ(d.train.features, 3);
  EXPECT_EQ(d.train.x, (std::vector<float>{0.5f, 1, 2, -3, 4.25f, 5, 6, 7, 8}));
  EXPECT_EQ(d.train.y, (std::vector<float>{1, 0, 2}));
  EXPECT_EQ(d.train.classes, 3);
  EXPECT_EQ(d.train.name, p + ":/data/X,/y");
  const DataSplit c = load_data(with_data(p + ":/cube,/y_col"));
  EXPECT_EQ(c.train.features, 3);
  EXPECT_EQ(c.train.y, y_col);
  EXPECT_FALSE(c.train.integer_labels);

  const std::string in = "data file '" + p;
  EXPECT_EQ(one_line_error(with_data(p + ":/data/X,/y_short")), in + ":/data/X,/y_short': /data/X has 3 rows, /y_short 2");
  EXPECT_EQ(one_line_error(with_data(p + ":/X,/y")), in + ":/X,/y': no dataset '/X'");
  EXPECT_EQ(one_line_error(with_data(p + ":/data,/y")), in + ":/data,/y': '/data' is not a dataset");
  EXPECT_EQ(one_line_error(with_data(p + ":/data/X,/cube")),
            in + ":/data/X,/cube': /cube must be 1-D (one label per row); it is 3 x 1 x 3");
  EXPECT_EQ(one_line_error(with_data(p + ":/data/X")),
            "--data: '" + p + ":/data/X': name the features and labels datasets of an HDF5 file as FILE.h5:/X,/y");
  std::filesystem::remove(p);
}

TEST(NnData, Hdf5NaNAndNonHdf5FilesAreNamed) {
  const std::string p = test_path(".h5");
  const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const std::vector<double> x = {0, 1, 2, std::numeric_limits<double>::quiet_NaN()};
  const std::vector<std::int64_t> y = {1, 0};
  write_h5_dataset(f, "/X", H5T_NATIVE_DOUBLE, {2, 2}, x.data());
  write_h5_dataset(f, "/y", H5T_NATIVE_INT64, {2}, y.data());
  const hid_t text_type = H5Tcopy(H5T_C_S1);
  H5Tset_size(text_type, 4);
  write_h5_dataset(f, "/names", text_type, {2}, "ab\0\0cd\0\0");
  H5Tclose(text_type);
  H5Fclose(f);
  EXPECT_EQ(one_line_error(with_data(p + ":/X,/y")), "data file '" + p + ":/X,/y': /X[1, 1] is NaN");
  EXPECT_EQ(one_line_error(with_data(p + ":/X,/names")),
            "data file '" + p + ":/X,/names': '/names' does not hold numbers (integers or floats)");
  std::filesystem::remove(p);
  const std::string text = write_text(".h5", "not hdf5");
  EXPECT_EQ(one_line_error(with_data(text + ":/X,/y")),
            "data file '" + text + ":/X,/y': not an HDF5 file");
  const std::string missing = test_path("_missing.h5");
  EXPECT_EQ(one_line_error(with_data(missing + ":/X,/y")),
            "data file '" + missing + ":/X,/y': cannot read the file (No such file or directory)");
  std::filesystem::remove(text);
}

// ---- splits and standardisation ----------------------------------------------

std::string numbered_csv(int rows, int features) {
  std::string t;
  for (int j = 0; j < features; ++j) t += "f" + std::to_string(j) + ",";
  t += "y\n";
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < features; ++j) t += std::to_string(i * features + j) + ",";
    t += std::to_string(i % 3) + "\n";
  }
  return t;
}

TEST(NnData, TestFractionMovesASeededChoiceOfRowsKeepingFileOrder) {
  const std::string p = write_text(".csv", numbered_csv(101, 2));
  DataOptions o = with_data(p);
  o.test_fraction = 0.25;
  o.seed = 99;
  const DataSplit d = load_data(o);
  ASSERT_TRUE(d.has_test);
  EXPECT_EQ(d.test.rows, 25);  // round(0.25 * 101)
  EXPECT_EQ(d.train.rows, 76);
  // The rows in each set, by their first feature (2 * row), in file order.
  std::vector<int> train_rows, test_rows;
  for (std::int64_t i = 0; i < d.train.rows; ++i) train_rows.push_back(static_cast<int>(d.train.x[2 * i]) / 2);
  for (std::int64_t i = 0; i < d.test.rows; ++i) test_rows.push_back(static_cast<int>(d.test.x[2 * i]) / 2);
  EXPECT_TRUE(std::is_sorted(train_rows.begin(), train_rows.end()));
  EXPECT_TRUE(std::is_sorted(test_rows.begin(), test_rows.end()));
  for (std::int64_t i = 0; i < d.test.rows; ++i) EXPECT_EQ(d.test.y[i], static_cast<float>(test_rows[i] % 3));
  // The documented rule: the 25 rows with the smallest Philox number.
  std::vector<std::pair<std::uint64_t, int>> keys;
  const Philox rng{99};
  for (int i = 0; i < 101; ++i) {
    const auto w = rng.words(static_cast<std::uint64_t>(i), RngStream::kSplit, 0, 0);
    keys.push_back({(std::uint64_t{w[0]} << 32) | w[1], i});
  }
  std::sort(keys.begin(), keys.end());
  std::vector<int> expected;
  for (int k = 0; k < 25; ++k) expected.push_back(keys[k].second);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(test_rows, expected);
  std::vector<int> all = train_rows;
  all.insert(all.end(), test_rows.begin(), test_rows.end());
  std::sort(all.begin(), all.end());
  for (int i = 0; i < 101; ++i) EXPECT_EQ(all[i], i);
  // Same seed, same split; another seed, another.
  EXPECT_EQ(load_data(o).test.x, d.test.x);
  o.seed = 100;
  EXPECT_NE(load_data(o).test.x, d.test.x);
  std::filesystem::remove(p);
}

// ---- a label's place in its source ---------------------------------------------

// The place label_problem names, written here from the file's own layout.
TEST(NnData, CsvLabelIsPlacedByFileLineAndLabelColumn) {
  // Blank lines count as lines; the label column is --target's, the second.
  const std::string p = write_text(".csv", "a,y,b\n1,0,2\n\n3,1,4\n\n\n5,7,6\n");
  DataOptions o = with_data(p);
  o.target = "y";
  const DataSplit d = load_data(o);
  ASSERT_EQ(d.train.rows, 3);
  EXPECT_EQ(label_problem(d.train, 0, "R"), "data file '" + p + "', line 2, column 2: the label is 0; R");
  EXPECT_EQ(label_problem(d.train, 1, "R"), "data file '" + p + "', line 4, column 2: the label is 1; R");
  EXPECT_EQ(label_problem(d.train, 2, "R"), "data file '" + p + "', line 7, column 2: the label is 7; R");
  std::filesystem::remove(p);
}

TEST(NnData, TestFileLabelIsPlacedInTheTestFile) {
  const std::string train = write_text("_train.csv", "a,y\n1,0\n2,1\n");
  const std::string test = write_text("_test.csv", "a,y\n1,0\n1,0.5\n");
  DataOptions o = with_data(train);
  o.test_data = test;
  const DataSplit d = load_data(o);
  EXPECT_EQ(label_problem(d.test, 1, "R"), "test data file '" + test + "', line 3, column 2: the label is 0.5; R");
  EXPECT_EQ(label_problem(d.train, 1, "R"), "data file '" + train + "', line 3, column 2: the label is 1; R");
  std::filesystem::remove(train);
  std::filesystem::remove(test);
}

// After --test-fraction each set's rows keep their lines in the file: row r
// of numbered_csv is line r + 2 and has first feature 2 r.
TEST(NnData, SplitRowsKeepTheirLines) {
  const std::string p = write_text(".csv", numbered_csv(41, 2));
  DataOptions o = with_data(p);
  o.test_fraction = 0.3;
  o.seed = 7;
  const DataSplit d = load_data(o);
  ASSERT_TRUE(d.has_test);
  for (const Dataset* s : {&d.train, &d.test})
    for (std::int64_t i = 0; i < s->rows; ++i) {
      const int r = static_cast<int>(s->x[static_cast<std::size_t>(2 * i)]) / 2;
      EXPECT_EQ(label_problem(*s, i, "R"), "data file '" + p + "', line " + std::to_string(r + 2) +
                                               ", column 3: the label is " + std::to_string(r % 3) + "; R");
    }
  std::filesystem::remove(p);
}

TEST(NnData, IdxAndHdf5LabelsArePlacedByItem) {
  const std::string images = write_bytes(".idx", idx_bytes(0x08, {3, 1}, {1, 2, 3}), false);
  const std::string labels = write_bytes("_labels.idx", idx_bytes(0x08, {3}, {0, 1, 5}), true);
  const DataSplit i = load_data(with_data(images + "," + labels));
  EXPECT_EQ(label_problem(i.train, 2, "R"), "data file '" + labels + "': label 2 is 5; R");
  std::filesystem::remove(images);
  std::filesystem::remove(labels);

  const std::string p = test_path(".h5");
  const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const std::vector<double> x = {0, 1, 2, 3, 4, 5};
  const std::vector<double> y = {1, 2.5, 0};
  H5Gclose(H5Gcreate2(f, "/g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  write_h5_dataset(f, "/X", H5T_NATIVE_DOUBLE, {3, 2}, x.data());
  write_h5_dataset(f, "/g/y", H5T_NATIVE_DOUBLE, {3}, y.data());
  H5Fclose(f);
  DataOptions o = with_data("two-moons");
  o.test_data = p + ":/X,/g/y";
  o.size = 8;
  const DataSplit h = load_data(o);
  EXPECT_EQ(label_problem(h.test, 1, "R"), "test data file '" + p + ":/X,/g/y': /g/y[1] is 2.5; R");
  EXPECT_EQ(label_problem(h.train, 3, "R"), "--data 'two-moons': sample 3 has label 1; R");
  std::filesystem::remove(p);
}

TEST(NnData, SplitOptionsAreChecked) {
  const std::string p = write_text(".csv", numbered_csv(4, 2));
  DataOptions o = with_data(p);
  o.test_fraction = 1;
  EXPECT_EQ(one_line_error(o), "--test-fraction: must lie in [0, 1)");
  o.test_fraction = 0.1;
  EXPECT_EQ(one_line_error(o), "--test-fraction: 0.1 of 4 rows leaves the test set empty");
  o.test_fraction = 0.9;
  EXPECT_EQ(one_line_error(o), "--test-fraction: 0.9 of 4 rows leaves no training rows");
  o.test_fraction = 0.5;
  o.test_data = p;
  EXPECT_EQ(one_line_error(o), "--test-fraction and --test-data: give one test set, not both");
  const std::string wide = write_text("_wide.csv", numbered_csv(4, 3));
  o.test_fraction = 0;
  o.test_data = wide;
  EXPECT_EQ(one_line_error(o), "test data file '" + wide + "': 3 features, the training data has 2");
  o.test_data = "xor";
  EXPECT_EQ(load_data(o).test.rows, 500);
  o = with_data("fashion-mnist");
  o.test_fraction = 0.2;
  EXPECT_EQ(one_line_error(o), "--test-fraction: fashion-mnist has its own test set (t10k)");
  o = with_data("fashion-mnist");
  o.test_data = p;
  EXPECT_EQ(one_line_error(o), "--test-data: fashion-mnist has its own test set (t10k)");
  std::filesystem::remove(p);
  std::filesystem::remove(wide);
}

TEST(NnData, StandardizeUsesTrainingStatisticsForBothSets) {
  const std::string train = write_text("_train.csv", "a,b,c,y\n1,10,5,0\n2,30,5,1\n4,20,5,0\n9,40,5,1\n");
  const std::string test = write_text("_test.csv", "a,b,c,y\n3,25,6,0\n");
  DataOptions o = with_data(train);
  o.test_data = test;
  const DataSplit raw = load_data(o);
  EXPECT_TRUE(raw.feature_mean.empty());
  o.standardize = true;
  const DataSplit d = load_data(o);
  // Reference statistics in float64: population standard deviation.
  const double mean_a = 4, sd_a = std::sqrt((9 + 4 + 0 + 25) / 4.0);
  const double mean_b = 25, sd_b = std::sqrt((225 + 25 + 25 + 225) / 4.0);
  EXPECT_NEAR(d.feature_mean[0], mean_a, 1e-12);
  EXPECT_NEAR(d.feature_scale[1], sd_b, 1e-12);
  for (int j = 0; j < 2; ++j) {
    double m = 0, v = 0;
    for (int i = 0; i < 4; ++i) m += d.train.x[3 * i + j] / 4.0;
    for (int i = 0; i < 4; ++i) v += (d.train.x[3 * i + j] - m) * (d.train.x[3 * i + j] - m) / 4.0;
    EXPECT_NEAR(m, 0, 1e-6);
    EXPECT_NEAR(v, 1, 1e-6);
  }
  // The constant feature is centred, not divided by zero.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(d.train.x[3 * i + 2], 0.0f);
  EXPECT_NEAR(d.test.x[0], (3 - mean_a) / sd_a, 1e-6);
  EXPECT_NEAR(d.test.x[1], (25 - mean_b) / sd_b, 1e-6);
  EXPECT_NEAR(d.test.x[2], 1.0, 1e-6);
  EXPECT_EQ(d.train.y, raw.train.y);
  std::filesystem::remove(train);
  std::filesystem::remove(test);
}

// ---- Fashion-MNIST --------------------------------------------------------------

TEST(NnData, FashionMnistLoadsFromItsDebianPackage) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  const auto t0 = std::chrono::steady_clock::now();
  const DataSplit d = load_data(with_data("fashion-mnist"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("fashion-mnist loaded in %.3f s\n", seconds);
  ASSERT_TRUE(d.has_test);
  EXPECT_EQ(d.train.rows, 60000);
  EXPECT_EQ(d.test.rows, 10000);
  EXPECT_EQ(d.train.features, 784);
  EXPECT_EQ(d.test.features, 784);
  EXPECT_EQ(d.train.name, "fashion-mnist");
  EXPECT_EQ(d.train.classes, 10);
  EXPECT_EQ(d.test.classes, 10);
  const auto [lo, hi] = std::minmax_element(d.train.x.begin(), d.train.x.end());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
  // Every value is a byte over 255.
  for (std::size_t i = 0; i < d.test.x.size(); i += 997) {
    const float byte = std::round(d.test.x[i] * 255.0f);
    ASSERT_EQ(d.test.x[i], byte / 255.0f);
  }
  // Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
  std::vector<int> train_count(10), test_count(10);
  for (float v : d.train.y) ++train_count[static_cast<int>(v)];
  for (float v : d.test.y) ++test_count[static_cast<int>(v)];
  EXPECT_EQ(train_count, std::vector<int>(10, 6000));
  EXPECT_EQ(test_count, std::vector<int>(10, 1000));
}

TEST(NnData, FashionMnistMissingNamesThePackage) {
  DataOptions o = with_data("fashion-mnist");
  o.fashion_mnist_dir = test_path("_nowhere");
  EXPECT_EQ(one_line_error(o), "--data fashion-mnist: '" + o.fashion_mnist_dir +
                                   "/train-images-idx3-ubyte.gz' is missing; install Debian's "
                                   "dataset-fashion-mnist package (apt-get install dataset-fashion-mnist)");
}

}  // namespace
}  // namespace trilo::nn
