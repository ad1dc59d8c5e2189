#include "jobs/plane_job.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <memory>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/sampling.hpp"
#include "io/hdf5_util.hpp"
#include "io/plane_io.hpp"
#include "io/xdmf_writer.hpp"
#include "jobs/chunk_driver.hpp"
#include "jobs/interrupt.hpp"
#include "jobs/jobs.hpp"
#include "jobs/progress.hpp"
#include "jobs/ranks.hpp"
#include "nn/plane.hpp"

namespace trilo::jobs {

namespace {

using config::BadInput;

void require(bool ok, const std::string& message) {
  if (!ok) throw BadInput(message);
}

// A weight vector the user named, or one line saying why it cannot be read.
std::vector<double> weights_from(const std::string& option, const std::string& spec, const nn::Model& m) {
  try {
    return io::read_weights(spec, m.text(), m.params());
  } catch (const std::runtime_error& e) {
    throw BadInput(option + " '" + spec + "': " + e.what());
  }
}

double dot(const double* a, const double* b, std::int64_t n) {
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// The checks that need no file: which options go with which directions.
void check_plane_options(const config::RunConfig& c) {
  const config::PlaneOptions& p = c.plane;
  const std::string& kind = p.directions;
  require(kind == "filter" || kind == "random" || kind == "through" || kind == "pca",
          "--directions '" + kind + "': expected filter, random, through or pca");
  const bool basins = c.job == "basins";
  if (basins)
    require(c.basin_res >= 2 && c.basin_res <= 4096,
            "--basin-res: a basin map of initialisations takes 2..4096 cells per axis");
  else
    require(c.grid_res >= 2 && c.grid_res <= 4096, "--grid-res: a plane through weight space takes 2..4096 nodes per axis");
  require(!basins || !p.line, "--line: a basin map of initialisations is a plane (two directions)");
  require(!basins || kind != "through" || p.through.size() == 3,
          "--through: a basin map of initialisations is the plane through 3 weight vectors");
  if (kind == "through") {
    // A run without --through: through its own most populous minima.
    const bool own = c.job == "run" && p.through.empty();
    require(own || p.through.size() == 2 || p.through.size() == 3,
            "--through: give 2 solutions (the line between them) or 3 (the plane through them), not " +
                std::to_string(p.through.size()));
    require(p.center.empty(), "--center: with --directions through the origin is the first --through solution");
    require(own || !p.line, "--line: with --directions through, two solutions give the line and three the plane");
  } else {
    require(p.through.empty(), "--through: applies to --directions through");
  }
  if (kind == "pca")
    require(!p.trajectory.empty(),
            "--directions pca: give the recorded training with --trajectory FILE[:RUN] (trained with --trace RUN --trace-weights)");
  else
    require(p.trajectory.empty(), "--trajectory: applies to --directions pca");
  // A basin map centers on training 0's initialisation, a run on its lowest minimum.
  if ((kind == "filter" || kind == "random") && c.job == "grid")
    require(!p.center.empty(), "--directions " + kind + ": give the plane's center with --center FILE:RUN or a weights file");
  require(!p.filter_bias || kind == "filter", "--filter-bias: applies to --directions filter");
}

// `pca`: the principal directions of the recorded weights, the center (the
// last record unless --center names one) and the records projected.
void pca_plane(const config::RunConfig& c, PlaneSetup& s) {
  const nn::Model& m = s.nr.model;
  const std::int64_t P = m.params();
  io::RecordedPath path;
  try {
    path = io::read_recorded_path(c.plane.trajectory, m.text(), P);
  } catch (const std::runtime_error& e) {
    throw BadInput("--trajectory '" + c.plane.trajectory + "': " + e.what());
  }
  require(path.records > s.k, "--trajectory '" + c.plane.trajectory + "': training " + std::to_string(path.run) +
                                  " has " + std::to_string(path.records) + " records; " + std::to_string(s.k) +
                                  " principal directions need at least " + std::to_string(s.k + 1));
  if (c.plane.center.empty()) {
    s.center.assign(path.weights.end() - static_cast<std::ptrdiff_t>(P), path.weights.end());
    s.center_source = c.plane.trajectory + " (last record)";
  }
  s.directions = nn::principal_directions(path.weights, path.records, P, s.k, &s.explained);
  s.path_run = path.run;
  for (std::int64_t r = 0; r < path.records; ++r) {
    std::vector<double> diff(static_cast<std::size_t>(P));
    for (std::int64_t j = 0; j < P; ++j)
      diff[static_cast<std::size_t>(j)] = path.weights[static_cast<std::size_t>(r * P + j)] - s.center[static_cast<std::size_t>(j)];
    s.path_alpha.push_back(dot(diff.data(), s.directions.data(), P));
    if (s.k == 2) s.path_beta.push_back(dot(diff.data(), s.directions.data() + P, P));
  }
}

}  // namespace

double line_barrier(const std::vector<double>& alpha, const std::vector<double>& loss, double end0, double end1,
                    double* where) {
  double top = std::max(end0, end1), at = end0 >= end1 ? 0.0 : 1.0;
  for (std::size_t i = 0; i < alpha.size(); ++i)
    if (alpha[i] >= 0 && alpha[i] <= 1 && loss[i] > top) top = loss[i], at = alpha[i];
  if (where) *where = at;
  return top - std::max(end0, end1);
}

PlaneSetup resolve_plane(config::RunConfig& c) {
  check_plane_options(c);
  const config::PlaneOptions& p = c.plane;
  PlaneSetup s;
  s.kind = p.directions;
  s.res = c.job == "basins" ? c.basin_res : c.grid_res;
  s.k = s.kind == "through" && !p.through.empty() ? static_cast<int>(p.through.size()) - 1 : p.line ? 1 : 2;
  // The box: [-1, 1] per direction (loss-landscape's default), [0, 1] for
  // the solutions of `through`, around the projected path for `pca`.
  std::vector<std::pair<double, double>> box;
  if (!c.box_text.empty()) box = config::parse_box(c.box_text, s.k);
  s.nr = config::resolve_network(c);  // loads the data
  const nn::Model& m = s.nr.model;
  const std::int64_t P = m.params();
  const bool drawn = s.kind == "filter" || s.kind == "random";
  if (!p.center.empty()) s.center = weights_from("--center", p.center, m), s.center_source = p.center;
  // A basin map of initialisations without --center: centered on the
  // initialisation --seed draws for training 0.
  if (p.center.empty() && c.job == "basins" && drawn) {
    s.center.resize(static_cast<std::size_t>(P));
    nn::init_weights(m, s.nr.train.init, s.nr.train.seed, 0, s.center.data());
    s.center_source = "the initialisation of training 0";
  }
  s.center_later = p.center.empty() && c.job == "run" && drawn;
  if (drawn) {
    if (!s.center_later) center_plane(c, s, s.center, s.center_source);
  } else if (s.kind == "through") {
    s.center_later = p.through.empty();  // a run's own minima, once trained
    std::vector<std::vector<double>> points;
    for (const std::string& t : p.through) points.push_back(weights_from("--through", t, m));
    if (!s.center_later) through_plane(s, points, p.through);
  } else {
    pca_plane(c, s);
  }
  for (int k = 0; k < s.k; ++k) {
    double lo = -1, hi = 1;
    if (s.kind == "through") lo = 0;
    if (s.kind == "pca") {
      const std::vector<double>& x = k == 0 ? s.path_alpha : s.path_beta;
      double reach = 0;
      for (double v : x) reach = std::max(reach, std::abs(v));
      hi = reach > 0 ? 1.1 * reach : 1.0;
      lo = -hi;
    }
    if (!box.empty()) lo = box[static_cast<std::size_t>(k)].first, hi = box[static_cast<std::size_t>(k)].second;
    s.lo.push_back(lo);
    s.hi.push_back(hi);
  }
  return s;
}

void center_plane(const config::RunConfig& c, PlaneSetup& s, std::vector<double> center, std::string source) {
  const nn::Model& m = s.nr.model;
  const auto P = static_cast<std::size_t>(m.params());
  s.center = std::move(center);
  s.center_source = std::move(source);
  s.center_later = false;
  s.directions.resize(static_cast<std::size_t>(s.k) * P);
  for (int k = 0; k < s.k; ++k) {
    double* d = s.directions.data() + static_cast<std::size_t>(k) * P;
    nn::gaussian_direction(m, c.seed, k, d);
    if (s.kind == "filter") nn::filter_normalize(m, s.center.data(), d, c.plane.filter_bias);
  }
}

void through_plane(PlaneSetup& s, const std::vector<std::vector<double>>& points, const std::vector<std::string>& names) {
  s.center = points.at(0);
  s.center_source = names.at(0);
  s.center_later = false;
  s.directions.clear();
  for (int k = 1; k <= s.k; ++k)
    for (std::size_t j = 0; j < s.center.size(); ++j)
      s.directions.push_back(points.at(static_cast<std::size_t>(k))[j] - s.center[j]);
  // The solutions at (0, 0), (1, 0), (0, 1): the directions are the
  // differences themselves, not orthogonalised.
  s.solutions.assign(static_cast<std::size_t>((s.k + 1) * s.k), 0.0);
  for (int k = 0; k < s.k; ++k) s.solutions[static_cast<std::size_t>((k + 1) * s.k + k)] = 1.0;
  s.solution_names.clear();
  for (const std::string& n : names) s.solution_names += (s.solution_names.empty() ? "" : ",") + n;
  s.barrier = s.k == 1;
}

config::NetworkResolved resolve_start_plane(config::RunConfig& c, PlaneSetup* setup) {
  c.starts = c.basin_res * c.basin_res;  // one training per cell (before --trace is checked against it)
  PlaneSetup s = resolve_plane(c);
  config::NetworkResolved nr = s.nr;
  nr.runs = s.res * s.res;
  nr.train.order_run = 0;
  nr.start_center = s.center;
  nr.start_directions = s.directions;
  for (std::int64_t i = 0; i < s.res; ++i) {
    nr.start_alpha.push_back(lattice_node(s.lo[0], s.hi[0], i, s.res));
    nr.start_beta.push_back(lattice_node(s.lo[1], s.hi[1], i, s.res));
  }
  if (setup) *setup = std::move(s);
  return nr;
}

namespace {

// The plane's nodes in chunks: each chunk's points evaluated on the
// training (and test) set into a slot, then copied into the maps.
class PlanePoints : public ChunkWork {
 public:
  PlanePoints(const PlaneSetup& s, io::PlaneMaps& maps, const nn::PlaneEvaluator<float>* train32,
              const nn::PlaneEvaluator<float>* test32, const nn::PlaneEvaluator<double>* train64,
              const nn::PlaneEvaluator<double>* test64)
      : s_(s), maps_(maps), train32_(train32), test32_(test32), train64_(train64), test64_(test64) {}

