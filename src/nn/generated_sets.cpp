// The generated data sets. Sample i of a set is a pure function of
// (seed, i, part): its class is fixed by i, its position drawn from Philox
// keyed by (seed, i, RngStream::kData, step, 0) with step 2*part for two
// uniforms and 2*part + 1 for two normals. docs/networks.md gives each formula.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "core/rng.hpp"
#include "nn/data_sources.hpp"

namespace trilo::nn {
namespace {

struct SetInfo {
  const char* name;
  double noise;     // default standard deviation of the Gaussian noise
  int classes;      // fixed class count, or the default where classes_option
  bool classes_option;
};

constexpr std::int64_t kDefaultSize = 500;
constexpr std::int64_t kMaxSize = 100000000;
constexpr int kMaxClasses = 1000;

const SetInfo kSets[] = {
    {"xor", 0.1, 2, false},     {"two-moons", 0.1, 2, false}, {"circles", 0.05, 2, false},
    {"spirals", 0.05, 3, true}, {"blobs", 0.5, 3, true},
};

const SetInfo* find_set(const std::string& name) {
  for (const SetInfo& s : kSets)
    if (name == s.name) return &s;
  return nullptr;
}

[[noreturn]] void bad(const std::string& message) { throw config::BadInput(message); }

// The radius of the circle the blob centres lie on.
constexpr double kBlobRadius = 3;
// The inner circle's radius (the outer one's is 1).
constexpr double kInnerRadius = 0.5;
// The angle a spiral arm turns through from the centre to radius 1.
constexpr double kSpiralTurn = 3 * kPi;

}  // namespace

std::vector<std::string> generated_set_names() {
  std::vector<std::string> names;
  for (const SetInfo& s : kSets) names.emplace_back(s.name);
  return names;
}

bool is_generated_set(const std::string& name) { return find_set(name) != nullptr; }

GeneratedOptions generated_options(const std::string& name, const DataOptions& o) {
  const SetInfo& s = *find_set(name);
  GeneratedOptions g;
  if (o.size < 0 || o.size > kMaxSize)
    bad("--data-size: must lie in 1.." + std::to_string(kMaxSize));
  g.size = o.size == 0 ? kDefaultSize : o.size;
  if (std::isnan(o.noise) || std::isinf(o.noise)) bad("--data-noise: must be a finite number >= 0");
  g.noise = o.noise < 0 ? s.noise : o.noise;
  if (o.classes != 0 && !s.classes_option)
    bad("--data-classes: '" + name + "' has 2 classes; only spirals and blobs take a class count");
  if (o.classes != 0 && (o.classes < 2 || o.classes > kMaxClasses))
    bad("--data-classes: must lie in 2.." + std::to_string(kMaxClasses));
  g.classes = o.classes == 0 ? s.classes : o.classes;
  return g;
}

Dataset generate_set(const std::string& name, const GeneratedOptions& g, std::uint64_t seed,
                     std::uint32_t part) {
  Dataset d;
  d.name = name;
  d.rows = g.size;
  d.features = 2;
  d.x.resize(static_cast<std::size_t>(2 * g.size));
  d.y.resize(static_cast<std::size_t>(g.size));
  const Philox rng{seed};
  const double s = g.noise;
  const int k_all = g.classes;
  for (std::int64_t i = 0; i < g.size; ++i) {
    double u[2], z[2];
    uniform_pair(rng, static_cast<std::uint64_t>(i), RngStream::kData, 2 * part, 0, u);
    normal_pair<double>(rng, static_cast<std::uint64_t>(i), RngStream::kData, 2 * part + 1, 0, z);
    double x0 = 0, x1 = 0;
    int label = 0;
    if (name == "xor") {  // the corners of the unit square, labelled a XOR b
      const int c = static_cast<int>(i % 4), a = c >> 1, b = c & 1;
      x0 = a;
      x1 = b;
      label = a ^ b;
    } else if (name == "two-moons") {  // two interleaved half circles
      label = static_cast<int>(i % 2);
      const double t = kPi * u[0];
      x0 = label == 0 ? std::cos(t) : 1 - std::cos(t);
      x1 = label == 0 ? std::sin(t) : 0.5 - std::sin(t);
    } else if (name == "circles") {  // class 0 on the unit circle, class 1 inside
      label = static_cast<int>(i % 2);
      const double t = 2 * kPi * u[0], r = label == 0 ? 1.0 : kInnerRadius;
      x0 = r * std::cos(t);
      x1 = r * std::sin(t);
    } else if (name == "spirals") {  // K arms, each turned 2 pi / K from the last
      label = static_cast<int>(i % k_all);
      const double r = u[0], t = 2 * kPi * label / k_all + kSpiralTurn * r;
      x0 = r * std::cos(t);
      x1 = r * std::sin(t);
    } else {  // blobs: K Gaussian clusters around a circle
      label = static_cast<int>(i % k_all);
      const double t = 2 * kPi * label / k_all;
      x0 = kBlobRadius * std::cos(t);
      x1 = kBlobRadius * std::sin(t);
    }
    d.x[static_cast<std::size_t>(2 * i)] = static_cast<float>(x0 + s * z[0]);
    d.x[static_cast<std::size_t>(2 * i + 1)] = static_cast<float>(x1 + s * z[1]);
    d.y[static_cast<std::size_t>(i)] = static_cast<float>(label);
  }
  return d;
}

}  // namespace trilo::nn
