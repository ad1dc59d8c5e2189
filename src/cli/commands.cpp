#include "cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <ostream>
#include <sstream>
#include <variant>

#include "cli/config_file.hpp"
#include "cli/numeric_options.hpp"
#include "cli/plane_options.hpp"
#include "cli/unknown_arguments.hpp"
#include "cli/unused_options.hpp"
#include "cli/read_guard.hpp"
#include "cli/spectra_options.hpp"
#include "config/run_config.hpp"
#include "core/catalog.hpp"
#include "io/output_path.hpp"
#include "io/checkpoint.hpp"
#include "io/result_reader.hpp"
#include "jobs/bench.hpp"
#include "jobs/checkpointing.hpp"
#include "jobs/critical_job.hpp"
#include "jobs/jobs.hpp"
#include "jobs/ranks.hpp"
#include "render/render.hpp"

namespace trilo::cli {

namespace {

// The command line as typed, quoted where needed, for the provenance record.
std::string joined_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i) s += ' ';
    if (a.find_first_of(" \t'\"\\$`") == std::string::npos && !a.empty()) {
      s += a;
    } else {
      s += '\'';
      for (char ch : a) s += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
      s += '\'';
    }
  }
  return s;
}

void add_common(CLI::App* app, config::RunConfig& c) {
  app->add_option("-l,--landscape", c.landscape, "Landscape name (see `trilobite list`)");
  app->add_option("--expr", c.expr_text, "A formula instead of a built-in, e.g. \"x^2 + 3*y^2\" (needs --box)");
  app->add_option("--param", c.param_texts, "A formula parameter name=value (repeatable)")
      ->allow_extra_args(false);
  app->add_option("--landscape-file", c.landscape_file,
                  "TOML file with formula, box, dim and [parameters]");
  app->add_option("--dim", c.dim, "Dimension of an any-dimension landscape (default 2)")
      ->default_str("");
  app->add_option("--box", c.box_text, "Box: lo:hi for every axis, or lo:hi,lo:hi,... per axis");
  app->add_option("--backend", c.backend, "auto | cpu | cuda (auto: the GPU when present)");
  app->add_option("--precision", c.precision, "f32 | f64 (networks: default f32)")
      ->each([&c](const std::string&) { c.precision_given = true; });
  app->add_option("--seed", c.seed, "Seed of every random number");
  app->add_option("-o,--output", c.output, "Result file (HDF5)")
      ->each([&c](const std::string&) { c.output_given = true; });
  app->add_flag("--force", c.force, "Replace an existing result file or interrupted run");
  app->add_option("--threads", c.threads, "OpenMP threads (0: default)");
  app->add_option("--compression", c.compression,
                  "Deflate level of the result's large datasets: 0 none (fastest) to 9 (default 4)");
  app->add_option("--merge-tol", c.merge_tol,
                  "Distance under which end points are one minimum (default 1e-3 x box diagonal)")
      ->default_str("");
  app->add_flag("!--no-polish", c.polish, "Do not Newton-refine merged minima");
  app->add_flag("-q,--quiet", c.quiet, "No notes or progress bar on stderr");
  app->add_flag("--json", c.json, "Print one JSON summary on stdout instead of the text report");
}

void add_lattice(CLI::App* app, config::RunConfig& c, bool grid, bool basins) {
  if (grid) app->add_option("--grid-res", c.grid_res, "Grid points per axis (with --model: 51)");
  if (basins) app->add_option("--basin-res", c.basin_res, "Basin-map cells per axis (with --model: 16)");
  if (basins)
    app->add_option("--entropy-box", c.entropy_box, "Box side in cells for the basin entropy (default 5)");
  app->add_option("--plane-axes", c.plane_axes_text, "Axes i,j of the plane for dimension > 2");
  app->add_option("--origin", c.origin_text, "Point the plane passes through (default: box centre)");
  app->add_option("--tile", c.tile, "Grid points per backend call");
}

