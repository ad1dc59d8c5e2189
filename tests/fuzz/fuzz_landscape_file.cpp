// libFuzzer target for formula landscape files (--landscape-file FILE, TOML:
// formula, box, dim, [parameters], [[minima]]), read by
// config::resolve_formula (src/config/formula_config.cpp) through cpptoml.
//
// The whole input is the file. Every input must either resolve to a
// consistent landscape (dimension 1..64, one box interval lo < hi per axis,
// known minima of that dimension, a parsed program) or throw
// config::BadInput. The formula is never compiled here (compile_formula is
// not called). Anything else is a finding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/run_config.hpp"
#include "expr/program.hpp"
#include "fuzz_support.hpp"

namespace {
constexpr const char* kName = "fuzz_landscape_file";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = trilo::fuzz::scratch_path(".toml");
  trilo::fuzz::write_file(path, data, size);
  trilo::config::RunConfig c;
  c.landscape_file = path;
  trilo::config::Resolved r;
  try {
    trilo::config::resolve_formula(c, r);
  } catch (const trilo::config::BadInput&) {
    return 0;
  }
  const auto dim = static_cast<std::size_t>(r.dim);
  if (r.dim < 1 || r.dim > trilo::kMaxDim) trilo::fuzz::fail(kName, "dimension out of range");
  if (r.box_lo.size() != dim || r.box_hi.size() != dim) trilo::fuzz::fail(kName, "box of another dimension");
  for (std::size_t i = 0; i < dim; ++i)
    if (!(r.box_lo[i] < r.box_hi[i]) || !std::isfinite(r.box_lo[i]) || !std::isfinite(r.box_hi[i]))
      trilo::fuzz::fail(kName, "empty, inverted or infinite box interval accepted");
  for (const auto& k : r.known_minima) {
    if (k.x.size() != dim) trilo::fuzz::fail(kName, "known minimum of another dimension");
    for (double v : k.x)
      if (!std::isfinite(v)) trilo::fuzz::fail(kName, "non-finite known minimum accepted");
  }
  if (!r.program || r.program->nodes.empty()) trilo::fuzz::fail(kName, "no program");
  return 0;
}
