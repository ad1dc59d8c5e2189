// Formulas: the parser's grammar (precedence, associativity, every function
// against <cmath>), exact derivatives against hand-written landscapes and
// against central differences on ~200 random formulas, and the parser as a
// trust boundary (hostile input is a ParseError, never a crash).
#include <gtest/gtest.h>

#include "support/formula_gen.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "expr/derivatives.hpp"
#include "expr/parser.hpp"

namespace trilo::expr {
namespace {

using Vec = std::vector<double>;

double eval(const std::string& f, const Vec& w, const ParseOptions& o = {}) {
  return evaluate(parse(f, o), w);
}

std::string parse_error_text(const std::string& f) {
  try {
    parse(f);
  } catch (const ParseError& e) {
    return format_parse_error(f, e);
  }
  return "(no error)";
}

// --- grammar -----------------------------------------------------------------

TEST(ExprGrammar, PrecedenceAndAssociativityMatchHandComputedValues) {
  const Vec w{3.0, 2.0, 0.5};
  struct Case {
    const char* formula;
    double expected;
  } cases[] = {
      {"1 + 2 * 3", 7},        {"(1 + 2) * 3", 9},     {"2 ^ 3 ^ 2", 512},    {"(2 ^ 3) ^ 2", 64},
      {"-2 ^ 2", -4},          {"(-2) ^ 2", 4},        {"-x^2", -9},          {"2 ^ -1", 0.5},
      {"2 ^ -2 ^ 2", 0.0625},  {"-2 ^ -2", -0.25},     {"8 / 4 / 2", 1},      {"10 - 4 - 3", 3},
      {"2 * -3", -6},          {"--2", 2},             {"+3", 3},             {"1 - -1", 2},
      {"2 * 3 ^ 2", 18},       {"x * y + z", 6.5},     {"x - y * z", 2},      {"x / y * z", 0.75},
      {"1.5e1 + .5 + 2.", 17.5}, {"1E-2 * 100", 1},    {"w1 + w2 + w3", 5.5}, {"w[2] * w[3]", 1},
      {"pi", M_PI},            {"e", M_E},             {"n", 3},              {"pow(2, 10)", 1024},
      {"-(x)^2", -9},          {"x^2^0.5", std::pow(3.0, std::sqrt(2.0))},
  };
  for (const auto& c : cases) {
    EXPECT_NEAR(eval(c.formula, w), c.expected, 1e-12) << c.formula;
  }
}

TEST(ExprGrammar, EveryFunctionMatchesCmath) {
  struct Case {
    const char* formula;
    std::function<double(double, double)> ref;
  } cases[] = {
      {"exp(x)", [](double a, double) { return std::exp(a); }},
      {"log(x)", [](double a, double) { return std::log(a); }},
      {"log1p(x)", [](double a, double) { return std::log1p(a); }},
      {"sqrt(x)", [](double a, double) { return std::sqrt(a); }},
      {"sin(x)", [](double a, double) { return std::sin(a); }},
      {"cos(x)", [](double a, double) { return std::cos(a); }},
      {"tan(x)", [](double a, double) { return std::tan(a); }},
      {"tanh(x)", [](double a, double) { return std::tanh(a); }},
      {"sinh(x)", [](double a, double) { return std::sinh(a); }},
      {"cosh(x)", [](double a, double) { return std::cosh(a); }},
      {"atan(x)", [](double a, double) { return std::atan(a); }},
      {"abs(x - 1)", [](double a, double) { return std::fabs(a - 1); }},
      {"sigmoid(x)", [](double a, double) { return 1 / (1 + std::exp(-a)); }},
      {"softplus(x)", [](double a, double) { return std::log(1 + std::exp(a)); }},
      {"atan2(x, y)", [](double a, double b) { return std::atan2(a, b); }},
      {"min(x, y)", [](double a, double b) { return std::fmin(a, b); }},
      {"max(x, y)", [](double a, double b) { return std::fmax(a, b); }},
      {"pow(x, y)", [](double a, double b) { return std::pow(a, b); }},
  };
  const double points[][2] = {{0.3, 1.7}, {1.9, -0.4}, {0.05, 2.5}, {1.2, 1.2}};
  for (const auto& c : cases) {
    Program p = parse(c.formula);
    for (const auto& pt : points) {
      double a = pt[0], b = pt[1];
      EXPECT_NEAR(evaluate(p, {a, b}), c.ref(a, b), 1e-14 * (1 + std::fabs(c.ref(a, b)))) << c.formula << " at " << a;
    }
  }
}

TEST(ExprGrammar, SigmoidAndSoftplusStayFiniteForLargeArguments) {
  EXPECT_DOUBLE_EQ(eval("sigmoid(x)", {-800}), 0.0);
  EXPECT_DOUBLE_EQ(eval("sigmoid(x)", {800}), 1.0);
  EXPECT_DOUBLE_EQ(eval("softplus(x)", {800}), 800.0);
  EXPECT_DOUBLE_EQ(eval("softplus(x)", {-800}), 0.0);
}

TEST(ExprGrammar, ParametersAreNamedConstants) {
  ParseOptions o;
  o.parameters = {{"a", 2.0}, {"scale", 0.5}};
  EXPECT_DOUBLE_EQ(eval("a * x^2 + scale", {3.0}, o), 18.5);
  o.parameters = {{"x", 1.0}};
  EXPECT_THROW(parse("x", o), std::invalid_argument);
  o.parameters = {{"bad name", 1.0}};
  EXPECT_THROW(parse("x", o), std::invalid_argument);
  o.parameters = {{"alpha", 1.0}};
  try {
    parse("alpah * x", o);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.reason(), "unknown name 'alpah' (did you mean 'alpha'?)");
  }
}

TEST(ExprGrammar, SumsRunOverTheDimensionAndMayBeEmptyOrNested) {
  EXPECT_DOUBLE_EQ(eval("sum(i, 1, n, i)", {0, 0, 0, 0}), 10.0);
  EXPECT_DOUBLE_EQ(eval("sum(i, 3, 2, x)", {5}), 0.0);
  EXPECT_DOUBLE_EQ(eval("1 + sum(i, 1, n-1, w[i]*w[i+1])", {7}), 1.0);
  EXPECT_DOUBLE_EQ(eval("sum(i, 1, n, sum(j, 1, n, w[i]*w[j]))", {1, 2, 3}), 36.0);
  EXPECT_DOUBLE_EQ(eval("sum(i, 2, 3, w[i])", {1, 2, 3}), 5.0);
  // The counter of an inner sum shadows nothing; both are usable.
  EXPECT_DOUBLE_EQ(eval("sum(i, 1, 2, sum(j, 1, 3, i * j))", {0}), 18.0);
}

TEST(ExprGrammar, HighestIndexIsReportedForDimensionChecks) {
  Program p = parse("w7 + x");
  EXPECT_EQ(p.fixed_highest_index(), 7);
  EXPECT_FALSE(p.uses_dimension());
  EXPECT_THROW(p.check_dimension(5), std::invalid_argument);
  EXPECT_NO_THROW(p.check_dimension(7));
  EXPECT_THROW(Evaluator(parse("x + y + z"), 2), std::invalid_argument);

  Program rosen = parse("sum(i, 1, n-1, 100*(w[i+1] - w[i]^2)^2 + (1 - w[i])^2)");
  EXPECT_TRUE(rosen.uses_dimension());
  EXPECT_EQ(rosen.highest_index(6), 6);
  EXPECT_EQ(rosen.highest_index(1), 0);  // the sum is empty
  EXPECT_NO_THROW(rosen.check_dimension(1));
  EXPECT_THROW(parse("sum(i, 1, n, w[i+1])").check_dimension(4), std::invalid_argument);
}

// --- exact derivatives ---------------------------------------------------------

double dimple(double x, double y, double* g) {
  double d = std::exp(-((x - 1.5) * (x - 1.5) + (y + 0.5) * (y + 0.5)));
  g[0] = 1.6 * x * x * x - 4 * x + 0.1 * y + d * (x - 1.5);
  g[1] = y + 0.1 * x + d * (y + 0.5);
  return 0.4 * x * x * x * x - 2 * x * x + 0.5 * y * y + 0.1 * x * y - 0.5 * d;
}

TEST(ExprDerivatives, QuarticDimpleMatchesHandWrittenValueAndGradient) {
  Program p = parse("0.4*x^4 - 2*x^2 + 0.5*y^2 + 0.1*x*y - 0.5*exp(-((x-1.5)^2+(y+0.5)^2))");
  Evaluator ev(p, 2);
  for (double x : {-2.0, -0.7, 0.0, 1.3, 1.5}) {
    for (double y : {-1.0, -0.5, 0.4}) {
      double w[2] = {x, y}, g[2], h[4], gh[2], ref_g[2];
      double ref = dimple(x, y, ref_g);
      EXPECT_NEAR(ev.value(w), ref, 1e-13);
      EXPECT_NEAR(ev.value_gradient(w, g), ref, 1e-13);
      EXPECT_NEAR(ev.value_gradient_hessian(w, gh, h), ref, 1e-13);
      for (int i = 0; i < 2; ++i) {
        EXPECT_NEAR(g[i], ref_g[i], 1e-12);
        EXPECT_NEAR(gh[i], ref_g[i], 1e-12);
      }
      EXPECT_DOUBLE_EQ(h[1], h[2]);
    }
  }
}

TEST(ExprDerivatives, RastriginWrittenWithSumMatchesALoop) {
  Program p = parse("10*n + sum(i,1,n, w[i]^2 - 10*cos(2*pi*w[i]))");
  const int n = 5;
  EXPECT_EQ(p.highest_index(n), n);
  Evaluator ev(p, n);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-5.12, 5.12);
  for (int trial = 0; trial < 20; ++trial) {
    Vec w(n), g(n), h(n * n), gh(n);
    for (double& v : w) v = u(rng);
    double ref = 10.0 * n;
    Vec ref_g(n), ref_h(n);
    for (int i = 0; i < n; ++i) {
      ref += w[i] * w[i] - 10 * std::cos(2 * M_PI * w[i]);
      ref_g[i] = 2 * w[i] + 20 * M_PI * std::sin(2 * M_PI * w[i]);
      ref_h[i] = 2 + 40 * M_PI * M_PI * std::cos(2 * M_PI * w[i]);
    }
    EXPECT_NEAR(ev.value(w.data()), ref, 1e-11);
    EXPECT_NEAR(ev.value_gradient(w.data(), g.data()), ref, 1e-11);
    ev.value_gradient_hessian(w.data(), gh.data(), h.data());
    for (int i = 0; i < n; ++i) {
      EXPECT_NEAR(g[i], ref_g[i], 1e-10);
      EXPECT_NEAR(gh[i], ref_g[i], 1e-10);
      for (int j = 0; j < n; ++j) EXPECT_NEAR(h[i * n + j], i == j ? ref_h[i] : 0.0, 1e-9);
    }
  }
}

