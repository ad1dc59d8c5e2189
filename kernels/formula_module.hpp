// Formula landscapes on one GPU: each formula's cubin (formula_jit.hpp)
// loaded with the runtime's library API on first use and kept until the
// backend goes, and the launch of its kernels on the backend's stream. The
// chunking and copying around a launch are the built-ins' own (descend.cu,
// grid.cu); only the launch itself differs.
//
// The runtime API (cudaLibraryLoadData, cudaLaunchKernel with a
// cudaKernel_t) is used rather than the driver API, so the library needs no
// libcuda at link time and a CUDA build still starts on a machine without a
// driver.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <tuple>

#include "core/catalog.hpp"
#include "kernels/formula_kernels.hpp"

namespace trilo::cuda {

// One formula kernel (a job in one precision), ready to launch.
struct FormulaLaunch {
  ExternFormula land;
  cudaKernel_t kernel;
  // Launches on `stream` with the kernel's arguments given by address, in its
  // parameter order (formula_kernels.cu), each of exactly the parameter's type.
  void launch(unsigned blocks, int block, cudaStream_t stream, std::initializer_list<void*> args) const;
};

class FormulaModules {
 public:
  explicit FormulaModules(int device);
  ~FormulaModules();
  FormulaModules(const FormulaModules&) = delete;
  FormulaModules& operator=(const FormulaModules&) = delete;

  // spec.id must be kExpr. Builds or loads the formula's cubin the first time
  // (a second or so to compile, milliseconds from the disk cache); throws
  // std::runtime_error with one line when it cannot.
  FormulaLaunch kernel(const LandscapeSpec& spec, bool f32, FormulaJob job);

 private:
  int arch_ = 0;
  std::mutex mutex_;
  // (program serial, dimension, f32) -> the loaded library
  std::map<std::tuple<std::uint64_t, int, bool>, cudaLibrary_t> libraries_;
};

}  // namespace trilo::cuda
