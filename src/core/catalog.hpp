// The table of built-in landscapes (names, formulas, default boxes, known
// minima) and the one switch that turns a run-time LandscapeSpec into a
// concrete landscape struct for the templated backends.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/landscapes.hpp"
#if !defined(__CUDACC__)
#include <stdexcept>

#include "expr/expr_landscape.hpp"
#else
#include <stdexcept>
namespace trilo::expr {
struct Program;
class CompiledFormula;
}
#endif

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
  kExpr,  // a user formula (--expr, --landscape-file): src/expr
};

struct LandscapeSpec {
  LandscapeId id = LandscapeId::kQuarticDimple;
  int dim = 2;
  const expr::Program* program = nullptr;  // kExpr only; owned by the caller
  const expr::CompiledFormula* compiled = nullptr;  // kExpr: compiled value+gradient, or null
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

// Calls f(landscape_struct) with the concrete landscape for `spec`. With
// kFormulas = false only the built-in structs are instantiated (code that
// needs value<S> over dual numbers, which formulas do not provide).
template <bool kFormulas = true, class F>
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
    case LandscapeId::kExpr:
#if !defined(__CUDACC__)
      if constexpr (kFormulas) return f(ExprLandscape{spec.program, spec.dim, spec.compiled});
#endif
      // On the GPU formulas run as kernels compiled at run time
      // (kernels/formula_module.hpp), never through these templates.
      throw std::runtime_error(kFormulas ? "internal error: a formula reached with_landscape in CUDA code"
                                         : "a formula landscape has no built-in struct");
  }
  return f(QuarticDimple{});  // unreachable: every id is handled above
}

// Only the built-in landscapes (see with_landscape).
template <class F>
decltype(auto) with_builtin_landscape(const LandscapeSpec& spec, F&& f) {
  return with_landscape<false>(spec, std::forward<F>(f));
}

}  // namespace trilo