TEST(ExprDerivatives, NestedSumHessianIsExact) {
  Vec g, h;
  evaluate_hessian(parse("sum(i, 1, n, sum(j, 1, n, w[i]*w[j]))"), {1, 2, 3}, g, h);
  for (double gi : g) EXPECT_DOUBLE_EQ(gi, 12.0);
  for (double hij : h) EXPECT_DOUBLE_EQ(hij, 2.0);
}

TEST(ExprDerivatives, NonSmoothPointsFollowTheDocumentedConventions) {
  Vec g;
  evaluate_gradient(parse("abs(x)"), {0.0}, g);
  EXPECT_EQ(g[0], 0.0);
  evaluate_gradient(parse("min(x, y)"), {1.0, 1.0}, g);
  EXPECT_EQ(g, (Vec{1.0, 0.0}));
  evaluate_gradient(parse("max(y, x)"), {1.0, 1.0}, g);
  EXPECT_EQ(g, (Vec{0.0, 1.0}));
  Vec h;
  evaluate_hessian(parse("x^1 + y^0 + x^2"), {0.0, 0.0}, g, h);
  EXPECT_EQ(g, (Vec{1.0, 0.0}));
  EXPECT_EQ(h, (Vec{2.0, 0.0, 0.0, 0.0}));
  evaluate_gradient(parse("x^3"), {-2.0}, g);
  EXPECT_DOUBLE_EQ(g[0], 12.0);
}