  void compute(const Chunk& c) override {
    Slot& sl = slots_[c.slot];
    const auto n = static_cast<std::size_t>(c.count);
    sl.coords.resize(n * static_cast<std::size_t>(s_.k));
    for (std::int64_t i = 0; i < c.count; ++i) {
      const std::int64_t node = c.first + i, i0 = node % s_.res, i1 = node / s_.res;
      sl.coords[static_cast<std::size_t>(i * s_.k)] = maps_.axes.coord0[static_cast<std::size_t>(i0)];
      if (s_.k == 2) sl.coords[static_cast<std::size_t>(i * s_.k + 1)] = maps_.axes.coord1[static_cast<std::size_t>(i1)];
    }
    for (std::vector<double>* v : {&sl.loss, &sl.acc, &sl.test_loss, &sl.test_acc}) v->assign(n, 0.0);
    if (train32_) train32_->evaluate(sl.coords.data(), c.count, sl.loss.data(), sl.acc.data());
    if (train64_) train64_->evaluate(sl.coords.data(), c.count, sl.loss.data(), sl.acc.data());
    if (test32_) test32_->evaluate(sl.coords.data(), c.count, sl.test_loss.data(), sl.test_acc.data());
    if (test64_) test64_->evaluate(sl.coords.data(), c.count, sl.test_loss.data(), sl.test_acc.data());
  }

