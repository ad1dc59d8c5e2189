// A formula's device code, built at run time. The CUDA source generated from
// the node array (src/expr/codegen.hpp, CodeTarget::kCuda: numbers and
// operations only, never text the user typed) is compiled by NVRTC to
// LTO-IR and linked by nvJitLink with the formula kernels
// (formula_kernels.cu, compiled to LTO-IR when trilobite was built and
// embedded in the library) into one cubin for the GPU's architecture.
//
// Cubins are cached in the formula cache (src/expr/disk_cache.hpp) as
// formula-<hash>.cubin, the hash covering the generated source, the target
// architecture, precision and dimension bound, the NVRTC and nvJitLink
// versions, the embedded kernels and kFormulaAbi, so a repeated run loads
// its cubin without compiling. When the cache cannot be used the cubin is
// built anyway, just not kept.
//
// Host code only: no GPU is needed to build a cubin (the tests do it on
// machines without one).
#pragma once

#include <string>

namespace trilo::cuda {

// The cubin holding the descend, trace and grid kernels of one precision for
// a formula of dimension `dim` (source from generate_value_grad_source(...,
// CodeTarget::kCuda)), for sm_<arch>. `refresh`: ignore a cached file and
// rebuild it (for a cached cubin the driver refused). Throws
// std::runtime_error with one line (the first error of the compiler's or the
// linker's log) when the code cannot be built, and when arch is older than
// the embedded kernels' architecture.
std::string formula_cubin(const std::string& source, int dim, bool f32, int arch, bool refresh = false);

// The architecture the embedded kernels were compiled for (the build's first
// CMAKE_CUDA_ARCHITECTURES entry): the oldest GPU formulas can run on.
int formula_kernels_arch();

// How many times this process has run NVRTC (a cache hit runs it not at all).
long formula_nvrtc_runs();

}  // namespace trilo::cuda
