#include "io/plane_io.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "io/hdf5_util.hpp"
#include "io/result_reader.hpp"
#include "io/schema.hpp"

namespace trilo::io {

namespace {

using h5::Handle;
using h5::Shape;
using h5::require;
using schema::describe;

// The maps of a plane file, in the order they are written.
const char* const kMaps[] = {"loss", "accuracy", "test_loss", "test_accuracy"};
const char* const kMapNames[] = {"training loss (mean, plus the L2 term)", "training accuracy", "test loss",
                                 "test accuracy"};

Handle open_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  h5::silence_errors();
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw std::runtime_error("'" + path + "' is not an HDF5 file");
  }
  return h5::owned(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open '" + path + "'");
}

// A network result file's model, checked against the one the plane uses.
void check_model(hid_t f, const std::string& path, const std::string& model) {
  require(h5::exists(f, "network"), "'" + path + "' is not a network result file (no /network group)");
  Handle g = h5::open_group(f, "network");
  const std::string stored = h5::text_attr(g.get(), "model");
  require(stored == model, "'" + path + "' holds networks of " + stored + ", not " + model);
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos;
}

// A text file of numbers: commas, blanks and line breaks separate them.
std::vector<double> read_text_weights(const std::string& path, std::int64_t params) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  std::vector<double> w;
  std::string line;
  for (std::int64_t line_no = 1; std::getline(in, line); ++line_no) {
    line = line.substr(0, line.find('#'));
    for (char& ch : line)
      if (ch == ',' || ch == '\t' || ch == '\r' || ch == ';') ch = ' ';
    std::istringstream fields(line);
    std::string f;
    while (fields >> f) {
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(f.c_str(), &end);
      if (*end != '\0' || end == f.c_str())
        throw std::runtime_error("line " + std::to_string(line_no) + ": '" + f + "' is not a number");
      if (!std::isfinite(v) || errno == ERANGE)
        throw std::runtime_error("line " + std::to_string(line_no) + ": '" + f + "' is not a finite number");
      w.push_back(v);
    }
  }
  require(static_cast<std::int64_t>(w.size()) == params,
          "holds " + std::to_string(w.size()) + " numbers, the model has " + std::to_string(params) + " weights");
  return w;
}

}  // namespace

namespace {

// center (P) and directions (k x P) in group `gid`, with their index scales.
void write_center_and_directions(hid_t gid, const std::vector<double>& center, const std::vector<double>& directions,
                                 std::int64_t params, std::int64_t k) {
  Handle param = h5::create_index_scale(gid, "param", params);
  describe(param.get(), "index into the flat weight vector (docs/networks.md)");
  Handle dir = h5::create_index_scale(gid, "direction", k);
  describe(dir.get(), "index of the direction: 0 is alpha's, 1 beta's");
  schema::full_dataset(gid, "center", Shape{static_cast<hsize_t>(params)}, {param.get()}, center,
                       "the plane's center theta0 (alpha = beta = 0)");
  schema::full_dataset(gid, "directions", Shape{static_cast<hsize_t>(k), static_cast<hsize_t>(params)},
                       {dir.get(), param.get()}, directions,
                       "the directions: theta = center + alpha directions[0] + beta directions[1]");
}

}  // namespace

void write_plane(ResultWriter& file, const PlaneMaps& p) {
  const hid_t fid = static_cast<hid_t>(file.file_id());
  Handle g = h5::create_group(fid, "plane");
  const hid_t gid = g.get();
  std::vector<std::string> names = {"center", "directions", "direction", "param", "record", "path_alpha", "path_beta"};
  for (const char* n : kMaps) names.push_back(n);
  schema::Lattice l = schema::create_lattice(gid, p.axes, names);
  const std::vector<double>* maps[] = {&p.loss, &p.accuracy, &p.test_loss, &p.test_accuracy};
  for (int i = 0; i < 4; ++i) {
    if (maps[i]->empty()) continue;
    schema::full_dataset(gid, kMaps[i], l.dims, l.scales, *maps[i], kMapNames[i], i % 2 == 1);
  }
  write_center_and_directions(gid, p.center, p.directions, p.params, p.k);
  if (!p.path_alpha.empty()) {
    Handle rec = h5::create_index_scale(gid, "record", static_cast<std::int64_t>(p.path_alpha.size()));
    describe(rec.get(), "index of the trajectory's record");
    const Shape n = {p.path_alpha.size()};
    schema::full_dataset(gid, "path_alpha", n, {rec.get()}, p.path_alpha, "the trajectory's records projected: alpha");
    if (!p.path_beta.empty())
      schema::full_dataset(gid, "path_beta", n, {rec.get()}, p.path_beta, "the trajectory's records projected: beta");
  }
  for (const auto& [name, value] : p.attributes) h5::set_attr(gid, name, value);
}


