#include "jobs/bench_pipeline.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <ostream>
#include <sstream>

#include "backend/backend.hpp"
#include "config/run_config.hpp"
#include "jobs/bench_stats.hpp"
#include "jobs/jobs.hpp"

namespace trilo::jobs {

namespace {

struct PipelineRow {
  std::string case_name, precision, records, backend;
  std::int64_t starts = 0, chunk = 0;
  StageTimes t;  // of the run of median wall time
};

std::unique_ptr<backend::Backend> make_backend(const std::string& name, int threads) {
  if (name == "zero-cost") return backend::make_zero_cost_backend(threads);
  if (name == "cuda") return backend::make_cuda_backend();
  return backend::make_cpu_backend(threads);
}

// One descend job as `trilobite descend -l LANDSCAPE --dim D --precision P
// --starts N --records R --chunk C -o FILE --force -q` would run it (the
// landscape's own learning rate and steps), on `be`.
StageTimes run_job(const PipelineCase& c, const std::string& prec, std::int64_t n, const std::string& records,
                   std::int64_t chunk, const std::string& file, int threads, backend::Backend& be) {
  config::RunConfig cfg;
  cfg.job = "descend";
  cfg.landscape = c.landscape;
  cfg.dim = c.dim;
  cfg.precision = prec;
  cfg.starts = n;
  cfg.records = records;
  cfg.chunk = chunk;
  cfg.output = file;
  cfg.output_given = true;
  cfg.force = true;
  cfg.quiet = true;
  cfg.threads = threads;
  cfg.lr_from_landscape = true;
  cfg.steps_from_landscape = true;
  cfg.command_line = "trilobite descend -l " + c.landscape + " --dim " + std::to_string(c.dim) + " --precision " +
                     prec + " --starts " + std::to_string(n) + " --records " + records + " --chunk " + std::to_string(chunk) + " (bench --pipeline on " +
                     be.name() + ")";
  std::ostringstream out, log;
  StageTimes t;
  (void)be.take_device_seconds();
  run_descent_command_on(cfg, be, out, log, &t);
  t.kernel_s = be.take_device_seconds();
  std::filesystem::remove(file);
  return t;
}

// One warm-up, then the run of median job time of `repeats`.
template <class Run>
StageTimes median_run(int repeats, Run&& run) {
  std::vector<StageTimes> runs;
  for (int rep = 0; rep <= repeats; ++rep) {
    const StageTimes t = run();
    if (rep > 0) runs.push_back(t);
  }
  std::sort(runs.begin(), runs.end(), [](const StageTimes& a, const StageTimes& b) { return a.total_s < b.total_s; });
  return runs[runs.size() / 2];
}

void print_rows(const std::vector<PipelineRow>& rows, std::ostream& out) {
  char line[512];
  std::snprintf(line, sizeof line,
                "%-18s %-4s %10s %-7s %8s %-9s %8s %9s | %6s %7s %6s | %7s %6s %6s %6s %6s | %6s %6s %6s\n",
                "case", "prec", "starts", "records", "chunk", "backend", "job s", "desc/s", "setup", "compute", "wait", "cluster",
                "counts", "pick", "ckpt", "commit", "finish", "copy", "tables");
  out << line;
  for (const PipelineRow& r : rows) {
    const StageTimes& t = r.t;
    std::snprintf(line, sizeof line,
                  "%-18s %-4s %10lld %-7s %8lld %-9s %8.3f %9s | %6.3f %7.3f %6.3f | %7.3f %6.3f %6.3f %6.3f "
                  "%6.3f | %6.3f %6.3f %6.3f\n",
                  r.case_name.c_str(), r.precision.c_str(), static_cast<long long>(r.starts), r.records.c_str(),
                  static_cast<long long>(r.chunk), r.backend.c_str(), t.total_s, si(double(r.starts) / t.total_s).c_str(), t.setup_s, t.compute_s,
                  t.settle_s, t.cluster_s, t.count_s, t.records_s, t.checkpoint_s, t.commit_s, t.finish_s, t.copy_s,
                  t.tables_s);
    out << line;
  }
  out << "seconds, the run of median job time; compute and wait are the chunk loop's thread (backend calls, "
         "waiting for the chunk before to be absorbed); cluster .. commit the absorb thread's, beside the next "
         "compute; copy: records from the checkpoint into the result file\n";
  for (const PipelineRow& r : rows)
    if (r.t.cells_chunks > 0) {
      std::snprintf(line, sizeof line,
                    "cells path, %s %s %lld starts, records %s, chunk %lld on %s: %lld chunks reduced by merge cell, "
                    "%lld fell back to their end points\n",
                    r.case_name.c_str(), r.precision.c_str(), static_cast<long long>(r.starts), r.records.c_str(),
                    static_cast<long long>(r.chunk), r.backend.c_str(), static_cast<long long>(r.t.cells_chunks),
                    static_cast<long long>(r.t.cells_fallbacks));
      out << line;
    }
  // The job against its kernels: the target of a GPU job is within 2x.
  for (const PipelineRow& r : rows)
    if (r.t.kernel_s > 0) {
      std::snprintf(line, sizeof line,
                    "kernels, %s %s %lld starts, records %s, chunk %lld on %s: %.3f s of kernels, the job %.3f s: "
                    "%.2fx its kernel time\n",
                    r.case_name.c_str(), r.precision.c_str(), static_cast<long long>(r.starts), r.records.c_str(),
                    static_cast<long long>(r.chunk), r.backend.c_str(), r.t.kernel_s, r.t.total_s,
                    r.t.total_s / r.t.kernel_s);
      out << line;
    }
  for (const PipelineRow& r : rows)
    if (r.backend == "zero-cost") {
      const double absorb = r.t.absorb_s();
      std::snprintf(line, sizeof line,
                    "host alone, %s %s %lld starts, records %s, chunk %lld: %s descents/s a job, %s descents/s "
                    "absorbed (absorb %.3f s)\n",
                    r.case_name.c_str(), r.precision.c_str(), static_cast<long long>(r.starts), r.records.c_str(),
                    static_cast<long long>(r.chunk),
                    si(double(r.starts) / r.t.total_s).c_str(),
                    absorb > 0 ? si(double(r.starts) / absorb).c_str() : "-", absorb);
      out << line;
    }
}

nlohmann::json to_json(const PipelineRow& r) {
  const StageTimes& t = r.t;
  return {{"case", r.case_name},      {"precision", r.precision},   {"starts", r.starts},
          {"records", r.records},     {"chunk", r.chunk},           {"backend", r.backend},       {"job_s", t.total_s},
          {"setup_s", t.setup_s},     {"loop_s", t.loop_s},         {"compute_s", t.compute_s},
          {"wait_s", t.settle_s},     {"cluster_s", t.cluster_s},   {"count_s", t.count_s},
          {"records_s", t.records_s}, {"checkpoint_s", t.checkpoint_s}, {"commit_s", t.commit_s},
          {"absorb_s", t.absorb_s()}, {"finish_s", t.finish_s},     {"copy_s", t.copy_s},
          {"tables_s", t.tables_s},   {"descents_per_s", double(r.starts) / t.total_s},
          {"cells_chunks", t.cells_chunks}, {"cells_fallbacks", t.cells_fallbacks},
          {"kernel_s", t.kernel_s > 0 ? nlohmann::json(t.kernel_s) : nlohmann::json(nullptr)}};
}

}  // namespace

void run_pipeline_bench(const PipelineOptions& opt, nlohmann::json& doc, std::ostream& out, std::ostream& log) {
  const std::string file = (std::filesystem::temp_directory_path() /
                            ("trilobite-bench-pipeline-" + std::to_string(::getpid()) + ".h5"))
                               .string();
  std::vector<PipelineRow> rows;
  for (const std::string& name : opt.backends)
    for (const PipelineCase& c : opt.cases)
      for (const std::string& prec : opt.precisions)
        for (std::int64_t n : opt.starts)
          for (const std::string& records : opt.records)
            for (std::int64_t chunk : opt.chunks) {
              log << "trilobite bench: descend " << c.name << " " << prec << " " << n << " starts, records "
                  << records << ", chunk " << chunk << ", on " << name << "\n";
              // A fresh backend for each job: the zero-cost backend keeps its
              // templates per request.
              const std::unique_ptr<backend::Backend> be = make_backend(name, opt.threads);
              PipelineRow row{c.name, prec, records, be->name(), n, chunk, {}};
              row.t = median_run(opt.repeats, [&] { return run_job(c, prec, n, records, chunk, file, opt.threads, *be); });
              rows.push_back(row);
            }
  if (opt.json) {
    doc["pipeline_results"] = nlohmann::json::array();
    for (const PipelineRow& r : rows) doc["pipeline_results"].push_back(to_json(r));
  } else {
    print_rows(rows, out);
  }
}

}  // namespace trilo::jobs
