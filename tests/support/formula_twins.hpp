// Every built-in landscape with its formula twin (src/expr/builtin_formulas.hpp),
// a dimension and a learning rate at which plain descent is stable on it.
#pragma once

#include <ostream>
#include <string>

#include "core/catalog.hpp"
#include "expr/builtin_formulas.hpp"

namespace trilo::test {

struct Twin {
  const char* name;
  int dim;
  double lr;
  const char* formula() const { return expr::builtin_as_formula(landscape_info(name).id); }
};

inline const Twin kTwins[] = {
    {"quartic-dimple", 2, 0.01}, {"bowl", 3, 0.1},      {"double-well", 2, 0.02},
    {"himmelblau", 2, 0.005},    {"six-hump-camel", 2, 0.01}, {"rosenbrock", 3, 0.001},
    {"rastrigin", 2, 0.002},     {"ackley", 2, 0.01},   {"styblinski-tang", 2, 0.01},
    {"beale", 2, 0.001},         {"goldstein-price", 2, 2e-5},
};

// How gtest prints a parameter: its name, not its bytes.
inline void PrintTo(const Twin& t, std::ostream* os) { *os << t.name; }

// A test-name-safe version of the landscape's name.
inline std::string twin_test_name(const Twin& t) {
  std::string s = t.name;
  for (char& ch : s)
    if (ch == '-') ch = '_';
  return s;
}

}  // namespace trilo::test