void write_basin_plane(ResultWriter& file, const std::vector<double>& center, const std::vector<double>& directions,
                       std::int64_t params, const std::string& kind) {
  Handle g = h5::open_group(static_cast<hid_t>(file.file_id()), "basins");
  write_center_and_directions(g.get(), center, directions, params, 2);
  h5::set_attr(g.get(), "directions", kind);
}

namespace {

// Whether `path` is an HDF5 file holding every one of `groups` (false for
// anything that cannot be opened).
bool has_groups(const std::string& path, std::initializer_list<const char*> groups) {
  h5::silence_errors();
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return false;
  }
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    H5Eclear2(H5E_DEFAULT);
    return false;
  }
  bool yes = true;
  for (const char* g : groups) yes = yes && H5Lexists(f, g, H5P_DEFAULT) > 0;
  H5Fclose(f);
  H5Eclear2(H5E_DEFAULT);
  return yes;
}

}  // namespace

bool has_plane(const std::string& path) { return has_groups(path, {"plane"}); }

PlaneMaps read_plane(const std::string& path) try {
  Handle f = open_file(path);
  Handle g = h5::open_group(f.get(), "plane");
  const hid_t gid = g.get();
  PlaneMaps p;
  p.attributes = h5::read_attrs(gid);
  p.file_attributes = h5::read_attrs(f.get());
  p.axes.name0 = "alpha";
  p.axes.coord0 = h5::read<double>(gid, "alpha");
  p.axes.axis0 = 0;
  p.axes.axis1 = static_cast<int>(h5::int_attr(gid, "axis1"));
  if (p.axes.axis1 >= 0) {
    p.axes.name1 = "beta";
    p.axes.coord1 = h5::read<double>(gid, "beta");
  }
  p.center = h5::read<double>(gid, "center");
  p.params = static_cast<std::int64_t>(p.center.size());
  p.directions = h5::read<double>(gid, "directions");
  p.k = p.params > 0 ? static_cast<int>(p.directions.size() / static_cast<std::size_t>(p.params)) : 0;
  require(p.k >= 1 && p.directions.size() == static_cast<std::size_t>(p.k * p.params),
          "/plane/directions: not k rows of the center's length");
  std::vector<double>* maps[] = {&p.loss, &p.accuracy, &p.test_loss, &p.test_accuracy};
  const auto cells = static_cast<std::size_t>(p.axes.n0() * p.axes.n1());
  for (int i = 0; i < 4; ++i) {
    if (i >= 2 && !h5::exists(gid, kMaps[i])) continue;
    *maps[i] = h5::read<double>(gid, kMaps[i]);
    require(maps[i]->size() == cells, std::string("/plane/") + kMaps[i] + ": not one value per node");
  }
  if (h5::exists(gid, "path_alpha")) {
    p.path_alpha = h5::read<double>(gid, "path_alpha");
    if (h5::exists(gid, "path_beta")) p.path_beta = h5::read<double>(gid, "path_beta");
  }
  return p;
} catch (const std::runtime_error& e) {
  const std::string what = e.what();
  if (what.find(path) != std::string::npos) throw;
  throw std::runtime_error("'" + path + "': " + what);
}

bool has_start_basins(const std::string& path) { return has_groups(path, {"network", "basins"}); }

