// Compiled formulas (codegen + jit): the compiled value and gradient agree
// with the interpreter on random formulas, hand-written landscapes and the
// non-smooth conventions; the cache is hit on a second load and keyed on the
// source; a missing compiler is a reason, not a crash; and the generated
// source holds nothing the user typed. The speed comparison is a disabled
// test: run it with --gtest_also_run_disabled_tests.
#include <gtest/gtest.h>

#include "support/formula_gen.hpp"
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "expr/codegen.hpp"
#include "expr/derivatives.hpp"
#include "expr/jit.hpp"
#include "expr/parser.hpp"

namespace trilo::expr {
namespace {

using Vec = std::vector<double>;

// Every test compiles into a fresh private cache, removed at the end.
class CacheDirEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    char tmpl[] = "/tmp/trilo-jit-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::setenv("TRILOBITE_CACHE_DIR", (dir_ + "/cache").c_str(), 1);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  std::string dir_;
};
const auto* const kCacheEnv = ::testing::AddGlobalTestEnvironment(new CacheDirEnvironment);

bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-13 * std::max(std::fabs(a), std::fabs(b));
}

std::unique_ptr<CompiledFormula> compile_or_fail(const Program& p, int dim) {
  std::string why;
  auto c = CompiledFormula::load_or_compile(p, dim, &why);
  EXPECT_NE(c, nullptr) << why;
  return c;
}

// Compiled against interpreted at each point: value and every component.
void expect_matches(const std::string& f, const Program& p, const CompiledFormula& c, const std::vector<Vec>& points) {
  const int n = c.dim();
  Evaluator ev(p, n);
  for (const Vec& w : points) {
    Vec g(n), gc(n);
    double v = ev.value_gradient(w.data(), g.data());
    double vc = c.value_grad(w.data(), gc.data());
    EXPECT_PRED2(same, v, vc) << f;
    for (int i = 0; i < n; ++i) EXPECT_PRED2(same, g[i], gc[i]) << f << " d/dw" << i + 1;
  }
}

std::vector<Vec> random_points(int n, int count, double lo, double hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<Vec> pts(count, Vec(n));
  for (Vec& w : pts) {
    for (double& x : w) x = u(rng);
  }
  return pts;
}

using trilo::test::FormulaGen;  // tests/support/formula_gen.hpp

TEST(ExprJit, RandomFormulasMatchTheInterpreter) {
  FormulaGen gen(20240611);
  const int n = 3, count = 100;
  std::vector<std::string> formulas;
  std::vector<Program> programs;
  for (int k = 0; k < count; ++k) {
    formulas.push_back(gen.make(4));
    programs.push_back(parse(formulas.back()));
  }
  // Compile on several threads: load_or_compile is safe to call concurrently.
  std::vector<std::future<std::unique_ptr<CompiledFormula>>> jobs;
  const unsigned workers = std::max(2u, std::min(8u, std::thread::hardware_concurrency()));
  std::vector<std::unique_ptr<CompiledFormula>> compiled(count);
  for (int start = 0; start < count; start += static_cast<int>(workers)) {
    jobs.clear();
    for (int k = start; k < std::min(count, start + static_cast<int>(workers)); ++k) {
      jobs.push_back(std::async(std::launch::async, [&, k] { return compile_or_fail(programs[k], n); }));
    }
    for (std::size_t j = 0; j < jobs.size(); ++j) compiled[start + j] = jobs[j].get();
  }
  for (int k = 0; k < count; ++k) {
    ASSERT_NE(compiled[k], nullptr) << formulas[k];
    // Inside the generator's domain, and beyond it where NaN and inf appear.
    expect_matches(formulas[k], programs[k], *compiled[k], random_points(n, 8, -1.0, 1.0, 100 + k));
    expect_matches(formulas[k], programs[k], *compiled[k], random_points(n, 4, -40.0, 40.0, 900 + k));
  }
}