  void pack(const Chunk& c, Packer& out) const override {
    const Slot& sl = slots_[c.slot];
    out.put(sl.coords), out.put(sl.loss), out.put(sl.acc), out.put(sl.test_loss), out.put(sl.test_acc);
  }
  void unpack(const Chunk& c, Unpacker& in) override {
    Slot& sl = slots_[c.slot];
    in.get(sl.coords), in.get(sl.loss), in.get(sl.acc), in.get(sl.test_loss), in.get(sl.test_acc);
  }

  void absorb(const Chunk& c) override {
    const Slot& sl = slots_[c.slot];
    const auto at = static_cast<std::ptrdiff_t>(c.first);
    std::copy(sl.loss.begin(), sl.loss.end(), maps_.loss.begin() + at);
    std::copy(sl.acc.begin(), sl.acc.end(), maps_.accuracy.begin() + at);
    if (maps_.has_test()) {
      std::copy(sl.test_loss.begin(), sl.test_loss.end(), maps_.test_loss.begin() + at);
      std::copy(sl.test_acc.begin(), sl.test_acc.end(), maps_.test_accuracy.begin() + at);
    }
  }

 private:
  struct Slot {
    std::vector<double> coords, loss, acc, test_loss, test_acc;
  };
  const PlaneSetup& s_;
  io::PlaneMaps& maps_;
  const nn::PlaneEvaluator<float>* train32_;
  const nn::PlaneEvaluator<float>* test32_;
  const nn::PlaneEvaluator<double>* train64_;
  const nn::PlaneEvaluator<double>* test64_;
  Slot slots_[2];
};

// Loss and accuracy at a few given points (the ends of a line), on one set.
template <class T>
void at_points(const nn::PlaneEvaluator<T>& e, const std::vector<double>& coords, std::vector<double>& loss) {
  std::vector<double> acc(coords.size());
  loss.resize(coords.size());
  e.evaluate(coords.data(), static_cast<std::int64_t>(coords.size()), loss.data(), acc.data());
}

std::string text(double v) {
  std::ostringstream s;
  s << std::setprecision(6) << v;
  return s.str();
}

}  // namespace

PlaneResult evaluate_plane(const config::RunConfig& cfg, const PlaneSetup& s, bool spread) {
  const nn::Model& m = s.nr.model;
  const nn::DataSplit& data = s.nr.data;
  const auto t0 = std::chrono::steady_clock::now();
  PlaneResult r;
  r.nodes = s.k == 2 ? s.res * s.res : s.res;
  io::PlaneMaps& maps = r.maps;
  maps.k = s.k;
  maps.params = m.params();
  maps.center = s.center;
  maps.directions = s.directions;
  maps.axes.name0 = "alpha";
  maps.axes.axis0 = 0;
  maps.axes.axis1 = s.k == 2 ? 1 : -1;
  maps.axes.origin.assign(static_cast<std::size_t>(s.k), 0.0);
  for (std::int64_t i = 0; i < s.res; ++i) maps.axes.coord0.push_back(lattice_node(s.lo[0], s.hi[0], i, s.res));
  if (s.k == 2) {
    maps.axes.name1 = "beta";
    for (std::int64_t i = 0; i < s.res; ++i) maps.axes.coord1.push_back(lattice_node(s.lo[1], s.hi[1], i, s.res));
  }
  const auto n = static_cast<std::size_t>(r.nodes);
  maps.loss.assign(n, 0.0);
  maps.accuracy.assign(n, 0.0);
  if (data.has_test) maps.test_loss.assign(n, 0.0), maps.test_accuracy.assign(n, 0.0);

  // The first layer's products over each set, then the nodes chunk by chunk.
  std::unique_ptr<nn::PlaneEvaluator<float>> tr32, te32;
  std::unique_ptr<nn::PlaneEvaluator<double>> tr64, te64;
  if (s.nr.f32) {
    tr32 = std::make_unique<nn::PlaneEvaluator<float>>(m, s.center, s.directions, s.k, data.train);
    if (data.has_test) te32 = std::make_unique<nn::PlaneEvaluator<float>>(m, s.center, s.directions, s.k, data.test);
  } else {
    tr64 = std::make_unique<nn::PlaneEvaluator<double>>(m, s.center, s.directions, s.k, data.train);
    if (data.has_test) te64 = std::make_unique<nn::PlaneEvaluator<double>>(m, s.center, s.directions, s.k, data.test);
  }
  PlanePoints work(s, maps, tr32.get(), te32.get(), tr64.get(), te64.get());
  DriveOptions o;
  o.n = r.nodes;
  o.chunk = 64;
  o.what = "points";
  o.bar = !cfg.quiet && !cfg.json && stderr_is_terminal();
  o.bar_floor = 1;
  o.spread = spread;
  drive(work, o);
  if (spread && !is_writer()) return r;  // another rank of an MPI job: its points went to the writer

  // The line between two solutions: its ends exactly, and the barrier.
  if (s.barrier) {
    const std::vector<double> at = {0.0, 1.0};
    if (tr32) at_points(*tr32, at, r.ends);
    if (tr64) at_points(*tr64, at, r.ends);
    if (te32) at_points(*te32, at, r.test_ends);
    if (te64) at_points(*te64, at, r.test_ends);
    r.barrier = line_barrier(maps.axes.coord0, maps.loss, r.ends[0], r.ends[1], &r.barrier_at);
    if (data.has_test) r.test_barrier = line_barrier(maps.axes.coord0, maps.test_loss, r.test_ends[0], r.test_ends[1]);
  }

  io::Attributes& pa = maps.attributes;
  pa.emplace_back("directions", s.kind);
  pa.emplace_back("n_directions", std::int64_t{s.k});
  pa.emplace_back("center_source", s.center_source);
  for (int k = 0; k < s.k; ++k) {
    const double* d = s.directions.data() + static_cast<std::size_t>(k) * static_cast<std::size_t>(m.params());
    r.norms.push_back(std::sqrt(dot(d, d, m.params())));
  }
  pa.emplace_back("direction_norms", r.norms);
  pa.emplace_back("center_norm", std::sqrt(dot(s.center.data(), s.center.data(), m.params())));
  if (s.kind == "filter") pa.emplace_back("filter_bias", std::string(cfg.plane.filter_bias ? "center" : "zero"));
  if (s.kind == "through") {
    pa.emplace_back("solutions", s.solution_names);
    pa.emplace_back("solution_coords", s.solutions);
  }
  if (s.kind == "pca") {
    pa.emplace_back("trajectory", cfg.plane.trajectory);
    pa.emplace_back("trajectory_run", s.path_run);
    pa.emplace_back("explained_variance", s.explained);
    maps.path_alpha = s.path_alpha;
    maps.path_beta = s.path_beta;
  }
  if (s.barrier) {
    pa.emplace_back("end_loss", r.ends);
    pa.emplace_back("barrier", r.barrier);
    pa.emplace_back("barrier_alpha", r.barrier_at);
    if (data.has_test) {
      pa.emplace_back("test_end_loss", r.test_ends);
      pa.emplace_back("test_barrier", r.test_barrier);
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {

// The node of the lowest training loss.
std::int64_t lowest_node(const io::PlaneMaps& maps) {
  return std::min_element(maps.loss.begin(), maps.loss.end()) - maps.loss.begin();
}

}  // namespace

void print_plane(std::ostream& out, const PlaneSetup& s, const PlaneResult& p, bool has_test) {
  const io::PlaneMaps& maps = p.maps;
  const std::int64_t lowest = lowest_node(maps);
  const std::int64_t centre_node = [&] {
    std::int64_t i0 = 0, i1 = 0;
    for (std::int64_t i = 0; i < s.res; ++i) {
      if (std::abs(maps.axes.coord0[static_cast<std::size_t>(i)]) < std::abs(maps.axes.coord0[static_cast<std::size_t>(i0)])) i0 = i;
      if (s.k == 2 && std::abs(maps.axes.coord1[static_cast<std::size_t>(i)]) < std::abs(maps.axes.coord1[static_cast<std::size_t>(i1)])) i1 = i;
    }
    return i1 * s.res + i0;
  }();
  const auto at = [&](std::int64_t node) {
    std::string t = "alpha " + text(maps.axes.coord0[static_cast<std::size_t>(node % s.res)]);
    if (s.k == 2) t += ", beta " + text(maps.axes.coord1[static_cast<std::size_t>(node / s.res)]);
    return t;
  };
  const auto cn = static_cast<std::size_t>(centre_node);
  out << (s.k == 2 ? "plane" : "line") << ": " << p.nodes << " points, " << s.kind << " directions (norms";
  for (double v : p.norms) out << " " << text(v);
  out << "; center norm " << text(std::sqrt(dot(s.center.data(), s.center.data(), maps.params))) << ")\n";
  out << "nearest the center (" << at(centre_node) << "): loss " << text(maps.loss[cn]) << ", accuracy "
      << text(maps.accuracy[cn]);
  if (has_test) out << "; test loss " << text(maps.test_loss[cn]) << ", accuracy " << text(maps.test_accuracy[cn]);
  out << "\nlowest loss " << text(maps.loss[static_cast<std::size_t>(lowest)]) << " at " << at(lowest) << "\n";
  if (s.kind == "pca") {
    out << "explained variance of the trajectory:";
    for (double v : s.explained) out << " " << text(v);
    out << "\n";
  }
  if (s.barrier) {
    out << "barrier " << text(p.barrier) << " at alpha " << text(p.barrier_at) << " (end losses " << text(p.ends[0])
        << ", " << text(p.ends[1]) << ")";
    if (has_test) out << "; test barrier " << text(p.test_barrier);
    out << "\n";
  }
}

void run_plane_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log) {
  PlaneSetup s = resolve_plane(cfg);
  cfg.backend = "cpu";
  const io::h5::DeflateScope deflate(cfg.compression);
  const nn::Model& m = s.nr.model;
  const nn::DataSplit& data = s.nr.data;
  const int threads = omp_get_max_threads();
  const std::int64_t nodes = s.k == 2 ? s.res * s.res : s.res;
  if (!cfg.quiet)
    log << "trilobite grid: " << (s.k == 2 ? "plane" : "line") << " of " << nodes << " points through "
        << m.text() << " (" << m.params() << " weights, " << s.kind << " directions) on " << data.train.name << " ("
        << data.train.rows << " rows" << (data.has_test ? ", test " + std::to_string(data.test.rows) : std::string())
        << "), cpu (OpenMP, " << threads << " threads), " << cfg.precision << "\n";
  install_interrupt_handlers();
  agree_to_start();
  const auto t0 = std::chrono::steady_clock::now();
  const PlaneResult p = evaluate_plane(cfg, s, true);
  if (!is_writer()) return;  // another rank of an MPI job: its points went to the writer

  io::ResultWriter file(cfg.output, cfg.force);
  io::Attributes a = file_head_attributes(cfg);
  for (io::Attributes part : {io::Attributes{{"landscape", std::string("network")},
                                             {"model", m.text()},
                                             {"dim", m.params()},
                                             {"activation", std::string(nn::activation_name(m.activation))},
                                             {"loss", std::string(nn::loss_name(m.loss))},
                                             {"weight_decay", m.weight_decay},
                                             {"data", data.train.name},
                                             {"n_train", data.train.rows},
                                             {"n_test", data.has_test ? data.test.rows : std::int64_t{0}},
                                             {"precision", cfg.precision},
                                             {"backend", std::string("cpu")},
                                             {"device", "OpenMP, " + std::to_string(threads) + " threads"},
                                             {"seed", cfg.seed}}})
    a.insert(a.end(), part.begin(), part.end());
  if (cfg.resolved_config) a.emplace_back("config", cfg.resolved_config());
  file.write_root_attributes(a);
  io::write_plane(file, p.maps);
  file.commit();
  std::string xdmf;
  try {
    xdmf = io::write_xdmf_beside(cfg.output);
  } catch (const std::runtime_error& e) {
    std::remove(cfg.output.c_str());  // all or nothing: no result without its XDMF
    throw std::runtime_error(std::string("XDMF file: ") + e.what());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (cfg.json) {
    nlohmann::json j;
    j["job"] = "grid";
    j["landscape"] = "network";
    j["model"] = m.text();
    j["directions"] = s.kind;
    j["points"] = nodes;
    j["min_loss"] = p.maps.loss[static_cast<std::size_t>(lowest_node(p.maps))];
    if (s.barrier) j["barrier"] = p.barrier;
    j["timings"] = {{"points", p.seconds}, {"total", secs}};
    j["output"] = cfg.output;
    out << j.dump() << "\n";
    return;
  }
  print_plane(out, s, p, data.has_test);
  out << "wrote " << cfg.output << (xdmf.empty() ? "" : " and " + xdmf) << " in " << text(secs) << " s\n";
}

}  // namespace trilo::jobs