StartBasins read_start_basins(const std::string& path) try {
  Handle f = open_file(path);
  Handle g = h5::open_group(f.get(), "basins");
  const hid_t gid = g.get();
  StartBasins b;
  b.file_attributes = h5::read_attrs(f.get());
  b.axes.name0 = "alpha";
  b.axes.name1 = "beta";
  b.axes.coord0 = h5::read<double>(gid, "alpha");
  b.axes.coord1 = h5::read<double>(gid, "beta");
  b.axes.axis0 = 0;
  b.axes.axis1 = 1;
  b.axes.origin = {0.0, 0.0};
  const auto cells = static_cast<std::size_t>(b.axes.n0() * b.axes.n1());
  b.label = h5::read<std::int32_t>(gid, "label");
  b.accuracy = h5::read<double>(gid, "accuracy");
  if (h5::exists(gid, "test_accuracy")) b.test_accuracy = h5::read<double>(gid, "test_accuracy");
  require(b.label.size() == cells && b.accuracy.size() == cells &&
              (b.test_accuracy.empty() || b.test_accuracy.size() == cells),
          "/basins: not one value per cell");
  b.fraction = h5::read<double>(gid, "fraction");
  b.unconverged = h5::real_attr(gid, "unconverged_fraction");
  b.directions = h5::text_attr(gid, "directions");
  Handle m = h5::open_group(f.get(), "minima");
  b.minima_loss = h5::read<double>(m.get(), "loss");
  Handle net = h5::open_group(f.get(), "network");
  b.data = h5::text_attr(net.get(), "data");
  return b;
} catch (const std::runtime_error& e) {
  const std::string what = e.what();
  if (what.find(path) != std::string::npos) throw;
  throw std::runtime_error("'" + path + "': " + what);
}

std::string describe_plane(const std::string& path) {
  const PlaneMaps p = read_plane(path);
  std::ostringstream out;
  std::string kind, barrier, center;
  for (const auto& [name, value] : p.attributes) {
    if (name == "directions") kind = std::get<std::string>(value);
    if (name == "barrier") barrier = attr_text(value);
    if (name == "center_source") center = attr_text(value);
  }
  const auto lowest = std::min_element(p.loss.begin(), p.loss.end()) - p.loss.begin();
  out << "  /plane          " << (p.axes.one_d() ? "line of " + std::to_string(p.axes.n0())
                                                 : "plane of " + std::to_string(p.axes.n0()) + " x " + std::to_string(p.axes.n1()))
      << " points, " << kind << " directions, " << p.params << " weights" << (p.has_test() ? ", test set" : "") << "\n";
  if (!center.empty()) out << "  center          " << center << "\n";
  out << "  lowest loss     " << p.loss[static_cast<std::size_t>(lowest)] << " (accuracy "
      << p.accuracy[static_cast<std::size_t>(lowest)] << ")\n";
  if (!barrier.empty()) out << "  barrier         " << barrier << "\n";
  return out.str();
}

