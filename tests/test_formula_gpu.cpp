// Formulas for the GPU without a GPU: the CUDA source generated for every
// built-in written as a formula and for random formulas compiles with NVRTC
// and links with nvJitLink against the embedded kernels into an sm_90 cubin
// holding exactly the kernels asked for; the disk cache returns the same
// cubin without running NVRTC again; the generated source holds nothing the
// user typed, and hostile text never gets that far. Skipped in a build
// without CUDA. (Running the kernels needs a device: see
// test_formula_landscapes.cpp and test_backends.cpp.)
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "expr/codegen.hpp"
#include "expr/parser.hpp"
#include "support/formula_gen.hpp"
#include "support/formula_twins.hpp"
#if defined(TRILOBITE_HAVE_CUDA)
#include "kernels/formula_jit.hpp"
#include "kernels/formula_kernels.hpp"
#endif

namespace trilo::expr {
namespace {

#if defined(TRILOBITE_HAVE_CUDA)

// The architecture of the GPU machine's H100, whatever this build targets.
constexpr int kArch = 90;

// Each test builds into a fresh private cache directory of its own.
class FormulaCubin : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda::formula_kernels_arch() > kArch) GTEST_SKIP() << "kernels built for a newer architecture";
    char tmpl[] = "/tmp/trilo-cubin-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const char* old = std::getenv("TRILOBITE_CACHE_DIR");
    if (old != nullptr) old_ = old;
    had_old_ = old != nullptr;
    ::setenv("TRILOBITE_CACHE_DIR", (dir_ + "/cache").c_str(), 1);
  }
  void TearDown() override {
    if (had_old_)
      ::setenv("TRILOBITE_CACHE_DIR", old_.c_str(), 1);
    else
      ::unsetenv("TRILOBITE_CACHE_DIR");
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_, old_;
  bool had_old_ = false;
};

bool has(const std::string& bytes, const std::string& what) { return bytes.find(what) != std::string::npos; }

// A linked cubin is an ELF file holding the kernels of the precision and
// dimension bound asked for, and none of the others.
void expect_cubin_for(const std::string& cubin, int dim, bool f32, const std::string& what) {
  ASSERT_GT(cubin.size(), 4u) << what;
  EXPECT_EQ(cubin.compare(0, 4, "\x7f" "ELF"), 0) << what;
  const int bound = cuda::formula_max_dim(dim);
  for (auto job : {cuda::FormulaJob::kDescend, cuda::FormulaJob::kTrace, cuda::FormulaJob::kGrid}) {
    EXPECT_TRUE(has(cubin, cuda::formula_kernel_name(job, f32, bound))) << what;
    EXPECT_FALSE(has(cubin, cuda::formula_kernel_name(job, !f32, bound))) << what;
  }
  for (int other : {2, 16, 64})
    if (other != bound) {
      EXPECT_FALSE(has(cubin, cuda::formula_kernel_name(cuda::FormulaJob::kDescend, f32, other) + '\0')) << what;
    }
}

TEST_F(FormulaCubin, EveryBuiltinAsAFormulaCompilesAndLinksForSm90) {
  const long before = cuda::formula_nvrtc_runs();
  int built = 0;
  for (const test::Twin& t : test::kTwins) {
    const std::string src = generate_value_grad_source(parse(t.formula()), t.dim, CodeTarget::kCuda);
    expect_cubin_for(cuda::formula_cubin(src, t.dim, false, kArch), t.dim, false, t.name);
    ++built;
  }
  EXPECT_EQ(cuda::formula_nvrtc_runs() - before, built);  // a fresh cache: one compilation each
}

TEST_F(FormulaCubin, RandomFormulasCompileAndLinkInBothPrecisions) {
  test::FormulaGen gen(20261123);
  for (int k = 0; k < 2; ++k) {
    const std::string f = gen.make(4);
    const std::string src = generate_value_grad_source(parse(f), 3, CodeTarget::kCuda);
    expect_cubin_for(cuda::formula_cubin(src, 3, k == 1, kArch), 3, k == 1, f);
  }
  // The largest dimension bound, with sums written as loops (dim > 8).
  const std::string src = generate_value_grad_source(parse("sum(i, 1, n, w[i]^2 * atan2(w[i], 1 + n))"), 40,
                                                     CodeTarget::kCuda);
  expect_cubin_for(cuda::formula_cubin(src, 40, false, kArch), 40, false, "dim 40");
}

