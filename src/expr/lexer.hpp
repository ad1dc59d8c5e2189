// Splits a formula into tokens. Only the characters of the grammar are
// accepted; anything else (quotes, backslashes, '#', control bytes, non-ASCII)
// is a ParseError at its position, so nothing hostile reaches the parser.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace trilo::expr {

enum class TokenKind { kNumber, kName, kSymbol, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::size_t pos = 0;
  std::string text;      // the spelling (for kSymbol one character)
  double number = 0.0;   // kNumber
  bool integer = false;  // kNumber written with digits only
};

// The last token is always kEnd at formula.size().
std::vector<Token> tokenize(const std::string& formula);

}  // namespace trilo::expr
