// Numbers on the command line (and in --config files) are taken exactly as
// typed or refused: a whole-number option accepts only a plain decimal
// integer inside its documented range (no silent saturation of
// 99999999999999999999, no wrap-around of -1 into an unsigned seed, no
// octal reading of 010, no "1e12" truncated), and a real-number option only
// a number a double holds without overflowing to infinity or underflowing
// to zero. Ranges that depend on other options (a landscape's fixed
// dimension, --trace below the number of starts) are config::validate's.
#pragma once

#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace trilo::cli {

// The documented range of a whole-number option (docs/errors.md,
// "Numeric options"); `text` is how messages write it.
struct WholeRange {
  const char* name;  // long option name, e.g. "--threads"
  std::int64_t lo;
  std::uint64_t hi;
  const char* text;  // e.g. "0..4096"
};

// The range of `name`, or null when it has none of its own.
const WholeRange* whole_range(const std::string& name);

// Adds the check to every numeric option of `app` and its subcommands (the
// options CLI11 types INT, UINT or FLOAT). Call once every option exists.
void check_numbers_as_typed(CLI::App& app);

// The check itself, for tests: empty when `text` is acceptable for an
// option of CLI11 type `type` named `name`, else the problem (without the
// option's name). On success `text` is rewritten to its plain form.
std::string number_problem(const std::string& name, const std::string& type, std::string& text);

}  // namespace trilo::cli