TEST(ExprDerivatives, DomainErrorsGiveNaNNotExceptions) {
  for (const char* f : {"log(x)", "sqrt(x)", "x^0.5", "log(x) + sqrt(y)"}) {
    Vec g, h;
    double v = 0;
    EXPECT_NO_THROW(v = evaluate_hessian(parse(f), {-1.0, -1.0}, g, h)) << f;
    EXPECT_TRUE(std::isnan(v)) << f;
    EXPECT_TRUE(std::isnan(g[0])) << f;
  }
  EXPECT_TRUE(std::isinf(eval("1/x", {0.0})));
}

// --- random formulas against central differences -------------------------------

using trilo::test::FormulaGen;

TEST(ExprDerivatives, RandomFormulasMatchCentralDifferences) {
  FormulaGen gen(20240611);
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const int n = 3;
  const double h = 1e-5;
  for (int trial = 0; trial < 200; ++trial) {
    std::string f = gen.make(4);
    Program p = parse(f);
    Evaluator ev(p, n);
    Vec w(n), g(n), gh(n), hess(n * n), gp(n), gm(n);
    for (double& v : w) v = u(rng);
    double v0 = ev.value_gradient_hessian(w.data(), gh.data(), hess.data());
    EXPECT_DOUBLE_EQ(ev.value_gradient(w.data(), g.data()), v0) << f;
    for (int i = 0; i < n; ++i) {
      Vec wp = w, wm = w;
      wp[i] += h;
      wm[i] -= h;
      double fd = (ev.value(wp.data()) - ev.value(wm.data())) / (2 * h);
      EXPECT_NEAR(g[i], fd, 1e-5 * (1 + std::fabs(g[i]) + std::fabs(v0))) << f << " d/dw" << i + 1;
      EXPECT_DOUBLE_EQ(gh[i], g[i]) << f;
      ev.value_gradient(wp.data(), gp.data());
      ev.value_gradient(wm.data(), gm.data());
      for (int j = 0; j < n; ++j) {
        double fd2 = (gp[j] - gm[j]) / (2 * h);
        EXPECT_NEAR(hess[i * n + j], fd2, 1e-5 * (1 + std::fabs(fd2) + std::fabs(v0))) << f << " H" << i << j;
        EXPECT_EQ(hess[i * n + j], hess[j * n + i]) << f;
      }
    }
  }
}

