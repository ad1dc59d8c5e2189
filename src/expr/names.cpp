#include "expr/names.hpp"

#include <limits>
#include <utility>

#include "expr/parser.hpp"

namespace trilo::expr {

const std::vector<FunctionInfo>& function_table() {
  static const std::vector<FunctionInfo> kFunctions = {
      {"exp", Op::kExp, 1},         {"log", Op::kLog, 1},           {"log1p", Op::kLog1p, 1},
      {"sqrt", Op::kSqrt, 1},       {"sin", Op::kSin, 1},           {"cos", Op::kCos, 1},
      {"tan", Op::kTan, 1},         {"tanh", Op::kTanh, 1},         {"sinh", Op::kSinh, 1},
      {"cosh", Op::kCosh, 1},       {"atan", Op::kAtan, 1},         {"abs", Op::kAbs, 1},
      {"sigmoid", Op::kSigmoid, 1}, {"softplus", Op::kSoftplus, 1}, {"atan2", Op::kAtan2, 2},
      {"min", Op::kMin, 2},         {"max", Op::kMax, 2},           {"pow", Op::kPow, 2},
  };
  return kFunctions;
}

const FunctionInfo* find_function(const std::string& name) {
  for (const auto& f : function_table()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

// Reserved so that "w12" always means a variable, never a user's name.
bool is_numbered_variable(const std::string& s) {
  if (s.size() < 2 || s[0] != 'w') return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

bool is_builtin_name(const std::string& s) {
  static const char* const kNames[] = {"x", "y", "z", "n", "w", "pi", "e", "sum"};
  for (const char* k : kNames) {
    if (s == k) return true;
  }
  return find_function(s) != nullptr || is_numbered_variable(s);
}

bool is_identifier(const std::string& s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool is_non_finite_word(const std::string& word) {
  std::string s = word;
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s == "nan" || s == "inf" || s == "infinity";
}

std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(name, c);
    if (d < best_d) best_d = d, best = c;  // ties keep the earlier candidate
  }
  // Distance below the name's length, so "q" never "means" "x".
  if (best.empty() || best_d > 2 || best_d >= name.size()) return "";
  return " (did you mean '" + best + "'?)";
}

std::string spelling_hint(const std::string& f) {
  static const std::pair<const char*, const char*> kOther[] = {
      {"ln", "the natural logarithm is log"}, {"arctan", "write atan"},  {"arctg", "write atan"},
      {"power", "write pow(a, b) or a^b"},    {"fabs", "write abs"},     {"expm1", "write exp(x) - 1"},
      {"log10", "write log(x) / log(10)"},    {"log2", "write log(x) / log(2)"},
  };
  for (const auto& [name, hint] : kOther)
    if (f == name) return std::string(" (") + hint + ")";
  return "";
}

}  // namespace trilo::expr