void add_descent(CLI::App* app, config::RunConfig& c, bool starts) {
  if (starts) {
    app->add_option("--starts", c.starts, "Number of uniform random starts in the box");
    app->add_option("--start", c.start_texts, "Explicit start x1,x2,... (repeatable)")
        ->allow_extra_args(false);
    app->add_option("--starts-file", c.starts_file, "File of starts, one point per line");
    app->add_option("--trace", c.trace, "Record the trajectory of these descents (indices)")
        ->delimiter(',');
    app->add_option("--trace-every", c.trace_every, "Record every k-th step of traced descents");
  }
  app->add_option("--optimizer", c.optimizer, "gd | momentum | nesterov | adam | rmsprop");
  app->add_option("--lr", c.opt.lr,
                  "Learning rate (default: gd, momentum, nesterov on a built-in: the landscape's, docs/landscapes.md; networks 0.1; else 0.01)")
      ->default_str("")
      ->each([&c](const std::string&) { c.lr_given = true; });
  app->add_option("--momentum", c.opt.momentum, "Momentum (momentum, nesterov)");
  app->add_option("--beta1", c.opt.beta1, "Adam beta1");
  app->add_option("--beta2", c.opt.beta2, "Adam beta2");
  app->add_option("--rho", c.opt.rho, "RMSprop decay");
  app->add_option("--eps", c.opt.eps, "Adam/RMSprop epsilon");
  app->add_option("--steps", c.steps,
                  "Maximum optimizer steps (default: the built-in landscape's, docs/landscapes.md; 5000 for a formula)")
      ->default_str("");
  app->add_option("--lr-schedule", c.lr_schedule,
                  "Learning-rate schedule: constant | step | exp | cosine (the rate of step t scales --lr)");
  app->add_option("--lr-step-every", c.lr_step_every, "step: multiply the rate by --lr-gamma every N steps")
      ->default_str("")
      ->each([&c](const std::string&) { c.lr_step_every_given = true; });
  app->add_option("--lr-gamma", c.lr_gamma, "step: factor per period (default 0.1); exp: factor per step")
      ->default_str("")
      ->each([&c](const std::string&) { c.lr_gamma_given = true; });
  app->add_option("--lr-min", c.lr_min, "cosine: the rate it decays to over the steps after warm-up (default 0)");
  app->add_option("--warmup-steps", c.warmup_steps,
                  "Linear warm-up from --lr/N to --lr over the first N steps; the schedule starts after it");
  app->add_option("--quench-steps", c.quench_steps,
                  "Descents out of steps go on without noise for up to N more steps at the base rate, "
                  "so they end in a minimum (0: off; default max(1000, --steps))")
      ->each([&c](const std::string&) { c.quench_steps_given = true; })
      ->default_str("");  // the stored -1 means "not given": the description says the default
  app->add_option("--tol", c.tol, "Converged when the gradient norm is <= tol (default 1e-6; 1e-4 in f32)")
      ->each([&c](const std::string&) { c.tol_given = true; })
      ->default_str("");
  app->add_option("--noise", c.noise, "Sigma of Gaussian noise added to the gradient");
  app->add_option("--diverge-factor", c.diverge_factor,
                  "Diverged when outside the box enlarged this many times about its centre");
  app->add_option("--chunk", c.chunk,
                  "Descents per backend call and per checkpoint commit (with --model: 64 trainings on the CPU, "
                  "1024 on the GPU)")
      ->each([&c](const std::string&) { c.chunk_given = true; });
}

// A network on a data set as the landscape (docs/networks.md).
const char* const kNetworkOptions[] = {
    "--model", "--activation", "--loss", "--init", "--weight-decay", "--data", "--data-size",
    "--data-noise", "--data-classes", "--target", "--test-fraction", "--test-data", "--standardize",
    "--batch-size", "--epochs", "--probe", "--function-tol", "--hessian-top", "--lanczos-steps",
    "--hessian-minima", "--hutchinson", "--trace-weights"};
// Options of an analytic landscape that a network landscape has no use for.
const char* const kAnalyticOnlyOptions[] = {
    "--landscape", "--expr", "--param", "--landscape-file", "--dim", "--box", "--start", "--starts-file",
    "--noise", "--diverge-factor", "--merge-tol", "--no-polish", "--sample", "--quench-steps"};

