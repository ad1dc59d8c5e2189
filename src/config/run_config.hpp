// Everything a run needs, as plain data: filled by the CLI, validated once,
// then read by the jobs. Nothing here knows about CLI11, HDF5 or CUDA.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/catalog.hpp"
#include "core/optimizers.hpp"
#include "core/schedule.hpp"
#include "config/plane_options.hpp"
#include "nn/data.hpp"

namespace trilo::config {

// Bad user input: main() prints the message and exits with status 2.
class BadInput : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A neural network on a data set as the landscape (docs/networks.md);
// active when `model` is given.
struct NetworkConfig {
  std::string model;                 // --model mlp:784-16-16-10
  std::string activation = "sigmoid";
  std::string loss = "xent";
  std::string init = "torch";
  double weight_decay = 0.0;
  nn::DataOptions data;              // --data and its options
  std::int64_t batch = 0;            // --batch-size: 0 full batch
  std::int64_t epochs = 1;           // --epochs: mini-batch passes
  std::int64_t probe = 1024;         // --probe: rows whose outputs tell minima apart
  double function_tol = 0.02;        // --function-tol: RMS output difference of one minimum
  int hessian_top = 1;               // --hessian-top: top eigenvalues per minimum (0: none)
  int lanczos_steps = 20;            // --lanczos-steps
  int hessian_minima = 16;           // --hessian-minima: the most populous minima examined
  int hutchinson = 0;                // --hutchinson: probe vectors of the trace estimate (0: none)
  int density = 0;                   // --density: probe vectors of the eigenvalue density (0: none)
  int density_steps = 100;           // --density-steps: Lanczos steps per probe vector
  double density_sigma = 0;          // --density-sigma: Gaussian broadening (0: PyHessian's rule)
  int density_bins = 10000;          // --density-bins: points of the eigenvalue grid
  int barrier_minima = 4;            // --barrier-minima: barriers among this many most populous minima
  int barrier_points = 25;           // --barrier-points: points along each path, ends included
  std::int64_t bezier_steps = 0;     // --bezier-steps: SGD steps of a Bezier path's control point (0: none)
  bool trace_weights = false;        // --trace-weights: traced trainings also record their weights
};

struct RunConfig {
  std::string job = "run";  // run | grid | descend | basins | sweep
  std::string command_line;

  // What and where.
  std::string landscape = "quartic-dimple";
  std::string expr_text;                 // --expr: a formula instead of a built-in
  std::vector<std::string> param_texts;  // --param name=value, repeatable
  std::string landscape_file;            // --landscape-file: TOML with formula, box, parameters
  int dim = 0;                  // 0: the landscape's fixed dimension, or 2
  std::string box_text;         // "lo:hi" for every axis, or "lo:hi,lo:hi,..."; empty: default
  std::string backend = "auto"; // auto | cpu | cuda
  std::string precision = "f64";
  std::uint64_t seed = 1;
  std::string output = "trilobite.h5";
  int threads = 0;              // 0: OpenMP's default

  // Descents.
  std::int64_t starts = 4096;
  std::vector<std::string> start_texts;  // --start, repeatable
  std::string starts_file;
  std::string optimizer = "gd";
  OptimizerParams opt;
  std::int64_t steps = 5000;
  // Learning-rate schedule (src/core/schedule.hpp): the options as given
  // (0: not given, where 0 is no valid value), and `schedule` as validate()
  // resolves them, the cosine's horizon being steps - warmup_steps.
  std::string lr_schedule = "constant";  // constant | step | exp | cosine
  std::int64_t lr_step_every = 0;        // step: steps per period
  double lr_gamma = 0;                   // step: factor per period (default 0.1); exp: per step
  double lr_min = 0;                     // cosine: the floor
  std::int64_t warmup_steps = 0;         // linear warm-up, any schedule
  bool lr_step_every_given = false, lr_gamma_given = false;
  LrSchedule schedule;
  // The quench of descents that run out of steps: at most this many more
  // steps without noise (DescentParams::quench_steps). -1: max(1000, steps).
  std::int64_t quench_steps = -1;
  bool quench_steps_given = false;
  double tol = 1e-6;
  bool tol_given = false;  // if not: 1e-6 for f64, 1e-4 for f32 (float32 gradients are noisier)
  // Set by the CLI when no --lr / --steps was given: validate() then takes a
  // built-in landscape's own (src/core/descent_defaults.hpp).
  bool lr_from_landscape = false;
  bool steps_from_landscape = false;
  double noise = 0.0;
  double diverge_factor = 10.0;
  std::vector<std::int64_t> trace;  // descent indices to record
  std::int64_t trace_every = 10;
  std::int64_t chunk = 1 << 16;     // descents per backend call (and per checkpoint commit)
  std::string records = "all";      // descend/run: which descents keep a row: all | sample | none
  std::int64_t sample = 10000;      // --records sample: about this many rows, evenly strided

  // Grid and basins: a 1-D or 2-D lattice on a plane through the space.
  std::int64_t grid_res = 256;
  std::int64_t basin_res = 128;
  std::string plane_axes_text;   // "i,j" (0-based); default "0,1"
  std::string origin_text;       // point the plane passes through; default: box centre
  std::int64_t tile = 1 << 20;   // grid points per backend call
  std::int64_t entropy_box = 5;  // basin entropy: box side in cells

