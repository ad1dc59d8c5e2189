// `trilobite info`: a result file in words.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <type_traits>

#include "analysis/critical_report.hpp"
#include "analysis/minima_stats.hpp"
#include "analysis/report.hpp"
#include "io/plane_io.hpp"
#include "io/result_reader.hpp"
#include "io/spectra_io.hpp"

namespace trilo::io {

namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

template <class T>
std::string list(const std::vector<T>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    if constexpr (std::is_floating_point_v<T>)
      s += number(v[i]);
    else
      s += std::to_string(v[i]);
  }
  return s + "]";
}

// "[-5, 5]^10" when every axis has the same range, else "[a, b] x [c, d]".
std::string box_text(const ResultData& r) {
  const auto* lo = r.attribute("box_lo");
  const auto* hi = r.attribute("box_hi");
  const auto* l = lo ? std::get_if<std::vector<double>>(lo) : nullptr;
  const auto* h = hi ? std::get_if<std::vector<double>>(hi) : nullptr;
  if (!l || !h || l->size() != h->size() || l->empty()) return "";
  auto range = [&](std::size_t i) { return "[" + number((*l)[i]) + ", " + number((*h)[i]) + "]"; };
  bool same = true;
  for (std::size_t i = 1; i < l->size(); ++i)
    same = same && (*l)[i] == (*l)[0] && (*h)[i] == (*h)[0];
  if (same && l->size() > 1) return range(0) + "^" + std::to_string(l->size());
  std::string s;
  const std::size_t shown = std::min<std::size_t>(l->size(), 4);
  for (std::size_t i = 0; i < shown; ++i) s += (i ? " x " : "") + range(i);
  if (l->size() > shown) s += " x ... (" + std::to_string(l->size() - shown) + " more)";
  return s;
}

// The settings that matter for each optimizer (as config::optimizer_name spells it).
std::vector<const char*> optimizer_settings(const std::string& name) {
  if (name == "gd") return {"lr"};
  if (name == "momentum" || name == "nesterov") return {"lr", "momentum"};
  if (name == "adam") return {"lr", "beta1", "beta2", "eps"};
  if (name == "rmsprop") return {"lr", "rho", "eps"};
  return {"lr", "momentum", "beta1", "beta2", "rho", "eps"};
}

std::string shape_text(const GridAxes& a) {
  if (a.one_d()) return std::to_string(a.n0()) + " over (" + a.name0 + ")";
  return std::to_string(a.n1()) + " x " + std::to_string(a.n0()) + " over (" + a.name1 + ", " +
         a.name0 + ")";
}

std::string status_text(const std::vector<std::int8_t>& status) {
  std::int64_t k[4] = {0, 0, 0, 0};  // converged, max-steps, diverged, never written
  for (std::int8_t s : status) ++k[s >= 0 && s <= 2 ? s : 3];
  std::string t = std::to_string(k[0]) + " converged, " + std::to_string(k[1]) + " max-steps, " +
                  std::to_string(k[2]) + " diverged";
  if (k[3]) t += ", " + std::to_string(k[3]) + " never written";
  return t;
}

}  // namespace

// The /sweep line: its values (and second values), points and runs per setting.
std::string sweep_text(const analysis::SweepTable& s, const std::string& points, const std::string& runs) {
  return std::to_string(s.n_values()) + " values of " + s.parameter + " x " +
         (s.two_dimensional() ? std::to_string(s.n_values2()) + " values of " + s.parameter2 + " x " : std::string()) +
         std::to_string(s.n_minima) + " " + points + ", " + std::to_string(s.n_starts) + " " + runs + " each";
}

std::string attr_text(const AttrValue& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto* u = std::get_if<std::uint64_t>(&v)) return std::to_string(*u);
  if (auto* d = std::get_if<double>(&v)) return number(*d);
  if (auto* dv = std::get_if<std::vector<double>>(&v)) return list(*dv);
  return list(std::get<std::vector<std::int64_t>>(v));
}

