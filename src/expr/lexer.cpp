#include "expr/lexer.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "expr/parser.hpp"

namespace trilo::expr {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02x", u);
  return buf;
}

// Decimal numbers only: digits, optional fraction, optional exponent. The
// span is delimited here, so from_chars never sees "inf", "nan" or hex.
Token lex_number(const std::string& s, std::size_t& i) {
  Token t;
  t.kind = TokenKind::kNumber;
  t.pos = i;
  std::size_t j = i;
  bool digits = false;
  while (j < s.size() && is_digit(s[j])) ++j, digits = true;
  bool integer = true;
  if (j < s.size() && s[j] == '.') {
    integer = false;
    ++j;
    while (j < s.size() && is_digit(s[j])) ++j, digits = true;
  }
  if (!digits) throw ParseError(i, "expected digits in number");
  if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
    std::size_t k = j + 1;
    if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
    if (k < s.size() && is_digit(s[k])) {
      integer = false;
      j = k;
      while (j < s.size() && is_digit(s[j])) ++j;
    } else {
      // "2e" or "2ex": the letter is not an exponent; report it clearly
      // rather than silently reading "2" followed by a name.
      throw ParseError(k, "expected digits in the exponent of the number");
    }
  }
  t.text = s.substr(i, j - i);
  t.integer = integer;
  auto res = std::from_chars(s.data() + i, s.data() + j, t.number);
  if (res.ec != std::errc() || res.ptr != s.data() + j || !std::isfinite(t.number)) {
    throw ParseError(i, "number '" + t.text + "' is out of the range of a double");
  }
  i = j;
  return t;
}

}  // namespace

std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      out.push_back(lex_number(s, i));
    } else if (is_name_start(c)) {
      Token t;
      t.kind = TokenKind::kName;
      t.pos = i;
      std::size_t j = i;
      while (j < s.size() && is_name_char(s[j])) ++j;
      t.text = s.substr(i, j - i);
      out.push_back(std::move(t));
      i = j;
    } else if (std::strchr("+-*/^()[],", c) != nullptr && c != '\0') {
      Token t;
      t.kind = TokenKind::kSymbol;
      t.pos = i;
      t.text = std::string(1, c);
      out.push_back(std::move(t));
      ++i;
    } else {
      throw ParseError(i, "unexpected character " + describe_char(c));
    }
  }
  Token end;
  end.kind = TokenKind::kEnd;
  end.pos = s.size();
  out.push_back(end);
  return out;
}

}  // namespace trilo::expr
