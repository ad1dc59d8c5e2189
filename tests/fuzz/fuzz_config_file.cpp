// libFuzzer target for option files (`trilobite <job> --config FILE`): the
// cpptoml syntax check and CLI11's config reader (src/cli/config_file.cpp),
// the options they set, and config::validate on the result, through the
// real command line (cli::main_with_args) with the job replaced by
// validation only.
//
// Input layout: the first byte picks the subcommand (byte % 6: run, grid,
// descend, basins, critical, sweep); the rest is the file.
// Every input must either validate or throw config::BadInput; any other
// exception, crash or sanitizer report is a finding. A file that validates
// must also replay: the resolved configuration written back as TOML
// (stored in every result file as `config`) must be valid TOML, validate
// again, and resolve to the same text.
// Formulas are never compiled here: TRILOBITE_CACHE_DIR points where no
// cache can be made, so validation falls back to the interpreter.
#include <cpptoml.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "config/run_config.hpp"
#include "fuzz_support.hpp"

namespace {

constexpr const char* kName = "fuzz_config_file";
const char* const kJobs[] = {"run", "grid", "descend", "basins", "critical", "sweep"};

std::string g_resolved;  // what the last validated run would store

void validate_only(trilo::config::RunConfig& c, std::ostream&, std::ostream&) {
  trilo::config::validate(c);
  g_resolved = c.resolved_config ? c.resolved_config() : std::string();
}

// Runs `trilobite <job> --config <path>`; true when the options validated.
bool parse(const char* job, const std::string& path) {
  std::vector<std::string> args = {"trilobite", job, "--config", path};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::ostringstream out, err;
  g_resolved.clear();
  try {
    trilo::cli::main_with_args(static_cast<int>(args.size()), argv.data(), out, err, validate_only);
  } catch (const trilo::config::BadInput&) {
    return false;
  } catch (const std::exception& e) {
    trilo::fuzz::fail(kName, std::string("not config::BadInput: ") + e.what());
  }
  return !g_resolved.empty();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("TRILOBITE_CACHE_DIR", "/proc/trilobite-fuzz-no-cache", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char* job = kJobs[data[0] % 6];
  static const std::string path = trilo::fuzz::scratch_path(".toml");
  static const std::string replay = trilo::fuzz::scratch_path(".replay.toml");
  trilo::fuzz::write_file(path, data + 1, size - 1);
  if (!parse(job, path)) return 0;

  const std::string first = g_resolved;
  try {
    std::istringstream in(first);
    cpptoml::parser(in).parse();
  } catch (const cpptoml::parse_exception& e) {
    trilo::fuzz::fail(kName, "resolved configuration is not TOML (" + std::string(e.what()) + "):\n" + first);
  }
  trilo::fuzz::write_file(replay, reinterpret_cast<const std::uint8_t*>(first.data()), first.size());
  if (!parse(job, replay)) trilo::fuzz::fail(kName, "resolved configuration does not validate:\n" + first);
  if (g_resolved != first)
    trilo::fuzz::fail(kName, "replay resolves differently:\n" + first + "---\n" + g_resolved);
  return 0;
}
