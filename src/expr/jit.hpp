// A formula compiled to machine code by the system C++ compiler and loaded
// with dlopen: the value and gradient about an order of magnitude faster
// than the interpreter (derivatives.hpp), with the same results to rounding.
//
// The source comes from codegen.hpp (built from the node array only, never
// from formula text). Compiled libraries are cached by a hash of the source,
// the compiler and its flags, as <cache>/formula-<hash>.so, where <cache> is
// $TRILOBITE_CACHE_DIR, else $XDG_CACHE_HOME/trilobite, else
// $HOME/.cache/trilobite. The directory is created with mode 0700 and must be
// owned by this user and not writable by others, since whatever lies there is
// loaded into the process. The compiler ($TRILOBITE_CXX, else "c++") is run
// with posix_spawnp and a fixed argument list, never through a shell.
//
// Compilation is optional: every failure (no compiler, unwritable cache, a
// formula too large) returns nullptr with a one-line reason, and the caller
// keeps using the interpreter. dlopen lives in libc since glibc 2.34, so no
// -ldl is needed there; older systems link with -ldl.
#pragma once

#include <memory>
#include <string>

#include "expr/program.hpp"

namespace trilo::expr {

class CompiledFormula {
 public:
  using DoubleFn = double (*)(const double*, double*);
  using FloatFn = float (*)(const float*, float*);

  // Loads the cached library or compiles one (about a second). Never throws
  // for a failure to compile; *why_not (may be null) gets the reason.
  static std::unique_ptr<CompiledFormula> load_or_compile(const Program& p, int dim, std::string* why_not);

  ~CompiledFormula();
  CompiledFormula(const CompiledFormula&) = delete;
  CompiledFormula& operator=(const CompiledFormula&) = delete;

  int dim() const { return dim_; }
  const std::string& path() const { return path_; }  // the loaded .so

  // w, g: dim values; returns the value. Pure functions of w: safe to call
  // from any number of threads at once.
  double value_grad(const double* w, double* g) const { return vg_(w, g); }
  float value_grad(const float* w, float* g) const { return vg_f_(w, g); }

  // The cache directory in effect (not created); empty when no variable
  // names one.
  static std::string cache_dir();
  // How many times this process has started the compiler (for tests and
  // diagnostics: a cache hit starts none).
  static long compiler_runs();

 private:
  CompiledFormula(void* handle, DoubleFn vg, FloatFn vg_f, int dim, std::string path)
      : handle_(handle), vg_(vg), vg_f_(vg_f), dim_(dim), path_(std::move(path)) {}

  void* handle_;
  DoubleFn vg_;
  FloatFn vg_f_;
  int dim_;
  std::string path_;
};

}  // namespace trilo::expr