// --- hostile input -------------------------------------------------------------

TEST(ExprHostileInput, IsRejectedWithAParseError) {
  const std::string cases[] = {
      "#include <stdio.h>",
      "x\"); system(\"rm -rf /",
      "x \\ y",
      "\\",
      "'x'",
      "\"x\"",
      std::string(1 << 20, '('),
      std::string(10000, '(') + "x" + std::string(10000, ')'),
      std::string(10000, '-') + "x",
      [] {
        std::string s = "x";
        for (int i = 0; i < 5000; ++i) s += "^x";
        return s;
      }(),
      "exp(" + std::string(300, '(') + "x" + std::string(300, ')') + ")",
      "nan",
      "inf",
      "NaN + x",
      "1e999",
      "-1e999",
      "",
      "   \n\t",
      "x +",
      ")(",
      "()",
      "x y",
      "2x",
      "2e",
      "exq(x)",
      "exp",
      "exp()",
      "exp(x, y)",
      "atan2(x)",
      "x(2)",
      "sum(i, 1, n, w[i]",
      "sum(i, 1, n)",
      "sum(i, 1, n, w[i]))",
      "sum(x, 1, n, x)",
      "sum(i, 1, i, w[i])",
      "sum(i, 1, 2*n, w[i])",
      "sum(i, 1, n, w[i-1])",
      "sum(i, 1, n, w[2*i])",
      "w[i]",
      "w[0]",
      "w0",
      "w99999999999",
      "w[99999999999]",
      "x\x01",
      "x\xc3\xa9",
      std::string("x\0y", 3),
      "1..2",
      "x ^",
      "((x)",
      "x)",
  };
  for (const auto& f : cases) {
    EXPECT_THROW(parse(f), ParseError) << f.substr(0, 60);
    try {
      parse(f);
    } catch (const ParseError& e) {
      EXPECT_LE(e.position(), f.size());
      EXPECT_FALSE(format_parse_error(f, e).empty());
    }
  }
}

TEST(ExprHostileInput, LongButShallowFormulasParseAndEvaluate) {
  std::string f = "x";
  for (int i = 0; i < 20000; ++i) f += "+x";
  Vec g;
  EXPECT_DOUBLE_EQ(evaluate_gradient(parse(f), {0.5}, g), 10000.5);
  EXPECT_DOUBLE_EQ(g[0], 20001.0);
  std::string deep = std::string(200, '(') + "x" + std::string(200, ')');
  EXPECT_DOUBLE_EQ(eval(deep, {2.0}), 2.0);
}

// --- messages ------------------------------------------------------------------

TEST(ExprMessages, CaretPointsAtTheError) {
  EXPECT_EQ(parse_error_text("2 * exq(x)"),
            "2 * exq(x)\n"
            "    ^\n"
            "unknown function 'exq' (did you mean 'exp'?)");
  EXPECT_EQ(parse_error_text("x +"),
            "x +\n"
            "   ^\n"
            "expected an expression after '+', found the end of the formula");
  EXPECT_EQ(parse_error_text("sin(x) # y"),
            "sin(x) # y\n"
            "       ^\n"
            "unexpected character '#'");
  try {
    parse("1 + w0");
  } catch (const ParseError& e) {
    EXPECT_EQ(e.position(), 4u);
    EXPECT_STREQ(e.what(), "column 5: variable indices start at 1 ('w1' is the first), found 'w0'");
  }
}

TEST(ExprMessages, UnknownNamesSuggestTheClosest) {
  try {
    parse("sigmod(x) + cos(y)");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.reason(), "unknown function 'sigmod' (did you mean 'sigmoid'?)");
  }
  try {
    parse("p1 * x");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.reason(), "unknown name 'p1' (did you mean 'pi'?)");
  }
}

TEST(ExprMessages, LongLinesAreShownAroundTheError) {
  std::string f = std::string(500, 'x');
  for (std::size_t i = 1; i < f.size(); i += 2) f[i] = '+';
  f += " $";
  std::string text = parse_error_text(f);
  EXPECT_EQ(text.substr(0, 3), "...");
  EXPECT_NE(text.find("^\nunexpected character '$'"), std::string::npos);
  EXPECT_LT(text.size(), 200u);
}

}  // namespace
}  // namespace trilo::expr
