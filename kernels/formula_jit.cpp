#include "kernels/formula_jit.hpp"

#include <nvJitLink.h>
#include <nvrtc.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "expr/codegen.hpp"
#include "expr/disk_cache.hpp"
#include "kernels/formula_kernels.hpp"

// The formula kernels' LTO-IR, made by CMake from formula_kernels.cu and
// included here whole by the assembler (CMake makes this file depend on it).
// .incbin needs nothing beyond the assembler every C++ toolchain has.
#if !defined(TRILO_FORMULA_BLOB_PATH) || !defined(TRILO_FORMULA_BLOB_ARCH)
#error "CMakeLists.txt defines TRILO_FORMULA_BLOB_PATH and TRILO_FORMULA_BLOB_ARCH"
#endif
__asm__(".section .rodata.trilo_formula_blob,\"a\",@progbits\n"
        ".balign 16\n"
        ".globl trilo_formula_blob_begin\n"
        "trilo_formula_blob_begin:\n"
        ".incbin \"" TRILO_FORMULA_BLOB_PATH "\"\n"
        ".globl trilo_formula_blob_end\n"
        "trilo_formula_blob_end:\n"
        ".previous\n");
extern "C" const char trilo_formula_blob_begin[];
extern "C" const char trilo_formula_blob_end[];