std::string describe_result(const ResultData& r) {
  auto get = [&](const char* name) {
    const AttrValue* v = r.attribute(name);
    return v ? attr_text(*v) : std::string();
  };
  std::ostringstream out;
  auto line = [&](const char* label, const std::string& text) {
    const std::size_t pad = std::max<std::size_t>(16, std::strlen(label) + 2) - std::strlen(label);
    if (!text.empty()) out << "  " << label << std::string(pad, ' ') << text << "\n";
  };
  out << r.path << ": trilobite " << get("program_version") << " result, format_version "
      << get("format_version") << "\n";
  line("created", get("created"));
  line("command", get("command_line"));
  line("job", get("job"));
  std::string land = get("landscape");
  if (!get("dim").empty()) land += ", dim " + get("dim");
  if (!box_text(r).empty()) land += ", box " + box_text(r);
  line("landscape", land);
  line("formula", get("landscape_formula"));
  std::string opt = get("optimizer");
  if (!opt.empty()) {
    // A sweep's root attribute of the setting it varies is not used: say so
    // rather than show a value no descent ran with.
    const auto value = [&](const std::string& key) {
      const bool swept = r.has_sweep && (key == r.sweep.parameter || key == r.sweep.parameter2);
      return swept ? std::string("swept") : get(key.c_str());
    };
    std::string settings;
    for (const char* key : optimizer_settings(opt))
      if (!get(key).empty())
        settings += (settings.empty() ? "" : ", ") + std::string(key) + " " + value(key);
    for (const char* key : {"max_steps", "tol", "noise", "diverge_factor", "quench_steps"})
      if (!get(key).empty())
        settings += (settings.empty() ? "" : ", ") + std::string(key) + " " + value(key);
    line("optimizer", settings.empty() ? opt : opt + " (" + settings + ")");
    // The schedule, with the settings its kind uses (absent in older files).
    const std::string sched = get("lr_schedule");
    if (!sched.empty() && (sched != "constant" || get("warmup_steps") != "0")) {
      std::string s = sched;
      const char* step_keys[] = {"lr_step_every", "lr_gamma"};
      const char* exp_keys[] = {"lr_gamma"};
      const char* cos_keys[] = {"lr_min", "lr_horizon"};
      auto add = [&](const char* const* keys, int n) {
        for (int k = 0; k < n; ++k) s += std::string(", ") + keys[k] + " " + get(keys[k]);
      };
      if (sched == "step") add(step_keys, 2);
      if (sched == "exp") add(exp_keys, 1);
      if (sched == "cosine") add(cos_keys, 2);
      if (get("warmup_steps") != "0") s += ", warmup_steps " + get("warmup_steps");
      line("lr schedule", s);
    }
  }
  std::string where = get("precision");
  if (!get("backend").empty()) where += " on " + get("backend");
  if (!get("device").empty()) where += " (" + get("device") + ")";
  line("precision", where);
  line("seed", get("seed"));
  std::string starts = get("n_starts");
  if (!get("start_mode").empty()) starts += " (" + get("start_mode") + ")";
  if (r.has_descents) line("starts", starts);
  if (r.has_plane && !r.has_trainings) {
    line("model", get("model") + " on " + get("data"));
    out << describe_plane(r.path);
    return out.str();
  }
  if (r.network) {
    line("model", get("model"));
    const std::string epochs = get("epochs");
    const std::string batch = get("batch_size") == "0"
                                  ? std::string("full batch")
                                  : "batch " + get("batch_size") + ", " + epochs + (epochs == "1" ? " epoch" : " epochs");
    line("training", batch);
    out << describe_network(r.network_minima, r.network_status);
    if (r.has_sweep) line("/sweep", sweep_text(r.sweep, "minima", "trainings"));
    out << describe_spectra(r.path);
    if (has_start_basins(r.path)) {
      const StartBasins b = read_start_basins(r.path);
      line("/basins", "basin map of " + std::to_string(b.axes.n0()) + " x " + std::to_string(b.axes.n1()) +
                          " initialisations (" + b.directions + " directions), alpha " + number(b.axes.coord0.front()) +
                          ".." + number(b.axes.coord0.back()) + ", beta " + number(b.axes.coord1.front()) + ".." +
                          number(b.axes.coord1.back()));
    }
    if (r.has_plane) out << describe_plane(r.path);  // a run's plane through weight space
    return out.str();
  }

  out << "groups:\n";
  if (r.has_grid) line("/grid", "loss " + shape_text(r.grid.axes));
  if (r.has_descents)
    line("/descents", std::to_string(r.descents.count) + " descents in " +
                          std::to_string(r.descents.dim) + "-D: " + status_text(r.descents.status));
  if (r.has_minima)
    line("/minima",
         std::to_string(r.minima.n_minima) + " points, merge_tol " + number(r.minima.merge_tol));
  if (r.has_basins)
    line("/basins", shape_text(r.basins.axes) + ": " + status_text(r.basins.status));
  if (r.has_trajectories) {
    std::size_t longest = 0;
    for (const auto& t : r.trajectories) longest = std::max(longest, t.step.size());
    line("/trajectories", std::to_string(r.trajectories.size()) + " traced, up to " +
                              std::to_string(longest) + " records");
  }
  if (r.has_critical) {
    const analysis::CriticalTable& t = r.critical;
    line("/critical", std::to_string(t.n_points) + " critical points from " +
                          std::to_string(t.n_starts) + " starts (" + t.method + "), merge_tol " +
                          number(t.merge_tol));
  }
  if (r.has_connections)
    line("/connections",
         analysis::counted(static_cast<std::int64_t>(r.connections.saddle.size()), "index-1 saddle",
                           "index-1 saddles") +
             ", " + analysis::counted(static_cast<std::int64_t>(r.connections.tree_level.size()), "merge", "merges") +
             " of " +
             analysis::counted(static_cast<std::int64_t>(r.connections.minimum_row.size()), "minimum", "minima"));
  if (r.has_sweep) line("/sweep", sweep_text(r.sweep, "points", "starts"));
  if (r.has_minima) out << "minima:\n" << analysis::format_minima_table(r.minima);
  const std::string stats = r.has_minima ? analysis::format_minima_statistics(r.minima) : "";
  if (!stats.empty()) out << "minima, 95% Wilson intervals and steps (nearest rank):\n" << stats;
  if (r.has_known_minima)
    out << analysis::format_known_minima(r.known_minima.known, r.known_minima.match);
  if (r.has_basins && r.basins.has_metrics)
    out << "basin geometry:\n" << analysis::format_basin_metrics(r.basins.metrics);
  if (r.has_critical) out << analysis::format_critical_table(r.critical);
  if (r.has_critical && r.has_connections)
    out << analysis::format_connections(r.critical, r.connections);
  if (r.has_sweep) out << analysis::format_sweep_table(r.sweep);
  return out.str();
}

}  // namespace trilo::io
