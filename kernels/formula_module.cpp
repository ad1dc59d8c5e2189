#include "kernels/formula_module.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "expr/codegen.hpp"
#include "expr/program.hpp"
#include "kernels/cuda_check.hpp"
#include "kernels/formula_jit.hpp"

namespace trilo::cuda {

void FormulaLaunch::launch(unsigned blocks, int block, cudaStream_t stream,
                           std::initializer_list<void*> args) const {
  std::vector<void*> argv(args);
  TRILO_CUDA_CHECK(cudaLaunchKernel(reinterpret_cast<const void*>(kernel), dim3(blocks),
                                    dim3(static_cast<unsigned>(block)), argv.data(), 0, stream));
}

FormulaModules::FormulaModules(int device) {
  int major = 0, minor = 0;
  TRILO_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  TRILO_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  arch_ = 10 * major + minor;
}

FormulaModules::~FormulaModules() {
  for (auto& [key, lib] : libraries_) (void)cudaLibraryUnload(lib);
}

FormulaLaunch FormulaModules::kernel(const LandscapeSpec& spec, bool f32, FormulaJob job) {
  if (spec.id != LandscapeId::kExpr || spec.program == nullptr)
    throw std::logic_error("FormulaModules::kernel: not a formula landscape");
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto key = std::make_tuple(spec.program->serial, spec.dim, f32);
  auto it = libraries_.find(key);
  if (it == libraries_.end()) {
    std::string source;
    try {
      source = expr::generate_value_grad_source(*spec.program, spec.dim, expr::CodeTarget::kCuda);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string("formula on the GPU: ") + e.what());
    }
    cudaLibrary_t lib = nullptr;
    // A cached cubin the driver refuses (damaged, or from another driver's
    // view of the toolkit) is rebuilt once.
    for (int attempt = 0; attempt < 2 && lib == nullptr; ++attempt) {
      const std::string cubin = formula_cubin(source, spec.dim, f32, arch_, attempt == 1);
      const cudaError_t err =
          cudaLibraryLoadData(&lib, cubin.data(), nullptr, nullptr, 0, nullptr, nullptr, 0);
      if (err == cudaSuccess) break;
      lib = nullptr;
      (void)cudaGetLastError();
      if (attempt == 1) detail::throw_cuda_error(err, "cudaLibraryLoadData", __FILE__, __LINE__);
    }
    it = libraries_.emplace(key, lib).first;
  }
  FormulaLaunch f{ExternFormula{spec.dim}, nullptr};
  const std::string name = formula_kernel_name(job, f32, formula_max_dim(spec.dim));
  TRILO_CUDA_CHECK(cudaLibraryGetKernel(&f.kernel, it->second, name.c_str()));
  return f;
}

}  // namespace trilo::cuda