TEST(ExprJit, QuarticDimpleAndRastriginMatchTheInterpreter) {
  const std::string dimple = "0.4*x^4 - 2*x^2 + 0.5*y^2 + 0.1*x*y - 0.5*exp(-((x-1.5)^2+(y+0.5)^2))";
  Program p = parse(dimple);
  auto c = compile_or_fail(p, 2);
  ASSERT_NE(c, nullptr);
  expect_matches(dimple, p, *c, random_points(2, 200, -2.5, 2.5, 1));

  const std::string rastrigin = "10*n + sum(i,1,n, w[i]^2 - 10*cos(2*pi*w[i]))";
  Program r = parse(rastrigin);
  // 5: gradients written out; 20: as loops; 4000: scratch in a pool.
  for (int n : {5, 20, 4000}) {
    auto cr = compile_or_fail(r, n);
    ASSERT_NE(cr, nullptr);
    expect_matches(rastrigin, r, *cr, random_points(n, n > 100 ? 1 : 50, -5.12, 5.12, n));
  }
}

TEST(ExprJit, NonSmoothPointsAndDomainErrorsFollowTheInterpreter) {
  const std::vector<std::pair<std::string, Vec>> cases = {
      {"abs(x) + abs(y)", {0.0, -0.0}},
      {"min(x, y) + max(y, x)", {1.0, 1.0}},
      {"x^1 + y^0 + x^2 + x^3", {0.0, 0.0}},
      {"x^y + y^x", {0.0, 2.0}},
      {"x^y", {-1.5, 0.5}},
      {"log(x) + sqrt(y)", {-1.0, -1.0}},
      {"sqrt(x) + log(y)", {0.0, 0.0}},
      {"1/x + y", {0.0, 1.0}},
      {"sigmoid(1000*x) + softplus(-1000*y)", {1.0, 1.0}},
      {"sum(i, 1, n - 3, w[i]) + sum(i, 2, 1, w[i + 5])", {1.0, 2.0}},
      {"sum(i, 1, n, sum(j, 1, n, w[i]*w[j] / j))", {0.5, -2.0}},
      {"exp(x) * 0", {800.0, 0.0}},
  };
  for (const auto& [f, w] : cases) {
    Program p = parse(f);
    auto c = compile_or_fail(p, 2);
    ASSERT_NE(c, nullptr) << f;
    expect_matches(f, p, *c, {w});
  }
}

TEST(ExprJit, FloatVariantRoundsTheDoubleResult) {
  Program p = parse("sum(i, 1, n, sin(w[i]) * w[i]^2) + x*y");
  auto c = compile_or_fail(p, 4);
  ASSERT_NE(c, nullptr);
  float wf[4] = {0.25f, -1.5f, 2.0f, 0.75f}, gf[4];
  double wd[4], gd[4];
  for (int i = 0; i < 4; ++i) wd[i] = wf[i];
  float vf = c->value_grad(wf, gf);
  EXPECT_EQ(vf, static_cast<float>(c->value_grad(wd, gd)));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(gf[i], static_cast<float>(gd[i]));
}

TEST(ExprJit, ConcurrentCallsAgree) {
  Program p = parse("10*n + sum(i,1,n, w[i]^2 - 10*cos(2*pi*w[i]))");
  auto c = compile_or_fail(p, 6);
  ASSERT_NE(c, nullptr);
  auto pts = random_points(6, 64, -5.0, 5.0, 3);
  Vec expect(pts.size());
  for (std::size_t k = 0; k < pts.size(); ++k) {
    Vec g(6);
    expect[k] = c->value_grad(pts[k].data(), g.data());
  }
  std::vector<std::future<bool>> runs;
  for (int t = 0; t < 8; ++t) {
    runs.push_back(std::async(std::launch::async, [&] {
      bool ok = true;
      for (int rep = 0; rep < 2000; ++rep) {
        std::size_t k = static_cast<std::size_t>(rep) % pts.size();
        Vec g(6);
        ok = ok && c->value_grad(pts[k].data(), g.data()) == expect[k];
      }
      return ok;
    }));
  }
  for (auto& r : runs) EXPECT_TRUE(r.get());
}

