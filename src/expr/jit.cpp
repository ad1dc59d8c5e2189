#include "expr/jit.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "expr/codegen.hpp"
#include "expr/disk_cache.hpp"

extern char** environ;

namespace trilo::expr {
namespace {

// Part of the cache key: a library built with other flags is another file.
const char* const kFlags[] = {"-O2", "-fPIC", "-shared", "-std=c++17"};

std::atomic<long> g_compiler_runs{0};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string errno_text(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// The compiler's first error line (or first line), printable characters only.
std::string first_message(const std::string& log_path) {
  std::string log, why;
  if (!load_private_file(log_path, &log, &why)) return {};
  return first_error_line(log);
}

// Runs the compiler with a fixed argv (no shell), output to log_path.
bool run_compiler(const std::string& cxx, const std::string& src, const std::string& so, const std::string& log_path,
                  std::string* why) {
  std::vector<std::string> args = {cxx};
  for (const char* f : kFlags) args.emplace_back(f);
  args.insert(args.end(), {"-o", so, src});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  ++g_compiler_runs;
  int err = ::posix_spawnp(&pid, cxx.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    *why = errno_text("cannot run the compiler '" + cxx + "'", err);
    return false;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      *why = errno_text("waiting for the compiler", errno);
      return false;
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    *why = "cannot run the compiler '" + cxx + "'";
  } else if (WIFEXITED(status)) {
    *why = "the compiler '" + cxx + "' failed (status " + std::to_string(WEXITSTATUS(status)) +
           "): " + first_message(log_path);
  } else {
    *why = "the compiler '" + cxx + "' was killed by a signal";
  }
  return false;
}

// Removes the listed files however compile() returns.
struct TempFiles {
  std::vector<std::string> paths;
  ~TempFiles() {
    for (const std::string& p : paths) ::unlink(p.c_str());
  }
};

bool compile(const std::string& source, const std::string& dir, const std::string& cxx, const std::string& final_path,
             std::string* why) {
  TempFiles temps;
  std::string src, so, log;
  int fd = make_temp(dir, ".cpp", &src);
  if (fd < 0) {
    *why = errno_text("cannot write to " + dir, errno);
    return false;
  }
  temps.paths.push_back(src);
  bool ok = write_all(fd, source);
  ::close(fd);
  if (!ok) {
    *why = "cannot write " + src;
    return false;
  }
  for (auto [suffix, path] : {std::pair<const char*, std::string*>{".so", &so}, {".log", &log}}) {
    fd = make_temp(dir, suffix, path);
    if (fd < 0) {
      *why = errno_text("cannot write to " + dir, errno);
      return false;
    }
    ::close(fd);
    temps.paths.push_back(*path);
  }
  if (!run_compiler(cxx, src, so, log, why)) return false;
  // The linker creates the output with the umask's mode; the cache must stay
  // writable by us alone. rename() makes the library appear all at once, so
  // a concurrent process never loads a half-written file.
  if (::chmod(so.c_str(), 0700) != 0 || ::rename(so.c_str(), final_path.c_str()) != 0) {
    *why = errno_text("cannot store " + final_path, errno);
    return false;
  }
  return true;
}

}  // namespace

std::string CompiledFormula::cache_dir() { return expr::cache_dir(); }

long CompiledFormula::compiler_runs() { return g_compiler_runs.load(); }

std::unique_ptr<CompiledFormula> CompiledFormula::load_or_compile(const Program& p, int dim, std::string* why_not) {
  std::string scratch;
  std::string* why = why_not != nullptr ? why_not : &scratch;
  why->clear();
  std::string source;
  try {
    source = generate_value_grad_source(p, dim);
  } catch (const std::exception& e) {
    *why = std::string("cannot generate code: ") + e.what();
    return nullptr;
  }
  const std::string dir = cache_dir();
  if (!prepare_cache_dir(dir, why)) return nullptr;

  std::string cxx = env("TRILOBITE_CXX");
  if (cxx.empty()) cxx = "c++";
  std::string key = cxx;
  for (const char* f : kFlags) key += std::string(" ") + f;
  const std::string path = dir + "/formula-" + hex64(fnv1a(source, fnv1a(key + '\0'))) + ".so";

  // A cached library is used when it loads and answers to this ABI and
  // dimension; anything else (a stale or damaged file) is rebuilt once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt == 1 || ::access(path.c_str(), F_OK) != 0) {
      if (!compile(source, dir, cxx, path, why)) return nullptr;
    }
    if (!is_private(path, false, why)) return nullptr;
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* e = ::dlerror();
      *why = std::string("cannot load ") + path + ": " + (e != nullptr ? e : "unknown error");
      continue;
    }
    auto abi = reinterpret_cast<int (*)()>(::dlsym(handle, "trilo_formula_abi"));
    auto dim_fn = reinterpret_cast<int (*)()>(::dlsym(handle, "trilo_formula_dim"));
    auto vg = reinterpret_cast<DoubleFn>(::dlsym(handle, "trilo_formula_vg"));
    auto vg_f = reinterpret_cast<FloatFn>(::dlsym(handle, "trilo_formula_vg_f"));
    if (abi == nullptr || dim_fn == nullptr || vg == nullptr || vg_f == nullptr || abi() != kFormulaAbi ||
        dim_fn() != dim) {
      ::dlclose(handle);
      *why = path + " does not match this version of trilobite";
      continue;
    }
    why->clear();
    return std::unique_ptr<CompiledFormula>(new CompiledFormula(handle, vg, vg_f, dim, path));
  }
  return nullptr;
}

CompiledFormula::~CompiledFormula() {
  if (handle_ != nullptr) ::dlclose(handle_);
}

}  // namespace trilo::expr
