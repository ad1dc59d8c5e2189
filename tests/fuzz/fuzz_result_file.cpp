// libFuzzer target for result files as `trilobite info` and `render` read
// them (io::read_result, io::describe_result, io::stored_config,
// render::render_file).
//
// Structure-aware: the input drives edits (result_edits.hpp) to a valid
// result file made at start-up by the real jobs (run, critical, sweep:
// every group of docs/format.md).
//
// Input layout: byte 0 picks the file (bits 0-1) and whether to render it
// (bit 2); then up to 8 edits, each an opcode byte and its operands (see
// apply_edit). Every input must either read, describe (and render) or
// throw std::runtime_error (render: config::BadInput) with one line, and
// leave no HDF5 object open. Any other exception, a crash, a hang, a leak
// or a sanitizer report is a finding.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "fuzz_support.hpp"
#include "io/hdf5_util.hpp"
#include "io/result_reader.hpp"
#include "render/render.hpp"
#include "result_edits.hpp"

namespace {

constexpr const char* kName = "fuzz_result_file";
std::vector<std::string> g_bases;  // the valid files' bytes

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using trilo::fuzz::make_result_file;
  setenv("TRILOBITE_CACHE_DIR", "/proc/trilobite-fuzz-no-cache", 1);  // formulas interpreted
  const std::string dir = trilo::fuzz::scratch_path(".base");
  ::mkdir(dir.c_str(), 0700);
  g_bases.push_back(make_result_file(dir, "run", {"run", "-l", "himmelblau", "--grid-res", "9", "--basin-res", "7",
                                                  "--starts", "24", "--steps", "400", "--trace", "0,1,2"}));
  g_bases.push_back(make_result_file(dir, "critical", {"critical", "-l", "himmelblau", "--starts", "120",
                                                       "--grid-res", "6"}));
  g_bases.push_back(make_result_file(dir, "sweep", {"sweep", "--vary", "lr=0.01:0.2:3", "--starts", "16", "--steps",
                                                    "300", "--expr", "x^4-2*x^2+y^2", "--box", "-2:2"}));
  ::rmdir(dir.c_str());
  // Datasets that declare more than this are refused before they are read
  // (libFuzzer's own limit is 2 GiB for the whole process).
  trilo::io::h5::set_read_limit(std::uint64_t{16} << 20);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  trilo::fuzz::Input in(data, size);
  const std::uint8_t head = in.byte();
  const bool render = (head & 4u) != 0;
  static const std::string path = trilo::fuzz::scratch_path(".h5");
  static const std::string png = trilo::fuzz::scratch_path(".png");
  trilo::fuzz::damage(path, g_bases[(head & 3u) % g_bases.size()], in);
  try {
    const trilo::io::ResultData r = trilo::io::read_result(path);
    (void)trilo::io::describe_result(r);
    try {
      (void)trilo::io::stored_config(r);
    } catch (const std::runtime_error&) {
    }
  } catch (const std::runtime_error& e) {
    if (!trilo::fuzz::one_line(e.what())) trilo::fuzz::fail(kName, std::string("message of several lines: ") + e.what());
  } catch (const std::exception& e) {
    trilo::fuzz::fail(kName, std::string("not std::runtime_error: ") + e.what());
  }
  if (render) {
    trilo::render::RenderOptions opt;
    opt.input = path;
    opt.output = png;
    opt.force = true;  // the same picture path every time
    opt.size = "160x120";
    opt.contour_levels = 4;
    try {
      (void)trilo::render::render_file(opt);
    } catch (const trilo::config::BadInput& e) {
      if (!trilo::fuzz::one_line(e.what())) trilo::fuzz::fail(kName, std::string("render: message of several lines: ") + e.what());
    } catch (const std::exception& e) {
      trilo::fuzz::fail(kName, std::string("render: not config::BadInput: ") + e.what());
    }
  }
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) trilo::fuzz::fail(kName, "the reader left HDF5 objects open");
  return 0;
}
