// The table of built-in landscapes (names, formulas, default boxes, known
// minima) and the one switch that turns a run-time LandscapeSpec into a
// concrete landscape struct for the templated backends.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/landscapes.hpp"

namespace trilo {

enum class LandscapeId {
  kQuarticDimple,
  kBowl,
  kDoubleWell,
  kHimmelblau,
  kSixHumpCamel,
  kRosenbrock,
  kRastrigin,
  kAckley,
  kStyblinskiTang,
  kBeale,
  kGoldsteinPrice,
};

struct LandscapeSpec {
  LandscapeId id = LandscapeId::kQuarticDimple;
  int dim = 2;
};

struct KnownMinimum {
  std::vector<double> x;
  double value;
  bool global;
};

struct LandscapeInfo {
  LandscapeId id;
  const char* name;
  int fixed_dim;         // 0: any dimension (chosen with --dim)
  const char* formula;   // plain-text formula, as in docs/landscapes.md
  double box_lo, box_hi;  // default box, the same interval on every axis ...
  double box_lo_y, box_hi_y;  // ... except where the y axis differs (NaN: same)
  const char* reference;
};

const std::vector<LandscapeInfo>& landscape_catalog();
// Throws std::invalid_argument naming the closest known name.
const LandscapeInfo& landscape_info(const std::string& name);
const LandscapeInfo& landscape_info(LandscapeId id);
// Default box per axis for a given dimension.
std::vector<std::pair<double, double>> default_box(LandscapeId id, int dim);
// Documented minima for a given dimension: every local minimum for the
// two-dimensional landscapes, the global one (and the lattice of local ones
// where it is small) for any-dimension landscapes.
std::vector<KnownMinimum> known_minima(LandscapeId id, int dim);

// Calls f(landscape_struct) with the concrete landscape for `spec`.
template <class F>
decltype(auto) with_landscape(const LandscapeSpec& spec, F&& f) {
  switch (spec.id) {
    case LandscapeId::kQuarticDimple: return f(QuarticDimple{});
    case LandscapeId::kBowl: return f(Bowl{spec.dim});
    case LandscapeId::kDoubleWell: return f(DoubleWell{});
    case LandscapeId::kHimmelblau: return f(Himmelblau{});
    case LandscapeId::kSixHumpCamel: return f(SixHumpCamel{});
    case LandscapeId::kRosenbrock: return f(Rosenbrock{spec.dim});
    case LandscapeId::kRastrigin: return f(Rastrigin{spec.dim});
    case LandscapeId::kAckley: return f(Ackley{spec.dim});
    case LandscapeId::kStyblinskiTang: return f(StyblinskiTang{spec.dim});
    case LandscapeId::kBeale: return f(Beale{});
    case LandscapeId::kGoldsteinPrice: return f(GoldsteinPrice{});
  }
  return f(QuarticDimple{});  // unreachable: every id is handled above
}

}  // namespace trilo
