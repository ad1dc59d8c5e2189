// ParseError and its terminal rendering.
#include <algorithm>
#include <string>
#include <vector>

#include "expr/parser.hpp"

namespace trilo::expr {

ParseError::ParseError(std::size_t position, const std::string& reason)
    : std::invalid_argument("column " + std::to_string(position + 1) + ": " + reason),
      position_(position),
      reason_(reason) {}

namespace {

constexpr std::size_t kWindow = 60;  // characters shown either side of a long line's error

// Control and non-ASCII bytes become '?' so the caret stays under the right
// byte and nothing odd is written to the terminal.
char printable(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 0x20 && u < 0x7f) || c == '\t' ? c : '?';
}

}  // namespace

std::string format_parse_error(const std::string& formula, const ParseError& error) {
  std::size_t pos = std::min(error.position(), formula.size());
  std::size_t begin = 0;
  if (pos > 0) {
    std::size_t nl = formula.rfind('\n', pos - 1);
    if (nl != std::string::npos) begin = nl + 1;
  }
  std::size_t end = formula.find('\n', pos);
  if (end == std::string::npos) end = formula.size();

  std::string prefix, suffix;
  if (pos - begin > kWindow) {
    begin = pos - kWindow;
    prefix = "...";
  }
  if (end - pos > kWindow) {
    end = pos + kWindow;
    suffix = "...";
  }
  std::string line = prefix, caret(prefix.size(), ' ');
  for (std::size_t i = begin; i < end; ++i) line += printable(formula[i]);
  for (std::size_t i = begin; i < pos; ++i) caret += formula[i] == '\t' ? '\t' : ' ';
  line += suffix;
  // Drop trailing blanks so the output is stable however the line ends.
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line + "\n" + caret + "^\n" + error.reason();
}

std::string format_parse_error_line(const std::string& formula, const ParseError& error) {
  const std::size_t pos = std::min(error.position(), formula.size());
  const std::size_t begin = pos > kWindow / 2 ? pos - kWindow / 2 : 0;
  const std::size_t end = std::min(formula.size(), pos + kWindow / 2);
  std::string excerpt = begin > 0 ? "..." : "";
  for (std::size_t i = begin; i < end; ++i)
    excerpt += formula[i] == '\n' || formula[i] == '\t' ? ' ' : printable(formula[i]);
  if (end < formula.size()) excerpt += "...";
  return error.reason() + " (column " + std::to_string(pos + 1) + " of '" + excerpt + "')";
}

}  // namespace trilo::expr
