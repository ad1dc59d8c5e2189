// libFuzzer target for the --starts-file reader (config::read_starts_file):
// one start point per line, coordinates separated by blanks, commas, tabs
// or semicolons, '#' comments.
//
// Input layout: the first byte picks the landscape's dimension (1..8 from
// its low three bits, or 64 when bit 3 is set); the rest is the file.
// Every input must either give points (a whole number of finite points of
// that dimension, at least one) or throw config::BadInput with one line.
// Anything else (another exception, a crash, a sanitizer report) is a finding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "fuzz_support.hpp"

namespace {
constexpr const char* kName = "fuzz_starts_file";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int dim = (data[0] & 8u) ? 64 : static_cast<int>(data[0] & 7u) + 1;
  static const std::string path = trilo::fuzz::scratch_path(".starts");
  trilo::fuzz::write_file(path, data + 1, size - 1);
  std::vector<double> points;
  try {
    points = trilo::config::read_starts_file(path, dim);
  } catch (const trilo::config::BadInput& e) {
    if (!trilo::fuzz::one_line(e.what())) trilo::fuzz::fail(kName, "message of several lines");
    return 0;
  }
  if (points.empty() || points.size() % static_cast<std::size_t>(dim) != 0)
    trilo::fuzz::fail(kName, "not a whole number of points");
  for (double v : points)
    if (!std::isfinite(v)) trilo::fuzz::fail(kName, "a non-finite coordinate was accepted");
  return 0;
}
