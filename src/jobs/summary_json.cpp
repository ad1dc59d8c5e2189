#include "jobs/summary_json.hpp"

#include <nlohmann/json.hpp>

#include "io/result_writer.hpp"

namespace trilo::jobs {

namespace {

using nlohmann::json;

const char* kind_name(std::int8_t k) {
  static const char* names[] = {"minimum", "saddle", "degenerate", "maximum"};
  return k >= 0 && k <= 3 ? names[k] : "?";
}

json status_counts(std::int64_t total, const std::int64_t* k) {
  return {{"total", total}, {"converged", k[0]}, {"max_steps", k[1]}, {"diverged", k[2]}};
}

json rows(const std::vector<double>& v, std::size_t i, int dim) {
  return std::vector<double>(v.begin() + i * dim, v.begin() + (i + 1) * dim);
}

}  // namespace

std::string json_summary(const config::RunConfig& cfg, const config::Resolved& r,
                         const backend::Backend& be, const JobResult& res, double total_seconds,
                         const std::string& xdmf_path) {
  const analysis::MinimaTable& t = res.minima.table;
  json minima = json::array();
  for (std::int64_t i = 0; i < t.n_minima; ++i) {
    const auto u = static_cast<std::size_t>(i);
    minima.push_back({{"index", i},
                      {"kind", kind_name(t.kind[u])},
                      {"position", rows(t.position, u, t.dim)},
                      {"loss", t.loss[u]},
                      {"grad_norm", t.grad_norm[u]},
                      {"eigenvalues", rows(t.eigenvalues, u, t.dim)},
                      {"count", t.count[u]},
                      {"fraction", t.fraction[u]},
                      {"mean_steps", t.mean_steps[u]},
                      {"basin_count", t.basin_count[u]},
                      {"basin_fraction", t.basin_fraction[u]}});
  }
  json plateaus = json::array();
  for (const analysis::Plateau& p : t.plateaus)
    plateaus.push_back({{"loss_lo", p.loss_lo},
                        {"loss_hi", p.loss_hi},
                        {"extent_lo", p.extent_lo},
                        {"extent_hi", p.extent_hi},
                        {"points", p.points},
                        {"count", p.count},
                        {"basin_count", p.basin_count}});
  json counts = {{"grid_points", res.grid_points}, {"minima", t.n_minima}};
  if (res.n_descents) counts["descents"] = status_counts(res.n_descents, res.descent_status);
  if (res.n_cells) counts["basin_cells"] = status_counts(res.n_cells, res.cell_status);
  json j = {{"program", "trilobite"},
            {"program_version", TRILOBITE_VERSION},
            {"format_version", io::kFormatVersion},
            {"job", cfg.job},
            {"output", cfg.output},
            {"xdmf", xdmf_path.empty() ? json(nullptr) : json(xdmf_path)},
            {"landscape", r.landscape_name},
            {"formula", r.formula},
            {"dim", r.dim},
            {"backend", be.name()},
            {"device", be.device()},
            {"precision", cfg.precision},
            {"seed", cfg.seed},
            {"merge_tol", t.merge_tol},
            {"counts", counts},
            {"timings_s",
             {{"grid", res.timings.grid_s},
              {"descents", res.timings.descents_s},
              {"basins", res.timings.basins_s},
              {"minima", res.timings.minima_s},
              {"total", total_seconds}}},
            {"minima", minima},
            {"plateaus", plateaus}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace trilo::jobs