// `training`: also the options of training (descend); a plane through
// weight space (grid) takes the model and its data only.
void add_network(CLI::App* app, config::RunConfig& c, bool training) {
  config::NetworkConfig& n = c.net;
  app->add_option("--model", n.model, "A network as the landscape: mlp:IN-HIDDEN-...-OUT, e.g. mlp:784-16-16-10");
  app->add_option("--activation", n.activation, "Hidden activation: sigmoid | tanh | relu | gelu | identity (default sigmoid)");
  app->add_option("--loss", n.loss, "mse | bce (one logit) | xent (softmax cross-entropy; default)");
  app->add_option("--weight-decay", n.weight_decay, "L2: the landscape is loss + decay/2 |w|^2 (default 0)");
  app->add_option("--data", n.data.data,
                  "xor | two-moons | circles | spirals | blobs | fashion-mnist | FILE.csv | IMAGES.idx,LABELS.idx | FILE.h5:/X,/y");
  // Their stored 0 or -1 means "the set's own", which the descriptions say.
  app->add_option("--data-size", n.data.size, "Samples of a generated data set (default: the set's own)")->default_str("");
  app->add_option("--data-noise", n.data.noise, "Noise of a generated data set (default: the set's own)")->default_str("");
  app->add_option("--data-classes", n.data.classes, "Classes of blobs or spirals (default: the set's own)")
      ->default_str("");
  app->add_option("--target", n.data.target, "CSV column holding the label (default: the last)");
  app->add_option("--test-fraction", n.data.test_fraction, "Rows moved from the training to a test set, chosen by the seed");
  app->add_option("--test-data", n.data.test_data, "A test set (same kinds as --data)");
  app->add_flag("--standardize", n.data.standardize, "Features to zero mean and unit variance (training statistics)");
  if (!training) return;
  app->add_option("--init", n.init, "Initial weights: torch (nn.Linear's default) | glorot | he");
  app->add_option("--batch-size", n.batch, "Mini-batch rows (0: full batch, the default)");
  app->add_option("--epochs", n.epochs, "Mini-batch passes over the training set (default 1)");
  app->add_option("--probe", n.probe, "Training rows whose outputs tell minima apart (default 1024)");
  app->add_option("--function-tol", n.function_tol, "RMS output difference on the probe rows within one minimum (default 0.02)");
  app->add_option("--hessian-top", n.hessian_top, "Largest Hessian eigenvalues per minimum, by Lanczos (default 1; 0: none)");
  app->add_option("--lanczos-steps", n.lanczos_steps, "Lanczos steps per minimum (default 20)");
  app->add_option("--hessian-minima", n.hessian_minima, "Curvature at this many of the most populous minima (default 16)");
  app->add_option("--hutchinson", n.hutchinson, "Rademacher vectors of a Hutchinson trace estimate per minimum (default 0: none)");
  app->add_flag("--trace-weights", n.trace_weights, "Traced trainings (--trace) also record their weights");
}

// The options of the other kind of landscape (network or analytic), which
// the run does not use: left out of its stored configuration, so that it
// replays through --config without being refused.
void add_other_landscape_options(const config::RunConfig& c, std::set<std::string>& unused) {
  const bool network = !c.net.model.empty();
  if (network)
    for (const char* name : kAnalyticOnlyOptions) unused.insert(name + 2);  // without "--"
  else
    for (const char* name : kNetworkOptions) unused.insert(name + 2);
  if (network) unused.insert(c.net.batch > 0 ? "steps" : "epochs");  // one kind of training or the other
  // --chunk's default (65536) is an analytic job's; a network trains 64 (1024
  // on a GPU) at a time unless --chunk is given. Stored, the default would
  // become a given --chunk in a replay: chunks a thousand times larger.
  if (network && !c.chunk_given) unused.insert("chunk");
}

// The learning-rate schedule's settings that the chosen schedule does not
// use: left out of the stored configuration as well, since their unset
// values (--lr-step-every 0) are outside the ranges a replay checks.
void add_other_schedule_options(const config::RunConfig& c, std::set<std::string>& unused) {
  const std::string& k = c.lr_schedule;
  if (k != "step") unused.insert("lr-step-every");
  if (k != "step" && k != "exp") unused.insert("lr-gamma");
  if (k != "cosine") unused.insert("lr-min");
}

// Which options fit a network landscape, which only an analytic one, and
// which only mini-batch or full-batch training: refused with one line.
// Whether the subcommand has option `name` and it was given.
bool given(const CLI::App& app, const char* name) {
  const CLI::Option* o = app.get_option_no_throw(name);
  return o != nullptr && o->count() > 0;
}

