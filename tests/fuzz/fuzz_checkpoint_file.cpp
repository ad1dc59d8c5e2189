// libFuzzer target for checkpoint files as `--resume` reads them
// (io::CheckpointReader, jobs::DescentRun::restore, and the committed rows
// copied block by block as start_checkpoint does).
//
// Structure-aware, like fuzz_result_file: the input drives edits
// (result_edits.hpp) to a valid checkpoint of a small `run` (descents with
// a sample of records, and a basin map) made at start-up. Every input must
// either restore and read, or throw std::runtime_error with one line, and
// leave no HDF5 object open; anything else is a finding.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/points.hpp"
#include "fuzz_support.hpp"
#include "io/checkpoint.hpp"
#include "io/hdf5_util.hpp"
#include "jobs/jobs.hpp"
#include "result_edits.hpp"

namespace {

constexpr const char* kName = "fuzz_checkpoint_file";
std::string g_base;  // the valid checkpoint's bytes
trilo::config::RunConfig g_cfg;
trilo::config::Resolved g_resolved;

// A whole run committed to a checkpoint, as descend/basins/run write it.
std::string make_checkpoint(const std::string& path) {
  using namespace trilo;
  g_cfg.job = "run";
  g_cfg.landscape = "himmelblau";
  g_cfg.starts = 64;
  g_cfg.basin_res = 6;
  g_cfg.chunk = 16;
  g_cfg.records = "sample";
  g_cfg.sample = 20;
  g_cfg.output = path;
  g_resolved = config::validate(g_cfg);
  auto be = backend::make_cpu_backend(1);
  const jobs::DescentPlan plan = jobs::descent_plan(g_cfg, g_resolved);
  const double tol = analysis::detail::effective_merge_tol(-1, g_resolved.box_lo, g_resolved.box_hi);
  jobs::DescentRun run(plan, g_resolved.dim, tol);
  {
    io::CheckpointWriter ck(path, jobs::provenance(g_cfg, g_resolved, *be, tol),
                            jobs::descent_streams(g_resolved.dim), jobs::DescentCounters::kSize);
    const analysis::MinimaAccumulator::State s = run.accumulator().state();
    ck.commit(run.counters().flat(), {s.reps, s.counters, s.histogram});
    run.run(*be, &ck, false);
    ck.close();
  }
  const std::string bytes = trilo::fuzz::slurp(path);
  std::remove(path.c_str());
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::string dir = trilo::fuzz::scratch_path(".base");
  ::mkdir(dir.c_str(), 0700);
  g_base = make_checkpoint(dir + "/ck.h5.partial");
  ::rmdir(dir.c_str());
  trilo::io::h5::set_read_limit(std::uint64_t{16} << 20);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trilo;
  fuzz::Input in(data, size);
  static const std::string path = fuzz::scratch_path(".h5.partial");
  fuzz::damage(path, g_base, in);
  try {
    const io::CheckpointReader ck(path);
    (void)ck.text_attr("job");
    const jobs::DescentPlan plan = jobs::descent_plan(g_cfg, g_resolved);
    jobs::DescentRun run(plan, g_resolved.dim, 0.01);
    run.restore(ck);
    // The committed rows, block by block, as a resume copies them.
    const std::vector<io::StreamSpec> streams = jobs::descent_streams(g_resolved.dim);
    const std::int64_t rows[2] = {run.counters().descent_rows, run.counters().cells_done};
    std::vector<char> buf;
    for (std::size_t s = 0; s < streams.size(); ++s)
      for (std::int64_t first = 0; first < rows[s]; first += 64) {
        const std::int64_t n = std::min<std::int64_t>(64, rows[s] - first);
        for (const io::Column& c : streams[s].columns) {
          buf.resize(static_cast<std::size_t>(n) * c.width * io::column_type_size(c.type));
          ck.read_rows(streams[s].name, c, first, n, buf.data());
        }
      }
  } catch (const std::runtime_error& e) {
    if (!fuzz::one_line(e.what())) fuzz::fail(kName, std::string("message of several lines: ") + e.what());
  } catch (const std::exception& e) {
    fuzz::fail(kName, std::string("not std::runtime_error: ") + e.what());
  }
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) fuzz::fail(kName, "the reader left HDF5 objects open");
  return 0;
}