  // Sweep: --vary NAME=lo:hi:n[:log]; a second --vary makes the sweep 2-D.
  std::string vary_text;
  std::string vary2_text;

  // Minima.
  double merge_tol = -1.0;       // <= 0: 1e-3 x box diagonal
  bool polish = true;

  // Storage: the deflate level of the result file's large datasets (0: none).
  int compression = 4;

  // Actions: no effect on the result file.
  std::string resume;         // --resume FILE: continue the interrupted run checkpointed there
  bool output_given = false;  // -o given (else a resumed run writes where the original would have)
  // --force: replace an existing result (checked by the CLI before any
  // work, src/io/output_path.hpp) or interrupted run's checkpoint; never stored.
  bool force = false;

  NetworkConfig net;
  PlaneOptions plane;  // grid over a network: the plane through weight space
  bool precision_given = false;  // networks train in float32 unless --precision is given
  bool chunk_given = false;      // networks train 64 at a time unless --chunk is given
  bool lr_given = false;         // networks default to lr 0.1 (analytic landscapes: 0.01)

  // Presentation: no effect on the result file.
  bool quiet = false;  // --quiet: no notes or progress bar on stderr
  bool json = false;   // --json: one JSON summary object on stdout and nothing else there
  // The resolved options as TOML (root attribute `config`); set by the CLI,
  // read once the options are validated. Empty: not stored.
  std::function<std::string()> resolved_config;
};

// The values a sweep runs, from --vary (src/config/sweep_config.cpp).
struct SweepSpec {
  std::string parameter;           // lr, momentum, beta1, beta2, rho, eps or noise
  std::string spacing = "linear";  // or "log"
  std::vector<double> values;      // ascending, the ends exactly lo and hi
};

// Resolved, checked values derived from a RunConfig.
struct Resolved {
  LandscapeSpec spec;                 // for formulas, spec.program points into `program`
  std::string landscape_name;         // the built-in's name, or "formula"
  std::string formula;                // as documented (built-in) or as given (formula)
  std::string derivatives;            // how gradients and Hessians are obtained
  std::shared_ptr<const expr::Program> program;
  std::shared_ptr<const expr::CompiledFormula> compiled;  // null: interpreted
  std::string formula_note;  // why the formula is interpreted, if it is
  std::vector<std::pair<std::string, double>> parameters;
  // Documented minima (the catalog's, or [[minima]] of a landscape file),
  // checked against what the run finds.
  std::vector<KnownMinimum> known_minima;
  int dim = 2;
  std::vector<double> box_lo, box_hi;
  std::vector<double> explicit_starts;  // n x dim, empty for random starts
  std::int64_t n_starts = 0;
  int axis0 = 0, axis1 = 1;              // axis1 = -1 for one-dimensional landscapes
  std::vector<double> origin;
  SweepSpec sweep;   // job "sweep" only
  SweepSpec sweep2;  // the second --vary of a 2-D sweep; no values otherwise
};

// The settings a sweep runs: the values of --vary, or with a second --vary
// every pair, the first's values outer: setting s sets sweep.values[s / n2]
// and sweep2.values[s % n2] (n2: the second's count, 1 without one).
std::int64_t sweep_settings(const Resolved& r);
// The (name, value) pairs setting s sets: one, or two in a 2-D sweep.
std::vector<std::pair<std::string, double>> sweep_setting(const Resolved& r, std::int64_t s);

// Checks every option; throws BadInput naming the option and the problem.
Resolved validate(RunConfig& cfg);

// Parsing helpers, exposed for tests. All throw BadInput with `what` in the message.
std::vector<double> parse_point(const std::string& text, const std::string& what);
std::vector<std::pair<double, double>> parse_box(const std::string& text, int dim);
std::vector<double> read_starts_file(const std::string& path, int dim);
OptimizerKind parse_optimizer(const std::string& name);
// A formula landscape (--expr or --landscape-file): parses the formula with
// its parameters and fixes the dimension and box (src/config/formula_config.cpp).
void resolve_formula(RunConfig& c, Resolved& r);
// Compiles a resolved formula's value and gradient (or notes why it will be
// interpreted). validate() calls it last, once every option has been checked,
// so bad input never starts the compiler.
void compile_formula(Resolved& r);
const char* optimizer_name(OptimizerKind k);
// The learning-rate schedule from its options into cfg.schedule: each
// option checked on what was typed, and refused where the chosen schedule
// does not use it. `steps` is the run's number of optimizer steps (the
// cosine decays over those after the warm-up), `steps_name` how the
// messages call it.
void resolve_schedule(RunConfig& cfg, std::int64_t steps, const std::string& steps_name);
// Parses and checks --vary NAME=lo:hi:n[:log] against the run's optimizer
// (every value must be a valid setting; the optimizer must use it).
SweepSpec parse_vary(const std::string& text, OptimizerKind kind);
// Whether an optimizer reads a setting (lr, noise, momentum, beta1, beta2,
// rho, eps): the others are refused when given (src/cli/unused_options.hpp).
bool optimizer_uses(OptimizerKind kind, const std::string& name);

}  // namespace trilo::config