// `plane`: a basin map of initialisations, whose --box spans the plane.
void check_network_options(const CLI::App& app, const config::RunConfig& c, bool plane = false) {
  const bool network = !c.net.model.empty();
  for (const char* name : kNetworkOptions)
    if (!network && given(app, name))
      throw config::BadInput(std::string(name) + ": applies to a network landscape; give --model");
  if (!network) return;
  for (const char* name : kAnalyticOnlyOptions)
    if (given(app, name) && !(plane && std::string(name) == "--box"))
      throw config::BadInput(std::string(name) + ": does not apply to a network landscape (--model)");
  if (c.net.batch > 0 && given(app, "--steps"))
    throw config::BadInput("--steps: mini-batch training (--batch-size) runs --epochs passes; --steps is for full-batch training");
  if (c.net.trace_weights && c.trace.empty()) {
    // basins has no --trace and a sweep refuses it: naming --trace would
    // send the user to a second refusal.
    const bool traces = app.get_option_no_throw("--trace") != nullptr && app.get_name() != "sweep";
    throw config::BadInput(traces ? std::string("--trace-weights: records the weights of traced trainings; give --trace")
                                  : "--trace-weights: " + app.get_name() +
                                        " traces no trainings (descend and run do, with --trace)");
  }
  if (c.net.batch == 0 && given(app, "--epochs"))
    throw config::BadInput("--epochs: applies to mini-batch training; give --batch-size (full batch runs --steps)");
}

// Checkpointed jobs: descend, basins, run.
void add_resume(CLI::App* app, config::RunConfig& c, bool records) {
  app->add_option("--resume", c.resume,
                  "Continue the interrupted run checkpointed in FILE.partial (FILE: the result or the checkpoint)");
  if (!records) return;
  app->add_option("--records", c.records,
                  "Which descents keep a row in /descents: all | sample | none (minima statistics count all)");
  app->add_option("--sample", c.sample, "--records sample: about this many rows, every k-th descent");
}

// Refuses an output path before any work starts (one line, exit 2).
void require_output_path(const std::string& path, bool force,
                         const std::vector<std::string>& inputs = {}) {
  const std::string problem = io::output_path_problem(path, force, inputs);
  if (!problem.empty()) throw config::BadInput(problem);
}

// `trilobite info FILE.partial`: the job, and what its last commit holds.
std::string describe_checkpoint(const io::CheckpointReader& ck, const std::string& path) {
  const std::vector<std::int64_t>& k = ck.counters();
  const std::string job = ck.text_attr("job");
  std::string s = "checkpoint of an interrupted `trilobite " + job + "` (" + path + ")\n";
  // The counters of each job's commits: a network job's trainings (then
  // trace and minima rows), a critical search's searches, a sweep's descents
  // (then quenches), a descent job's descents, ..., basin-map cells.
  bool network = false;
  for (const auto& [name, value] : ck.root_attributes())
    if (const auto* text = std::get_if<std::string>(&value); name == "landscape" && text) network = *text == "network";
  std::string what;
  if (!k.empty()) {
    if (network)
      what = std::to_string(k[0]) + " trainings";
    else if (job == "critical")
      what = std::to_string(k[0]) + " searches";
    else if (k.size() >= 3)
      what = std::to_string(k[0]) + " descents, " + std::to_string(k[2]) + " basin-map cells";
    else
      what = std::to_string(k[0]) + " descents";
  }
  if (!what.empty())
    s += "committed: " + what + "\ncontinue it with: --resume " + path + " and the run's options (trilobite info --config " +
         path + ")\n";
  else
    s += "nothing committed yet\n";
  return s;
}

// --help shows each option's default value, except where it says nothing:
// a flag's "false" and an empty list's "[]".
void hide_empty_defaults(CLI::App& app) {
  for (CLI::Option* o : app.get_options())
    if (o->get_expected_min() == 0 || o->get_default_str() == "[]") o->default_str("");
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) hide_empty_defaults(*sub);
}

void print_list(std::ostream& out) {
  for (const LandscapeInfo& l : landscape_catalog()) {
    std::string dim = l.fixed_dim > 0 ? std::to_string(l.fixed_dim) + "-D" : "any dim";
    out << l.name << std::string(l.name ? 18 - std::string(l.name).size() : 0, ' ') << dim
        << std::string(10 - dim.size(), ' ') << l.formula << "\n";
  }
}

}  // namespace

