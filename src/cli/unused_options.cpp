#include "cli/unused_options.hpp"

#include <CLI/CLI.hpp>

#include "config/run_config.hpp"

namespace trilo::cli {

namespace {

enum class Action { kRefuse, kWarn };

struct Unused {
  const char* name;  // long name without "--"
  Action action;
  std::string why;  // empty: the option is used
};

// The optimizers that use a parameter, for the message.
std::string users_of(const std::string& param) {
  std::string s;
  for (OptimizerKind k : {OptimizerKind::kGd, OptimizerKind::kMomentum, OptimizerKind::kNesterov,
                          OptimizerKind::kAdam, OptimizerKind::kRmsprop})
    if (config::optimizer_uses(k, param)) s += (s.empty() ? "" : ", ") + std::string(config::optimizer_name(k));
  return s;
}

std::vector<Unused> rules(const config::RunConfig& c) {
  std::vector<Unused> r;
  const bool formula = !c.expr_text.empty() || !c.landscape_file.empty();
  const bool explicit_starts = !c.start_texts.empty() || !c.starts_file.empty();
  const std::string varied = c.vary_text.substr(0, c.vary_text.find('='));
  const std::string varied2 = c.vary2_text.substr(0, c.vary2_text.find('='));
  const bool sweep = c.job == "sweep";
  try {
    const OptimizerKind kind = config::parse_optimizer(c.optimizer);
    for (const char* p : {"momentum", "beta1", "beta2", "rho", "eps"})
      if (!config::optimizer_uses(kind, p))
        r.push_back({p, Action::kRefuse,
                     "the optimizer " + c.optimizer + " does not use it (used by " + users_of(p) +
                         "; choose one with --optimizer)"});
  } catch (const config::BadInput&) {
    // An unknown optimizer: validation names it.
  }
  if (sweep)
    for (const char* p : {"lr", "momentum", "beta1", "beta2", "rho", "eps", "noise"})
      if (varied == p || varied2 == p)
        r.push_back({p, Action::kRefuse, "--vary " + std::string(p) + " sets it in each run of the sweep"});
  if (sweep && c.net.model.empty())
    r.push_back({"records", Action::kRefuse, "a sweep keeps rows of its descents only for a network (--model)"});
  if (c.records != "sample")
    r.push_back({"sample", Action::kRefuse, "it is used only with --records sample"});
  if (c.trace.empty()) r.push_back({"trace-every", Action::kRefuse, "it is used only with --trace"});
  if (explicit_starts)
    r.push_back({"starts", Action::kRefuse, "the explicit starts (--start, --starts-file) set the count"});
  if (formula) r.push_back({"landscape", Action::kRefuse, "the formula (--expr, --landscape-file) is the landscape"});
  if (!formula) r.push_back({"param", Action::kRefuse, "only formulas (--expr, --landscape-file) have parameters"});
  const bool random_starts = (c.job == "run" || c.job == "descend" || c.job == "critical" || sweep) && !explicit_starts;
  const bool noisy = c.job != "grid" && c.job != "critical" && (c.noise > 0 || varied == "noise" || varied2 == "noise");
  const bool random_plane = c.job == "grid" && !c.net.model.empty() &&
                            (c.plane.directions == "filter" || c.plane.directions == "random");
  if (!random_starts && !noisy && !random_plane)
    r.push_back({"seed", Action::kWarn, "this run draws no random numbers (no random starts, no noise)"});
  if (c.job == "grid") {
    r.push_back({"merge-tol", Action::kWarn, "a grid finds no minima"});
    r.push_back({"no-polish", Action::kWarn, "a grid finds no minima"});
  }
  return r;
}

}  // namespace

std::set<std::string> unused_options(const CLI::App& sub, const config::RunConfig& c, std::ostream& err) {
  std::set<std::string> names;
  for (const Unused& u : rules(c)) {
    const CLI::Option* opt = sub.get_option_no_throw("--" + std::string(u.name));
    if (!opt) continue;  // this subcommand has no such option
    names.insert(u.name);
    if (opt->count() == 0) continue;
    const std::string line = "--" + std::string(u.name) + ": " + u.why;
    if (u.action == Action::kRefuse) throw config::BadInput(line + "; leave it out");
    if (!c.quiet) err << "trilobite: warning: " << line << "; it has no effect\n";
  }
  return names;
}

}  // namespace trilo::cli
