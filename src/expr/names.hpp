// The names the grammar knows: the function table, reserved words, and the
// "did you mean" suggestion for names it does not.
#pragma once

#include <string>
#include <vector>

#include "expr/program.hpp"

namespace trilo::expr {

struct FunctionInfo {
  const char* name;
  Op op;
  int arity;
};

const std::vector<FunctionInfo>& function_table();
const FunctionInfo* find_function(const std::string& name);  // nullptr when unknown

bool is_numbered_variable(const std::string& s);  // "w" followed by digits
bool is_builtin_name(const std::string& s);       // variables, constants, functions, sum
bool is_identifier(const std::string& s);
bool is_non_finite_word(const std::string& s);    // nan, inf, infinity in any case

// " (did you mean 'exp'?)" for the closest candidate within edit distance 2,
// or "" when none is close enough to be a plausible typo.
std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates);
// " (the natural logarithm is log)" and the like for functions spelled as
// in other languages or textbooks (ln, arctan, power, ...); empty if none.
std::string spelling_hint(const std::string& function_name);

}  // namespace trilo::expr