int main_with_args(int argc, char** argv, std::ostream& out, std::ostream& err) {
  return main_with_args(argc, argv, out, err, jobs::run_command);
}

int main_with_args(int argc, char** argv, std::ostream& out, std::ostream& err, JobRunner run_job) {
  config::RunConfig c;
  c.command_line = joined_command_line(argc, argv);
  CLI::App app{"trilobite: maps loss landscapes with many parallel gradient descents"};
  app.set_version_flag("--version", std::string(TRILOBITE_VERSION));
  app.require_subcommand(0, 1);
  app.option_defaults()->always_capture_default();  // --help shows each option's default

  auto* run = app.add_subcommand("run", "Grid + descents + minima + basin map into one file (--model: trainings + minima + a plane through weight space)");
  add_common(run, c);
  add_lattice(run, c, true, true);
  add_descent(run, c, true);
  add_resume(run, c, true);
  add_network(run, c, true);
  add_spectra_options(run, c.net);
  add_plane(run, c);
  auto* grid = app.add_subcommand("grid", "Loss and gradient on a 1-D or 2-D grid");
  add_common(grid, c);
  add_lattice(grid, c, true, false);
  add_network(grid, c, false);
  add_plane(grid, c);
  auto* descend = app.add_subcommand("descend", "Descents from random or given starts, and their minima");
  add_common(descend, c);
  add_descent(descend, c, true);
  add_resume(descend, c, true);
  add_network(descend, c, true);
  add_spectra_options(descend, c.net);
  auto* basins = app.add_subcommand("basins", "Basin-of-attraction map: every lattice cell a start");
  add_common(basins, c);
  add_lattice(basins, c, false, true);
  add_descent(basins, c, false);
  add_resume(basins, c, false);
  add_network(basins, c, true);
  add_spectra_options(basins, c.net);  // its minima are examined as descend's are
  add_plane(basins, c);
  if (CLI::Option* o = basins->get_option_no_throw("--trace-weights"))
    o->description(o->get_description() + " (descend and run only)");
  auto* critical = app.add_subcommand(
      "critical", "Every critical point in the box (minima, saddles, maxima) and the saddle connections");
  add_common(critical, c);
  critical->add_option("--starts", c.starts, "Number of uniform random starts (default 16384)")
      ->default_str("");
  critical->add_option("--start", c.start_texts, "Explicit start x1,x2,... (repeatable)")
      ->allow_extra_args(false);
  critical->add_option("--steps", c.steps, "Most Hessian evaluations per search (default 200)")
      ->default_str("");
  critical->add_option("--tol", c.tol, "Converged when the gradient norm is <= tol (default 1e-10; 1e-4 in f32)")
      ->each([&c](const std::string&) { c.tol_given = true; })
      ->default_str("");
  critical->add_option("--chunk", c.chunk, "Searches per backend call");
  add_lattice(critical, c, true, false);  // the loss grid drawn under the points
  add_resume(critical, c, false);
  auto* sweep = app.add_subcommand(
      "sweep", "The same starts descended for each value of one optimizer setting (or each pair of two)");
  add_common(sweep, c);
  add_descent(sweep, c, true);
  sweep
      ->add_option_function<std::vector<std::string>>(
          "--vary",
          [&c](const std::vector<std::string>& v) {
            if (v.size() > 2)
              throw config::BadInput("--vary: given " + std::to_string(v.size()) +
                                     " times; a sweep varies one setting or two (a 2-D map)");
            c.vary_text = v[0];
            c.vary2_text = v.size() > 1 ? v[1] : "";
          },
          "NAME=lo:hi:n[:log]: NAME one of lr, momentum, beta1, beta2, rho, eps, noise (not for a network); "
          "give it twice for a 2-D map of every pair")
      ->required();
  add_resume(sweep, c, true);  // --records: a network sweep's /descents
  add_network(sweep, c, true);
  add_spectra_options(sweep, c.net);
  // Shared with the other jobs, refused in a sweep when given: the help says so.
  const auto restrict_to = [sweep](const char* name, const char* when) {
    if (CLI::Option* o = sweep->get_option_no_throw(name)) o->description(o->get_description() + " (" + when + ")");
  };
  for (const char* name : {"--trace", "--trace-every", "--trace-weights"}) restrict_to(name, "not in a sweep");
  for (const char* name : {"--records", "--sample"}) restrict_to(name, "a network sweep only");
  app.add_subcommand("list", "The built-in landscapes");
  jobs::BenchOptions bench_opt;
  auto* bench = app.add_subcommand("bench", "Descent steps and grid points per second, with peak fractions");
  bench->add_option("--cases", bench_opt.cases, "Cases <landscape>-<dim>d or networks mlp784-fmnist-b<B>, mlp2-moons-b<B>, comma-separated (default: the documented landscape set)")
      ->delimiter(',');
  bench->add_option("--precision", bench_opt.precisions, "f32, f64 or both (default f32,f64; f32 with --pipeline)")->delimiter(',');
  bench->add_option("--starts", bench_opt.starts, "Numbers of descents (default 1000,100000), or of networks in network cases (default 16), comma-separated")
      ->delimiter(',');
  auto* bench_steps = bench->add_option("--steps", bench_opt.steps, "Optimizer steps per descent (default 100)");
  bench->add_option("--repeats", bench_opt.repeats, "Timed runs per case; the median is reported (default 5)");
  bench->add_option("--backend", bench_opt.backend, "all | cpu | cuda | cpu+scalar | zero-cost (all: every backend present; cpu+scalar: the CPU lanes and scalar paths side by side; zero-cost: with --pipeline, that alone)");
  bench->add_option("--threads", bench_opt.threads, "OpenMP threads (0: default)");
  bench->add_flag("--json", bench_opt.json, "One JSON document on stdout instead of the table");
  bench->add_flag("--networks", bench_opt.networks,
                  "All the network cases (sample-gradients/s of SGD), alone or beside the landscape cases --cases names");
  bench->add_flag("--formula", bench_opt.formula,
                  "Also time each case written as a formula, with its rate over the built-in's");
  bench->add_flag("--pipeline", bench_opt.pipeline,
                  "Time whole descend jobs stage by stage on the zero-cost backend (no compute: the host's own "
                  "work) and on the backends --backend names (default starts 1000000)");
  bench->add_option("--records", bench_opt.records, "With --pipeline: the jobs' --records, comma-separated (default none,all)")
      ->delimiter(',');
  bench->add_option("--chunk", bench_opt.chunks, "With --pipeline: the jobs' --chunk, comma-separated (default 65536)")
      ->delimiter(',');
  std::string info_path;
  auto* info = app.add_subcommand("info", "A readable summary of a result file");
  info->add_option("file", info_path, "Result file")->required();
  render::RenderOptions ro;
  auto* rend = app.add_subcommand("render", "A result file as a PNG picture (docs/render.md)");
  rend->add_option("file", ro.input, "Result file")->required();
  rend->add_option("-o,--output", ro.output, "PNG file to write (default trilobite.png)");
  rend->add_flag("--force", ro.force, "Replace the PNG file if it exists");
  bool render_quiet = false;
  rend->add_flag("-q,--quiet", render_quiet, "Print nothing (render writes no notes; this drops the 'wrote' line)");
  rend->add_option("--width", ro.width, "Picture width in pixels (default: by layout)");
  rend->add_option("--height", ro.height, "Picture height in pixels (default: by layout)");
  rend->add_option("--size", ro.size, "WIDTHxHEIGHT in pixels, e.g. 1200x500");
  rend->add_option("--panel", ro.panel, "auto | loss | basins | both | sweep");
  rend->add_option("--scale", ro.scale, "Loss colours: auto | linear | log (of loss - min)");
  rend->add_flag("!--no-contours", ro.contours, "No contour lines on the loss map");
  rend->add_option("--contour-levels", ro.contour_levels, "Contour lines on the loss map (default 12)");
  rend->add_option("--title", ro.title, "Title (default: landscape and optimizer)");
  rend->add_option("--font", ro.font, "TrueType font file (default $TRILOBITE_FONT or DejaVu Sans)");
  bool info_config = false;
  info->add_flag("--config", info_config, "Print the run's resolved configuration as TOML");
  enable_config_files(app);  // after every subcommand: all their options come from --config too
  check_numbers_as_typed(app);
  hide_empty_defaults(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ExtrasError&) {
    throw config::BadInput(unknown_arguments_message(app, argc, argv));
  } catch (const CLI::ParseError& e) {
    // One line: CLI11's message already names the option.
    throw config::BadInput(parse_error_message(e));
  }
  check_config_sections(app);
  if (CLI::App* sub = chosen_subcommand(app))
    c.resolved_config = [sub] { return resolved_config_toml(*sub); };

  // Only the jobs spread over ranks (jobs/ranks.hpp); the rest would run
  // once per rank.
  if (jobs::ranks() > 1)
    for (const char* one : {"list", "bench", "info", "render"})
      if (app.got_subcommand(one))
        throw config::BadInput(std::string("`trilobite ") + one +
                               "` runs as one process: start it without mpirun (jobs run over ranks: "
                               "grid, descend, basins, run, critical, sweep)");
  if (app.got_subcommand("list")) {
    print_list(out);
    return 0;
  }
  if (app.got_subcommand("bench")) {
    bench_opt.steps_given = bench_steps->count() > 0;
    jobs::run_bench(bench_opt, out, err);
    return 0;
  }
  if (app.got_subcommand("info")) {
    const ReadGuard guard(info_path);
    io::ResultData r;
    // An interrupted run's checkpoint: what it has done, and its options.
    if (info_path.size() > 8 && info_path.compare(info_path.size() - 8, 8, ".partial") == 0) {
      try {
        const io::CheckpointReader ck(info_path);
        if (info_config) {
          out << ck.text_attr("config");
          return 0;
        }
        out << describe_checkpoint(ck, info_path);
        return 0;
      } catch (const std::runtime_error& e) {
        throw config::BadInput(e.what());
      }
    }
    try {
      r = io::read_result(info_path);
      if (info_config) {
        out << io::stored_config(r);
        return 0;
      }
    } catch (const std::runtime_error& e) {
      throw config::BadInput(e.what());  // a missing or foreign file is the user's input
    }
    out << io::describe_result(r);
    return 0;
  }
  if (app.got_subcommand("render")) {
    require_output_path(ro.output, ro.force, {ro.input});
    const ReadGuard guard(ro.input);
    const std::string wrote = render::render_file(ro);
    if (!render_quiet) out << wrote << "\n";
    return 0;
  }
  if (app.got_subcommand("critical"))
    jobs::apply_critical_defaults(c, critical->count("--starts") > 0, critical->count("--steps") > 0);
  if (app.got_subcommand("descend")) {
    check_network_options(*descend, c);
    check_spectra_options(*descend, c);
  }
  if (app.got_subcommand("sweep")) {
    check_network_options(*sweep, c);
    check_spectra_options(*sweep, c);
  }
  if (app.got_subcommand("run")) {
    check_network_options(*run, c, true);
    check_spectra_options(*run, c);
    check_run_options(*run, c);
  }
  if (app.got_subcommand("grid")) check_grid_options(*grid, c);
  if (app.got_subcommand("basins")) {
    check_network_options(*basins, c, true);
    check_spectra_options(*basins, c);
    check_basins_options(*basins, c);
  }
  for (const char* job : {"run", "grid", "descend", "basins", "critical", "sweep"})
    if (app.got_subcommand(job)) c.job = job;
  // No subcommand: a `run` with its defaults.
  if (CLI::App* sub = chosen_subcommand(app) ? chosen_subcommand(app) : app.get_subcommand("run")) {
    std::set<std::string> unused = unused_options(*sub, c, err);
    add_other_landscape_options(c, unused);
    add_grid_unused(c, unused);
    add_basins_unused(c, unused);
    add_run_unused(c, unused);
    add_other_schedule_options(c, unused);
    add_unused_spectra_options(c, unused);
    const CLI::Option* lr = sub->get_option_no_throw("--lr");
    const CLI::Option* steps = sub->get_option_no_throw("--steps");
    c.lr_from_landscape = lr && lr->count() == 0;
    c.steps_from_landscape = steps && steps->count() == 0;
    c.resolved_config = [sub, unused] { return resolved_config_toml(*sub, unused); };
  }
  // A resume without -o writes where the interrupted run would have.
  if (!c.resume.empty()) jobs::checkpoint_paths(c);
  require_output_path(c.output, c.force);
  run_job(c, out, err);
  return 0;
}

}  // namespace trilo::cli
