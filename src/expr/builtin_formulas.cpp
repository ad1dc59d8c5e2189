#include "expr/builtin_formulas.hpp"

namespace trilo::expr {

const char* builtin_as_formula(LandscapeId id) {
  switch (id) {
    case LandscapeId::kQuarticDimple:
      return "0.4*x^4 - 2*x^2 + 0.5*y^2 + 0.1*x*y - 0.5*exp(-((x-1.5)^2+(y+0.5)^2))";
    case LandscapeId::kBowl: return "sum(i, 1, n, w[i]^2)";
    case LandscapeId::kDoubleWell: return "x^4 - 4*x^2 + 1 + y^2";
    case LandscapeId::kHimmelblau: return "(x^2 + y - 11)^2 + (x + y^2 - 7)^2";
    case LandscapeId::kSixHumpCamel: return "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2";
    case LandscapeId::kRosenbrock: return "sum(i, 1, n-1, 100*(w[i+1] - w[i]^2)^2 + (1 - w[i])^2)";
    case LandscapeId::kRastrigin: return "10*n + sum(i, 1, n, w[i]^2 - 10*cos(2*pi*w[i]))";
    case LandscapeId::kAckley:
      return "-20*exp(-0.2*sqrt(sum(i, 1, n, w[i]^2)/n)) - exp(sum(i, 1, n, cos(2*pi*w[i]))/n) + 20 + e";
    case LandscapeId::kStyblinskiTang: return "0.5*sum(i, 1, n, w[i]^4 - 16*w[i]^2 + 5*w[i])";
    case LandscapeId::kBeale: return "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2";
    case LandscapeId::kGoldsteinPrice:
      return "(1 + (x+y+1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2)) * "
             "(30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))";
    case LandscapeId::kExpr: return nullptr;
  }
  return nullptr;
}

}  // namespace trilo::expr
