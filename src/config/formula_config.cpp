// Formula landscapes on the command line: --expr with --param, or a TOML
// landscape file. The formula text only ever reaches the parser.
#include <cpptoml.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "config/run_config.hpp"
#include "expr/jit.hpp"
#include "expr/parser.hpp"

namespace trilo::config {

namespace {

[[noreturn]] void bad(const std::string& msg) { throw BadInput(msg); }

struct FormulaSource {
  std::string formula;
  std::string box_text;
  int dim = 0;
  std::map<std::string, double> parameters;
  std::vector<KnownMinimum> minima;  // [[minima]]: x = [...], value = v, global = true
};

// One [[minima]] entry; its length is checked once the dimension is known.
KnownMinimum read_known_minimum(const cpptoml::table& m, const std::string& what) {
  KnownMinimum k{{}, std::numeric_limits<double>::quiet_NaN(), false};
  auto x = m.get_array_of<double>("x");
  if (!x || x->empty()) bad(what + ": each [[minima]] needs x = [numbers], e.g. x = [1.0, -0.5]");
  k.x = *x;
  for (double v : k.x)
    if (!std::isfinite(v)) bad(what + ": [[minima]] x holds a non-finite number");
  if (m.contains("value")) {
    auto v = m.get_as<double>("value");
    if (!v || !std::isfinite(*v)) bad(what + ": [[minima]] value must be a finite number");
    k.value = *v;
  }
  if (m.contains("global")) {
    auto g = m.get_as<bool>("global");
    if (!g) bad(what + ": [[minima]] global must be true or false");
    k.global = *g;
  }
  for (const auto& [key, value] : m)
    if (key != "x" && key != "value" && key != "global")
      bad(what + ": unknown key '" + key + "' in [[minima]] (known: x, value, global)");
  return k;
}

// formula = "...", box = "lo:hi,...", dim = N, [parameters] name = value.
FormulaSource read_landscape_file(const std::string& path) {
  const std::string what = "--landscape-file " + path;
  std::shared_ptr<cpptoml::table> t;
  try {
    t = cpptoml::parse_file(path);
  } catch (const std::exception& e) {  // cpptoml::parse_exception, or unreadable
    bad(what + ": " + e.what());
  }
  FormulaSource src;
  auto formula = t->get_as<std::string>("formula");
  if (!formula) bad(what + ": no string 'formula'");
  src.formula = *formula;
  if (t->contains("box")) {
    auto box = t->get_as<std::string>("box");
    if (!box) bad(what + ": 'box' must be a string like \"-2:2,-1:1\"");
    src.box_text = *box;
  }
  if (t->contains("dim")) {
    auto dim = t->get_as<std::int64_t>("dim");
    if (!dim || *dim < 1 || *dim > kMaxDim) bad(what + ": 'dim' must be an integer in 1..64");
    src.dim = static_cast<int>(*dim);
  }
  if (t->contains("parameters")) {
    auto params = t->get_table("parameters");
    if (!params) bad(what + ": 'parameters' must be a table of numbers");
    for (const auto& [name, value] : *params) {
      auto d = params->get_as<double>(name);
      if (!d) bad(what + ": parameter '" + name + "' is not a number");
      src.parameters[name] = *d;
    }
  }
  if (t->contains("minima")) {
    auto minima = t->get_table_array("minima");
    if (!minima) bad(what + ": 'minima' must be an array of tables ([[minima]])");
    for (const auto& m : *minima) src.minima.push_back(read_known_minimum(*m, what));
  }
  for (const auto& [key, value] : *t)
    if (key != "formula" && key != "box" && key != "dim" && key != "parameters" && key != "minima")
      bad(what + ": unknown key '" + key + "' (known: formula, box, dim, parameters, minima)");
  return src;
}

int interval_count(const std::string& box_text) {
  return box_text.empty() ? 0 : 1 + static_cast<int>(std::count(box_text.begin(), box_text.end(), ','));
}

}  // namespace

void resolve_formula(RunConfig& c, Resolved& r) {
  if (!c.expr_text.empty() && !c.landscape_file.empty())
    bad("--expr and --landscape-file: give one or the other");
  FormulaSource src = c.landscape_file.empty() ? FormulaSource{} : read_landscape_file(c.landscape_file);
  const std::string what = c.landscape_file.empty() ? "--expr" : "--landscape-file " + c.landscape_file;
  if (!c.expr_text.empty()) src.formula = c.expr_text;
  if (!c.box_text.empty()) src.box_text = c.box_text;  // the command line wins over the file
  if (c.dim != 0) src.dim = c.dim;
  for (const std::string& p : c.param_texts) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) bad("--param: '" + p + "' is not name=value");
    std::vector<double> v = parse_point(p.substr(eq + 1), "--param " + p.substr(0, eq));
    if (v.size() != 1) bad("--param: '" + p + "' needs one number");
    src.parameters[p.substr(0, eq)] = v[0];
  }

  auto program = std::make_shared<expr::Program>();
  try {
    expr::ParseOptions opts;
    opts.parameters = src.parameters;
    *program = expr::parse(src.formula, opts);
  } catch (const expr::ParseError& e) {
    // One line, like every bad-input message (docs/errors.md).
    bad(what + ": cannot parse the formula: " + expr::format_parse_error_line(src.formula, e));
  } catch (const std::invalid_argument& e) {
    bad("--param: " + std::string(e.what()));
  }

  // Dimension: --dim, else the number of box intervals, else the highest
  // coordinate the formula names.
  int dim = src.dim;
  if (dim == 0) dim = interval_count(src.box_text) > 1 ? interval_count(src.box_text) : 0;
  if (dim == 0) {
    if (program->uses_dimension()) bad("--dim: the formula depends on the dimension n; give --dim");
    dim = static_cast<int>(std::max<std::int64_t>(1, program->fixed_highest_index()));
  }
  if (dim < 1 || dim > kMaxDim) bad("--dim: " + std::to_string(dim) + " is outside 1..64");
  try {
    program->check_dimension(dim);
  } catch (const std::invalid_argument& e) {
    bad(what + ": " + e.what());
  }
  if (src.box_text.empty()) bad("--box: a formula needs a box, e.g. --box -2:2 or --box -2:2,-1:1");
  for (auto& [lo, hi] : parse_box(src.box_text, dim)) {
    r.box_lo.push_back(lo);
    r.box_hi.push_back(hi);
  }

  for (const KnownMinimum& k : src.minima)
    if (static_cast<int>(k.x.size()) != dim)
      bad(what + ": a [[minima]] point has " + std::to_string(k.x.size()) +
          " coordinates, the landscape has " + std::to_string(dim));
  r.known_minima = src.minima;
  r.dim = dim;
  r.program = program;
  r.spec = LandscapeSpec{LandscapeId::kExpr, dim, program.get(), nullptr};
  r.landscape_name = "formula";
  r.formula = src.formula;
  r.derivatives = "forward-mode automatic differentiation over the parsed formula";
  r.parameters.assign(src.parameters.begin(), src.parameters.end());
}

void compile_formula(Resolved& r) {
  // Compiled code when a C++ compiler is at hand (cached by a hash of the
  // generated source); the interpreter gives the same numbers otherwise.
  std::string why_not;
  r.compiled = expr::CompiledFormula::load_or_compile(*r.program, r.dim, &why_not);
  if (r.compiled) {
    r.derivatives += " (gradient compiled to machine code)";
  } else {
    r.formula_note = "formula interpreted (" + why_not + ")";
  }
  r.spec.compiled = r.compiled.get();
}

}  // namespace trilo::config
