// Random formulas for property tests (tests/test_expr.cpp, test_expr_jit.cpp).
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace trilo::test {

// Random trees over every function; arguments are wrapped so each function
// stays inside its domain and away from overflow for |w| <= 1.
class FormulaGen {
 public:
  explicit FormulaGen(std::uint64_t seed) : rng_(seed) {}

  std::string make(int depth, bool root = true) {
    if (depth == 0 || (!root && pick(5) == 0)) return leaf();
    std::string a = make(depth - 1, false);
    switch (pick(22)) {
      case 0: return "(" + a + " + " + make(depth - 1, false) + ")";
      case 1: return "(" + a + " - " + make(depth - 1, false) + ")";
      case 2: return "(" + a + " * " + make(depth - 1, false) + ")";
      case 3: return "(" + a + " / (1.5 + sin(" + make(depth - 1, false) + ")))";
      case 4: return "(" + a + ")^" + std::to_string(1 + pick(3));
      case 5: return "(1 + (" + a + ")^2)^(0.5 * tanh(" + make(depth - 1, false) + "))";
      case 6: return "exp(tanh(" + a + "))";
      case 7: return "log(1.2 + cos(" + a + "))";
      case 8: return "log1p((" + a + ")^2)";
      case 9: return "sqrt(1 + (" + a + ")^2)";
      case 10: return "sin(" + a + ")";
      case 11: return "cos(" + a + ")";
      case 12: return "tan(0.7 * tanh(" + a + "))";
      case 13: return "tanh(" + a + ")";
      case 14: return "sinh(tanh(" + a + "))";
      case 15: return "cosh(tanh(" + a + "))";
      case 16: return "atan(" + a + ")";
      case 17: return "atan2(" + a + ", 2 + cos(" + make(depth - 1, false) + "))";
      case 18: return "sigmoid(" + a + ") + softplus(-" + a + ")";
      case 19: return "pow(1.5 + sin(" + a + "), 1.5)";
      case 20: {
        std::string i = "i" + std::to_string(depth);  // nested sums need distinct counters
        return "sum(" + i + ", 1, n, w[" + i + "] * " + a + " / " + i + ")";
      }
      default: return "-" + a;
    }
  }

 private:
  int pick(int k) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(k)); }
  std::string leaf() {
    static const char* const kLeaves[] = {"x", "y", "z", "w[2]", "0.7", "2", "n", "pi"};
    return kLeaves[pick(8)];
  }
  std::mt19937_64 rng_;
};

}  // namespace trilo::test
