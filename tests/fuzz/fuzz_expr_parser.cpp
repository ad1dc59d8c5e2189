// libFuzzer target for the formula parser (src/expr), the trust boundary for
// user input. Built and run by scripts/fuzz.sh under ASan and UBSan.
//
// Input layout: the first byte is a control byte, the rest is the formula.
//   bits 0-2  dimension 1..8 tried first
//   bit  3    declare the parameters 'alpha' and 'k' (values from bits 4-7)
//   bits 4-7  which evaluation point (and parameter values) to use
// Seed files therefore start with one printable control character, e.g.
// '7' (dimension 8, no parameters) or '?' (dimension 8, with parameters).
//
// For every input: parse; a ParseError is rendered with format_parse_error.
// A program is evaluated (value, gradient, Hessian, and the generated C++
// source when codegen.hpp is present) at a dimension it accepts, when the
// work is small. Any exception other than ParseError from parse, or
// std::invalid_argument from the Evaluator constructor and the code
// generator, escapes and is a finding, as is every crash, sanitizer report
// or broken invariant (abort()).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "expr/derivatives.hpp"
#include "expr/parser.hpp"
#include "expr/program.hpp"

// The code generator is exercised too when this tree has it.
#if __has_include("expr/codegen.hpp")
#include "expr/codegen.hpp"
#define TRILO_FUZZ_CODEGEN 1
#endif

namespace {

using trilo::expr::Evaluator;
using trilo::expr::IndexExpr;
using trilo::expr::ParseError;
using trilo::expr::ParseOptions;
using trilo::expr::Program;

constexpr int kMaxDim = 8;
// Upper bound on node visits (nodes times the iterations of the deepest loop
// nest) for one evaluation; a Hessian costs about dim^2/2 more per visit.
constexpr double kMaxNodeVisits = 2.0e5;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_expr_parser: invariant broken: %s\n", what);
  std::abort();
}

double bound_at(const IndexExpr& e, int n) {
  return static_cast<double>((e.per_dim ? n : 0) + e.offset);
}

// Node visits of one evaluation at dimension n, over-estimated: every node
// counted as often as the most iterated loop nest runs.
double work_estimate(const Program& p, int n) {
  double deepest = 1.0;
  for (std::size_t id = 0; id < p.loops.size(); ++id) {
    double runs = 1.0;
    for (int k = static_cast<int>(id); k >= 0; k = p.loops[k].parent) {
      double trips = bound_at(p.loops[k].hi, n) - bound_at(p.loops[k].lo, n) + 1.0;
      runs *= std::max(trips, 0.0);
    }
    deepest = std::max(deepest, runs);
  }
  return deepest * static_cast<double>(p.nodes.size());
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void evaluate(const Program& program, int dim, unsigned seed) {
  if (work_estimate(program, dim) > kMaxNodeVisits) return;

  // Points mix zeros (non-smooth and domain-edge points), signs and scales.
  static const double kValues[] = {0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-3, -7.25, 40.0, -0.1, 2.0, 1e3};
  constexpr std::size_t kCount = sizeof(kValues) / sizeof(kValues[0]);
  std::vector<double> w(static_cast<std::size_t>(dim));
  for (int i = 0; i < dim; ++i) w[static_cast<std::size_t>(i)] = kValues[(seed * 5 + static_cast<unsigned>(i)) % kCount];

  Evaluator ev(program, dim);  // the caller checked the dimension
  std::vector<double> g(static_cast<std::size_t>(dim)), g2(static_cast<std::size_t>(dim));
  std::vector<double> h(static_cast<std::size_t>(dim) * static_cast<std::size_t>(dim));
  double v0 = ev.value(w.data());
  double v1 = ev.value_gradient(w.data(), g.data());
  double v2 = ev.value_gradient_hessian(w.data(), g2.data(), h.data());
  // The three orders run the same value computation; they must agree.
  if (!same(v0, v1) || !same(v0, v2)) fail("value differs between value/value_gradient/value_gradient_hessian");
  for (int i = 0; i < dim; ++i) {
    if (!same(g[static_cast<std::size_t>(i)], g2[static_cast<std::size_t>(i)])) fail("gradient differs between orders");
    for (int j = 0; j < i; ++j) {
      if (!same(h[static_cast<std::size_t>(i * dim + j)], h[static_cast<std::size_t>(j * dim + i)])) {
        fail("Hessian not symmetric");
      }
    }
  }
  // A second call on the same Evaluator must not depend on the first.
  if (!same(ev.value(w.data()), v0)) fail("value changed on a repeated call");

#ifdef TRILO_FUZZ_CODEGEN
  // The code generator reads the same node array; it may refuse (too large)
  // with std::invalid_argument, but must not crash.
  try {
    std::string src = trilo::expr::generate_value_grad_source(program, dim);
    if (src.empty()) fail("empty generated source");
  } catch (const std::invalid_argument&) {
  }
#endif
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned control = data[0];
  const int first_dim = static_cast<int>(control & 7u) + 1;
  const bool with_params = (control & 8u) != 0;
  const unsigned seed = control >> 4;
  const std::string formula(reinterpret_cast<const char*>(data) + 1, size - 1);

  ParseOptions options;
  if (with_params) {
    options.parameters["alpha"] = 0.25 * static_cast<double>(seed) - 1.0;
    options.parameters["k"] = static_cast<double>(seed + 1);
  }

  Program program;
  try {
    program = trilo::expr::parse(formula, options);
  } catch (const ParseError& e) {
    std::string text = trilo::expr::format_parse_error(formula, e);
    if (text.empty()) fail("empty format_parse_error");
    if (e.position() > formula.size()) fail("ParseError position past the end of the formula");
    return 0;
  }
  if (program.nodes.empty()) fail("parse returned an empty program");

  // Try the dimension the control byte asks for, then the smallest one the
  // formula's fixed indices need (when it is small). Each must be accepted
  // exactly when check_dimension accepts it.
  std::vector<int> dims{first_dim};
  const std::int64_t fixed = program.fixed_highest_index();
  if (fixed >= 1 && fixed <= kMaxDim && fixed != first_dim) dims.push_back(static_cast<int>(fixed));
  (void)program.uses_dimension();
  for (int dim : dims) {
    bool ok = true;
    try {
      program.check_dimension(dim);
    } catch (const std::invalid_argument&) {
      ok = false;
    }
    bool built = true;
    try {
      Evaluator probe(program, dim);
    } catch (const std::invalid_argument&) {
      built = false;
    }
    if (ok != built) fail("Evaluator and check_dimension disagree");
    if (ok && program.highest_index(dim) > dim) fail("highest_index beyond an accepted dimension");
    if (ok) evaluate(program, dim, seed);
  }
  return 0;
}
