// Formula text -> Program. The parser is the trust boundary for user input:
// it accepts only the grammar below, never evaluates or executes anything,
// and turns every malformed or oversized input into a ParseError (bounded
// length, nesting depth and node count, so no input can exhaust the stack).
//
// Grammar (^ is right-associative and binds tighter than unary minus, so
// -x^2 = -(x^2) and 2^-1 = 0.5):
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/') unary)*
//   unary   := ('+' | '-') unary | power
//   power   := primary ('^' unary)?
//   primary := number | name | name '(' args ')' | 'w' '[' index ']'
//            | 'sum' '(' name ',' bound ',' bound ',' expr ')' | '(' expr ')'
// Names: x y z (= w1 w2 w3), w1 ... wN, n (the dimension), pi, e, the
// caller's parameters, the counter of an enclosing sum(). Functions: exp log
// log1p sqrt sin cos tan tanh sinh cosh atan abs sigmoid softplus (one
// argument), atan2 min max pow (two). An index or bound is an integer, n,
// the sum counter, or a sum of those (each at most once) plus/minus integers.
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>

#include "core/edit_distance.hpp"
#include "expr/program.hpp"

namespace trilo::expr {

inline constexpr std::size_t kMaxFormulaLength = 64 * 1024;
inline constexpr int kMaxDepth = 256;
inline constexpr std::size_t kMaxNodes = 1000000;
inline constexpr std::int64_t kMaxIndex = 1 << 24;  // largest w index accepted

class ParseError : public std::invalid_argument {
 public:
  // what() is "column C: reason"; position is a byte offset into the formula.
  ParseError(std::size_t position, const std::string& reason);
  std::size_t position() const { return position_; }
  const std::string& reason() const { return reason_; }

 private:
  std::size_t position_;
  std::string reason_;
};

struct ParseOptions {
  // Named constants; names must be identifiers that are not built in.
  std::map<std::string, double> parameters;
};

// Throws ParseError for any malformed input, and std::invalid_argument for a
// bad parameter name in `options`.
Program parse(const std::string& formula, const ParseOptions& options = {});

// Three lines for a terminal: the formula line holding the error (cut to a
// window around it when long), a caret under the error, and the reason:
//   2 * exq(x)
//       ^
//   unknown function 'exq' (did you mean 'exp'?)
std::string format_parse_error(const std::string& formula, const ParseError& error);

// One line for an error message (the command line's rule for bad input):
// the reason, the column and the formula around it (cut to a window when
// long; newlines shown as spaces):
//   unknown function 'exq' (did you mean 'exp'?) (column 5 of '2 * exq(x)')
std::string format_parse_error_line(const std::string& formula, const ParseError& error);

// Levenshtein distance, used for "did you mean" suggestions.
using trilo::edit_distance;

}  // namespace trilo::expr
