#include "cli/numeric_options.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>

namespace trilo::cli {

namespace {

constexpr std::int64_t k2p40 = std::int64_t(1) << 40;

// Every whole-number option and its range (docs/errors.md lists the same).
// 2^40 bounds counts whose products with a dimension or a step count must
// stay far from 64-bit overflow; the resolutions keep a lattice's cells
// countable in memory; 4096 threads is beyond any machine OpenMP runs on.
const WholeRange kWholeRanges[] = {
    {"--dim", 1, 64, "1..64"},
    {"--seed", 0, UINT64_MAX, "0..2^64-1"},
    {"--threads", 0, 4096, "0..4096"},
    {"--compression", 0, 9, "0..9"},
    {"--starts", 1, k2p40, "1..2^40"},
    {"--steps", 0, k2p40, "0..2^40"},
    {"--trace", 0, k2p40, "0..2^40"},
    {"--trace-every", 1, k2p40, "1..2^40"},
    {"--chunk", 1, k2p40, "1..2^40"},
    {"--sample", 1, k2p40, "1..2^40"},
    {"--grid-res", 2, 100000, "2..100000"},
    {"--basin-res", 2, 100000, "2..100000"},
    {"--entropy-box", 1, 100000, "1..100000"},
    {"--tile", 1, k2p40, "1..2^40"},
    {"--repeats", 1, 1000, "1..1000"},
    {"--width", 0, 8000, "0..8000"},
    {"--height", 0, 8000, "0..8000"},
    {"--contour-levels", 0, 100, "0..100"},
    // Network landscapes (docs/networks.md); 0 keeps a default where noted there.
    {"--data-size", 0, 100000000, "0..100000000"},
    {"--data-classes", 0, 1000, "0..1000"},
    {"--batch-size", 0, std::int64_t(1) << 24, "0..2^24"},
    {"--epochs", 1, std::int64_t(1) << 31, "1..2^31"},
    {"--probe", 1, std::int64_t(1) << 20, "1..2^20"},
    {"--hessian-top", 0, 100, "0..100"},
    {"--lanczos-steps", 1, 1000, "1..1000"},
    {"--hessian-minima", 0, 100000, "0..100000"},
    {"--hutchinson", 0, 100000, "0..100000"},
    {"--density", 0, 10000, "0..10000"},
    {"--density-steps", 1, 1000, "1..1000"},
    {"--density-bins", 2, 1000000, "2..1000000"},
    {"--barrier-minima", 0, 256, "0..256"},
    {"--barrier-points", 3, 10001, "3..10001"},
    {"--bezier-steps", 0, 10000000, "0..10000000"},
    // Learning-rate schedules and the quench.
    {"--lr-step-every", 0, k2p40, "0..2^40"},  // 0: not given (validation wants 1.. with step)
    {"--warmup-steps", 0, k2p40, "0..2^40"},
    {"--quench-steps", 0, k2p40, "0..2^40"},
};

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string whole_problem(const std::string& name, bool is_unsigned, std::string& text) {
  const std::string t = trimmed(text);
  std::size_t i = 0;
  const bool negative = !t.empty() && t[0] == '-';
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) ++i;
  if (i == t.size() || t.find_first_not_of("0123456789", i) != std::string::npos)
    return "'" + text + "' is not a whole number";
  const std::size_t first = std::min(t.find_first_not_of('0', i), t.size() - 1);
  const std::string digits = t.substr(first);
  const WholeRange* r = whole_range(name);
  const std::string range = r ? std::string(" (must lie in ") + r->text + ")" : std::string();
  // 20 digits at most: anything longer is beyond every 64-bit range.
  errno = 0;
  const unsigned long long mag = digits.size() <= 20 ? std::strtoull(digits.c_str(), nullptr, 10) : 0;
  const bool huge = digits.size() > 20 || errno == ERANGE;
  const bool zero = digits == "0";
  if (negative && !zero) {
    if (is_unsigned || huge || mag > static_cast<unsigned long long>(INT64_MAX) + 1ull)
      return "'" + text + "' is out of range" + (r ? range : std::string(" (must be >= 0)"));
    const std::int64_t v = mag == static_cast<unsigned long long>(INT64_MAX) + 1ull
                               ? INT64_MIN
                               : -static_cast<std::int64_t>(mag);
    if (r && v < r->lo) return "'" + text + "' is out of range" + range;
    text = "-" + digits;
    return "";
  }
  const unsigned long long limit = is_unsigned ? UINT64_MAX : static_cast<unsigned long long>(INT64_MAX);
  if (huge || mag > limit || (r && (mag > r->hi || (r->lo > 0 && mag < static_cast<std::uint64_t>(r->lo)))))
    return "'" + text + "' is out of range" + (r ? range : std::string());
  text = digits;
  return "";
}

std::string real_problem(std::string& text) {
  const std::string t = trimmed(text);
  const char* b = t.c_str();
  char* e = nullptr;
  errno = 0;
  const double v = std::strtod(b, &e);
  if (t.empty() || e != b + t.size()) return "'" + text + "' is not a number";
  // Written-out infinities and NaN reach validation, which names the range.
  const bool spelled_special = t.find_first_of("0123456789") == std::string::npos;
  if (!spelled_special && std::isinf(v)) return "'" + text + "' is beyond the largest double (1.8e308)";
  if (!spelled_special && v != 0 && std::fabs(v) < DBL_MIN)
    return "'" + text + "' is below the smallest normal double (2.2e-308); it would not be read as typed";
  if (!spelled_special && v == 0 && errno == ERANGE)
    return "'" + text + "' is below the smallest normal double (2.2e-308); it would be read as 0";
  text = t;
  return "";
}

}  // namespace

const WholeRange* whole_range(const std::string& name) {
  for (const WholeRange& r : kWholeRanges)
    if (name == r.name) return &r;
  return nullptr;
}

std::string number_problem(const std::string& name, const std::string& type, std::string& text) {
  if (type.rfind("UINT", 0) == 0) return whole_problem(name, true, text);
  if (type.rfind("INT", 0) == 0) return whole_problem(name, false, text);
  if (type.rfind("FLOAT", 0) == 0) return real_problem(text);
  return "";
}

void check_numbers_as_typed(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_expected_min() == 0) continue;  // a flag
    const std::string type = opt->get_type_name();
    if (type.rfind("INT", 0) != 0 && type.rfind("UINT", 0) != 0 && type.rfind("FLOAT", 0) != 0) continue;
    if (opt->get_lnames().empty()) continue;  // every numeric option has a long name
    const std::string long_name = "--" + opt->get_lnames().front();
    opt->transform(CLI::Validator(
        [long_name, type](std::string& text) { return number_problem(long_name, type, text); }, "", ""));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) check_numbers_as_typed(*sub);
}

}  // namespace trilo::cli