std::vector<double> read_weights(const std::string& spec, const std::string& model, std::int64_t params) {
  const auto colon = spec.rfind(':');
  const std::string tail = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (colon != std::string::npos && all_digits(tail)) {
    const std::string path = spec.substr(0, colon);
    const std::int64_t run = std::strtoll(tail.c_str(), nullptr, 10);
    Handle f = open_file(path);
    check_model(f.get(), path, model);
    require(h5::exists(f.get(), "descents") && H5Lexists(f.get(), "descents/end", H5P_DEFAULT) > 0,
            "'" + path + "' keeps no end weights (/descents/end; it was trained with --records none)");
    Handle ds = h5::open_dataset(f.get(), "descents/end");
    const Shape sh = h5::shape(ds.get());
    require(sh.size() == 2 && static_cast<std::int64_t>(sh[1]) == params,
            "'" + path + "': /descents/end does not hold " + std::to_string(params) + " weights per run");
    require(run < static_cast<std::int64_t>(sh[0]), "run " + tail + " does not exist ('" + path + "' has " +
                                                        std::to_string(sh[0]) + " trainings, 0 to " +
                                                        std::to_string(static_cast<std::int64_t>(sh[0]) - 1) + ")");
    std::vector<double> w(static_cast<std::size_t>(params));
    h5::read_slab(ds.get(), H5T_NATIVE_DOUBLE, {static_cast<hsize_t>(run), 0}, {1, static_cast<hsize_t>(params)},
                  w.data());
    for (double v : w) require(std::isfinite(v), "run " + tail + " of '" + path + "' has non-finite weights (it diverged)");
    return w;
  }
  if (colon != std::string::npos && tail.size() > 1 && tail[0] == '/') {
    const std::string path = spec.substr(0, colon);
    Handle f = open_file(path);
    require(H5Lexists(f.get(), tail.c_str(), H5P_DEFAULT) > 0, "'" + path + "' has no dataset " + tail);
    Handle ds = h5::open_dataset(f.get(), tail);
    std::vector<double> w = h5::read_all<double>(ds.get());
    require(static_cast<std::int64_t>(w.size()) == params, "'" + path + "' " + tail + " holds " +
                                                               std::to_string(w.size()) + " numbers, the model has " +
                                                               std::to_string(params) + " weights");
    for (double v : w) require(std::isfinite(v), "'" + path + "' " + tail + " holds a non-finite number");
    return w;
  }
  h5::silence_errors();  // a missing file is reported below, in one line, not by HDF5's error stack
  if (H5Fis_hdf5(spec.c_str()) > 0)
    throw std::runtime_error("'" + spec + "' is an HDF5 file: name a run (FILE:RUN) or a dataset (FILE:/PATH)");
  H5Eclear2(H5E_DEFAULT);
  return read_text_weights(spec, params);
}

RecordedPath read_recorded_path(const std::string& spec, const std::string& model, std::int64_t params) {
  const auto colon = spec.rfind(':');
  const bool has_run = colon != std::string::npos && all_digits(spec.substr(colon + 1));
  const std::string path = has_run ? spec.substr(0, colon) : spec;
  Handle f = open_file(path);
  check_model(f.get(), path, model);
  require(H5Lexists(f.get(), "trajectories", H5P_DEFAULT) > 0 &&
              H5Lexists(f.get(), "trajectories/position", H5P_DEFAULT) > 0,
          "'" + path + "' recorded no weights along a training (/trajectories/position: train with --trace RUN "
          "--trace-weights)");
  Handle g = h5::open_group(f.get(), "trajectories");
  const std::vector<std::int64_t> runs = h5::read<std::int64_t>(g.get(), "descent");
  const std::vector<std::int64_t> length = h5::read<std::int64_t>(g.get(), "length");
  require(!runs.empty() && length.size() == runs.size(), "'" + path + "': /trajectories is empty or damaged");
  std::size_t which = 0;
  if (has_run) {
    const std::int64_t run = std::strtoll(spec.c_str() + colon + 1, nullptr, 10);
    while (which < runs.size() && runs[which] != run) ++which;
    std::string traced;
    for (std::int64_t r : runs) traced += (traced.empty() ? "" : ", ") + std::to_string(r);
    require(which < runs.size(), "training " + std::to_string(run) + " was not traced in '" + path +
                                     "' (traced: " + traced + ")");
  }
  Handle ds = h5::open_dataset(g.get(), "position");
  const Shape sh = h5::shape(ds.get());
  require(sh.size() == 3 && sh[0] == runs.size() && static_cast<std::int64_t>(sh[2]) == params &&
              length[which] >= 0 && static_cast<hsize_t>(length[which]) <= sh[1],
          "'" + path + "': /trajectories/position does not hold " + std::to_string(params) + " weights per record");
  RecordedPath r;
  r.run = runs[which];
  r.records = length[which];
  r.weights.resize(static_cast<std::size_t>(r.records * params));
  h5::read_slab(ds.get(), H5T_NATIVE_DOUBLE, {which, 0, 0},
                {1, static_cast<hsize_t>(r.records), static_cast<hsize_t>(params)}, r.weights.data());
  for (double v : r.weights) require(std::isfinite(v), "training " + std::to_string(r.run) + " of '" + path +
                                                           "' recorded non-finite weights (it diverged)");
  return r;
}

}  // namespace trilo::io