TEST(ExprJit, SecondLoadHitsTheCacheAndConstantsChangeTheKey) {
  Program p = parse("x^2 + 3.25*y^2");
  auto first = compile_or_fail(p, 2);
  ASSERT_NE(first, nullptr);
  struct stat before {};
  ASSERT_EQ(::stat(first->path().c_str(), &before), 0);
  EXPECT_EQ(before.st_mode & 077, 0u);
  const long runs = CompiledFormula::compiler_runs();
  first.reset();

  auto second = compile_or_fail(p, 2);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(CompiledFormula::compiler_runs(), runs);
  struct stat after {};
  ASSERT_EQ(::stat(second->path().c_str(), &after), 0);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  EXPECT_EQ(after.st_ino, before.st_ino);

  auto other = compile_or_fail(parse("x^2 + 3.5*y^2"), 2);
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other->path(), second->path());
  EXPECT_EQ(CompiledFormula::compiler_runs(), runs + 1);
  auto other_dim = compile_or_fail(p, 3);  // the dimension is baked in too
  ASSERT_NE(other_dim, nullptr);
  EXPECT_NE(other_dim->path(), second->path());
  double w[2] = {1.0, 2.0}, g[2];
  EXPECT_EQ(second->value_grad(w, g), 14.0);
  EXPECT_EQ(other->value_grad(w, g), 15.0);
}

TEST(ExprJit, MissingCompilerIsAReasonNotACrash) {
  const char* old = std::getenv("TRILOBITE_CXX");
  std::string saved = old != nullptr ? old : "";
  ::setenv("TRILOBITE_CXX", "/nonexistent/c++", 1);
  std::string why;
  auto c = CompiledFormula::load_or_compile(parse("x*y + 17.125"), 2, &why);
  if (old != nullptr) {
    ::setenv("TRILOBITE_CXX", saved.c_str(), 1);
  } else {
    ::unsetenv("TRILOBITE_CXX");
  }
  EXPECT_EQ(c, nullptr);
  std::printf("reason: %s\n", why.c_str());
  EXPECT_NE(why.find("compiler"), std::string::npos) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos) << why;
  // A formula reading past the dimension is refused before any compiling.
  EXPECT_EQ(CompiledFormula::load_or_compile(parse("w7"), 2, &why), nullptr);
  EXPECT_NE(why.find("w7"), std::string::npos) << why;
}

TEST(ExprJit, GeneratedSourceHoldsNothingTheUserTyped) {
  ParseOptions options;
  options.parameters["include_system_rm"] = 2.5;
  std::string f = "include_system_rm * sum(i, 1, n, w[i]^2";
  for (int k = 0; k < 200; ++k) f += " + sin(w[i] * " + std::to_string(k) + ".5)";
  f += ")";
  const std::string src = generate_value_grad_source(parse(f, options), 3);
  EXPECT_EQ(src.find("include_system_rm"), std::string::npos);
  EXPECT_EQ(src.find("sin(w[i] *"), std::string::npos);
  // One #include, <cmath>; the only string literals are extern "C".
  const std::size_t inc = src.find("#include");
  EXPECT_EQ(src.compare(inc, 17, "#include <cmath>\n"), 0);
  EXPECT_EQ(src.find("#include", inc + 1), std::string::npos);
  std::string rest = src;
  for (std::size_t at; (at = rest.find("extern \"C\"")) != std::string::npos;) rest.erase(at, 10);
  EXPECT_EQ(rest.find('"'), std::string::npos);
  EXPECT_EQ(rest.find('\\'), std::string::npos);
  EXPECT_EQ(rest.find("#", inc + 1), std::string::npos);
}

}  // namespace
}  // namespace trilo::expr