namespace trilo::cuda {
namespace {

std::atomic<long> g_nvrtc_runs{0};

const std::string& kernels_ltoir() {
  static const std::string blob(trilo_formula_blob_begin, trilo_formula_blob_end);
  return blob;
}

struct NvrtcProgram {
  nvrtcProgram p = nullptr;
  ~NvrtcProgram() {
    if (p != nullptr) nvrtcDestroyProgram(&p);
  }
};
struct JitLink {
  nvJitLinkHandle h = nullptr;
  ~JitLink() {
    if (h != nullptr) nvJitLinkDestroy(&h);
  }
};

// Generated source -> LTO-IR for the kernels' architecture (LTO links inputs
// of one architecture; nvJitLink then targets the GPU's).
std::string compile_ltoir(const std::string& source) {
  NvrtcProgram prog;
  if (nvrtcCreateProgram(&prog.p, source.c_str(), "trilobite_formula.cu", 0, nullptr, nullptr) !=
      NVRTC_SUCCESS)
    throw std::runtime_error("formula on the GPU: NVRTC could not create a program");
  const std::string arch = "-arch=compute_" + std::to_string(TRILO_FORMULA_BLOB_ARCH);
  const char* opts[] = {arch.c_str(), "-dlto", "-rdc=true", "--std=c++17", "-default-device"};
  ++g_nvrtc_runs;
  const nvrtcResult r = nvrtcCompileProgram(prog.p, 5, opts);
  if (r != NVRTC_SUCCESS) {
    std::size_t n = 0;
    nvrtcGetProgramLogSize(prog.p, &n);
    std::string log(n, '\0');
    if (n > 0) nvrtcGetProgramLog(prog.p, log.data());
    throw std::runtime_error(std::string("formula on the GPU: NVRTC could not compile the generated code (") +
                             nvrtcGetErrorString(r) + "): " + expr::first_error_line(log));
  }
  std::size_t n = 0;
  std::string ir;
  if (nvrtcGetLTOIRSize(prog.p, &n) == NVRTC_SUCCESS) {
    ir.resize(n);
    if (n == 0 || nvrtcGetLTOIR(prog.p, ir.data()) != NVRTC_SUCCESS) ir.clear();
  }
  if (ir.empty()) throw std::runtime_error("formula on the GPU: NVRTC produced no LTO-IR");
  return ir;
}

[[noreturn]] void link_failed(const JitLink& link, const char* what, nvJitLinkResult r) {
  std::size_t n = 0;
  std::string log;
  if (link.h != nullptr && nvJitLinkGetErrorLogSize(link.h, &n) == NVJITLINK_SUCCESS && n > 0) {
    log.resize(n);
    nvJitLinkGetErrorLog(link.h, log.data());
  }
  throw std::runtime_error(std::string("formula on the GPU: nvJitLink ") + what + " failed (error " +
                           std::to_string(static_cast<int>(r)) + ")" +
                           (log.empty() ? std::string() : ": " + expr::first_error_line(log)));
}

// Both LTO-IR inputs -> one cubin for sm_<arch> that keeps only `kernels`.
std::string link_cubin(const std::string& formula_ir, int arch, const std::vector<std::string>& kernels) {
  std::vector<std::string> opts = {"-arch=sm_" + std::to_string(arch), "-lto"};
  for (const std::string& k : kernels) opts.push_back("-kernels-used=" + k);
  std::vector<const char*> argv;
  for (const std::string& o : opts) argv.push_back(o.c_str());
  JitLink link;
  nvJitLinkResult r = nvJitLinkCreate(&link.h, static_cast<std::uint32_t>(argv.size()), argv.data());
  if (r != NVJITLINK_SUCCESS) link_failed(link, "create", r);
  const std::string& blob = kernels_ltoir();
  r = nvJitLinkAddData(link.h, NVJITLINK_INPUT_LTOIR, formula_ir.data(), formula_ir.size(), "formula");
  if (r != NVJITLINK_SUCCESS) link_failed(link, "adding the formula", r);
  r = nvJitLinkAddData(link.h, NVJITLINK_INPUT_LTOIR, blob.data(), blob.size(), "formula_kernels");
  if (r != NVJITLINK_SUCCESS) link_failed(link, "adding the kernels", r);
  r = nvJitLinkComplete(link.h);
  if (r != NVJITLINK_SUCCESS) link_failed(link, "linking", r);
  std::size_t n = 0;
  std::string cubin;
  r = nvJitLinkGetLinkedCubinSize(link.h, &n);
  if (r == NVJITLINK_SUCCESS) {
    cubin.resize(n);
    r = nvJitLinkGetLinkedCubin(link.h, cubin.data());
  }
  if (r != NVJITLINK_SUCCESS || cubin.empty()) link_failed(link, "output", r);
  return cubin;
}

// Everything a cubin depends on besides the source, for the cache key.
std::string toolchain_key() {
  int rm = 0, rn = 0;
  unsigned jm = 0, jn = 0;
  nvrtcVersion(&rm, &rn);
  nvJitLinkVersion(&jm, &jn);
  return "nvrtc " + std::to_string(rm) + "." + std::to_string(rn) + " nvjitlink " + std::to_string(jm) + "." +
         std::to_string(jn) + " kernels " + expr::hex64(expr::fnv1a(kernels_ltoir())) + " abi " +
         std::to_string(expr::kFormulaAbi);
}

}  // namespace

int formula_kernels_arch() { return TRILO_FORMULA_BLOB_ARCH; }

long formula_nvrtc_runs() { return g_nvrtc_runs.load(); }

std::string formula_cubin(const std::string& source, int dim, bool f32, int arch, bool refresh) {
  if (arch < TRILO_FORMULA_BLOB_ARCH)
    throw std::runtime_error("formula on the GPU: this GPU (sm_" + std::to_string(arch) +
                             ") is older than the architecture trilobite's kernels were built for (sm_" +
                             std::to_string(TRILO_FORMULA_BLOB_ARCH) +
                             "); rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(arch));
  const int bound = formula_max_dim(dim);
  std::vector<std::string> kernels;
  for (FormulaJob job : {FormulaJob::kDescend, FormulaJob::kTrace, FormulaJob::kGrid})
    kernels.push_back(formula_kernel_name(job, f32, bound));

  static const std::string toolchain = toolchain_key();
  std::string key = toolchain + " sm_" + std::to_string(arch);
  for (const std::string& k : kernels) key += " " + k;
  const std::string dir = expr::cache_dir();
  std::string why;
  const bool cached = expr::prepare_cache_dir(dir, &why);
  const std::string path =
      dir + "/formula-" + expr::hex64(expr::fnv1a(source, expr::fnv1a(key + '\0'))) + ".cubin";
  std::string cubin;
  if (cached && !refresh && expr::load_private_file(path, &cubin, &why) && !cubin.empty()) return cubin;
  cubin = link_cubin(compile_ltoir(source), arch, kernels);
  if (cached) expr::store_file(dir, path, cubin, &why);  // a cache that cannot be written only costs time
  return cubin;
}

}  // namespace trilo::cuda