TEST_F(FormulaCubin, SecondBuildComesFromTheDiskCacheWithoutNvrtc) {
  const std::string src = generate_value_grad_source(parse("x^2 + 3.25*y^2 + sin(x*y)"), 2, CodeTarget::kCuda);
  const long before = cuda::formula_nvrtc_runs();
  const std::string first = cuda::formula_cubin(src, 2, false, kArch);
  EXPECT_EQ(cuda::formula_nvrtc_runs(), before + 1);
  const std::string second = cuda::formula_cubin(src, 2, false, kArch);
  EXPECT_EQ(cuda::formula_nvrtc_runs(), before + 1);
  EXPECT_EQ(second, first);
  // Exactly one file, private to this user.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/cache")) {
    ++files;
    EXPECT_EQ(e.path().extension(), ".cubin");
    struct stat st {};
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << e.path();
  }
  EXPECT_EQ(files, 1);
  // refresh ignores the cached file; another constant is another key.
  cuda::formula_cubin(src, 2, false, kArch, true);
  EXPECT_EQ(cuda::formula_nvrtc_runs(), before + 2);
  const std::string other = generate_value_grad_source(parse("x^2 + 3.5*y^2 + sin(x*y)"), 2, CodeTarget::kCuda);
  EXPECT_NE(cuda::formula_cubin(other, 2, false, kArch), first);
  EXPECT_EQ(cuda::formula_nvrtc_runs(), before + 3);
}

TEST_F(FormulaCubin, CompileErrorsAreOneLineRuntimeErrors) {
  // Never produced by the generator; stands in for a bug in it.
  try {
    cuda::formula_cubin("extern \"C\" double trilo_formula_vg(const double* w, double* g) { return w[0] +; }\n",
                        2, false, kArch);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_TRUE(has(what, "NVRTC")) << what;
    EXPECT_TRUE(has(what, "error")) << what;
    EXPECT_FALSE(has(what, "\n")) << what;
  }
  // Compiles, but lacks the float variant the float32 kernels call: the link
  // fails. (The float64 cubin links: unused kernels and functions are dropped.)
  try {
    cuda::formula_cubin("extern \"C\" double trilo_formula_vg(const double* w, double* g) { return w[0]; }\n", 2,
                        true, kArch);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(has(e.what(), "nvJitLink")) << e.what();
    EXPECT_FALSE(has(e.what(), "\n")) << e.what();
  }
}

TEST_F(FormulaCubin, GpuOlderThanTheKernelsIsAClearError) {
  const std::string src = generate_value_grad_source(parse("x^2"), 1, CodeTarget::kCuda);
  try {
    cuda::formula_cubin(src, 1, false, cuda::formula_kernels_arch() - 10);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(has(e.what(), "CMAKE_CUDA_ARCHITECTURES")) << e.what();
  }
}

#endif  // a build without CUDA has no NVRTC to test

// Text-only checks: need no CUDA toolkit, run in every build.
TEST(FormulaCudaSource, HoldsNothingTheUserTyped) {
  ParseOptions options;
  options.parameters["secret_param_name"] = 2.5;
  std::string f = "secret_param_name * sum(i, 1, n, w[i]^2";
  for (int k = 0; k < 50; ++k) f += " + sin(w[i] * " + std::to_string(k) + ".5)";
  f += ") + log(x)";
  const std::string src = generate_value_grad_source(parse(f, options), 3, CodeTarget::kCuda);
  EXPECT_EQ(src.find("secret_param_name"), std::string::npos);
  EXPECT_EQ(src.find("sin(w[i] *"), std::string::npos);
  // No preprocessor line at all; the only string literals are extern "C".
  EXPECT_EQ(src.find('#'), std::string::npos);
  std::string rest = src;
  for (std::size_t at; (at = rest.find("extern \"C\"")) != std::string::npos;) rest.erase(at, 10);
  EXPECT_EQ(rest.find('"'), std::string::npos);
  EXPECT_EQ(rest.find('\\'), std::string::npos);
}

TEST(FormulaCudaSource, HostileTextIsRefusedBeforeAnyCodeIsGenerated) {
  for (const char* f : {"x; } extern \"C\" void evil() {", "#include </etc/passwd>", "x\\\ny", "system(\"rm -rf /\")",
                        "__longlong_as_double(1)", "tmath::exp(x)", "x /* */ + 1", "asm(\"trap;\")"}) {
    EXPECT_THROW(parse(f), ParseError) << f;
  }
}

TEST(FormulaCudaSource, TooMuchScratchPerThreadIsRefusedForTheGpuOnly) {
  std::string f = "w1*w2";
  for (int k = 0; k < 300; ++k) f += " + w1*w2";
  const Program p = parse(f);
  EXPECT_THROW(generate_value_grad_source(p, 64, CodeTarget::kCuda), std::invalid_argument);
  EXPECT_NO_THROW(generate_value_grad_source(p, 64, CodeTarget::kHost));
}

}  // namespace
}  // namespace trilo::expr
