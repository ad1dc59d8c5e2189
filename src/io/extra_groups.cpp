#include "io/extra_groups.hpp"

#include <stdexcept>

#include "io/hdf5_util.hpp"

namespace trilo::io {

namespace {

using h5::Handle;

template <class T>
std::vector<T> read(hid_t group, const std::string& name, h5::Shape* shape = nullptr) {
  Handle ds = h5::open_dataset(group, name);
  if (shape) *shape = h5::shape(ds.get());
  return h5::read_all<T>(ds.get());
}

std::string text_attr(hid_t obj, const std::string& name) {
  const AttrValue v = h5::read_attr(obj, name);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  throw std::runtime_error("attribute '" + name + "' is not a string");
}

// Opens the file read-only and the group `name` in it, or returns false.
bool open(const std::string& path, const std::string& name, Handle& file, Handle& group) {
  h5::silence_errors();
  file = h5::owned(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                   "cannot open '" + path + "'");
  if (!h5::exists(file.get(), name)) return false;
  group = h5::open_group(file.get(), name);
  return true;
}

}  // namespace

std::optional<CriticalData> read_critical(const std::string& path) {
  Handle file, grp;
  if (!open(path, "critical", file, grp)) return std::nullopt;
  try {
    const hid_t g = grp.get();
    CriticalData c;
    h5::Shape pos_shape;
    c.position = read<double>(g, "position", &pos_shape);
    c.loss = read<double>(g, "loss");
    c.kind = read<std::int8_t>(g, "kind");
    c.morse_index = read<std::int32_t>(g, "morse_index");
    if (pos_shape.size() != 2 || pos_shape[0] != c.loss.size() || c.kind.size() != c.loss.size() ||
        c.morse_index.size() != c.loss.size())
      throw std::runtime_error("datasets of different lengths");
    c.dim = static_cast<int>(pos_shape[1]);
    return c;
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + path + "': /critical: " + e.what());
  }
}

std::optional<SweepData> read_sweep(const std::string& path) {
  Handle file, grp;
  if (!open(path, "sweep", file, grp)) return std::nullopt;
  try {
    const hid_t g = grp.get();
    SweepData s;
    s.parameter = text_attr(g, "parameter");
    s.spacing = text_attr(g, "spacing");
    if (s.spacing != "linear" && s.spacing != "log")
      throw std::runtime_error("spacing '" + s.spacing + "' is neither linear nor log");
    s.value = read<double>(g, "value");
    h5::Shape fshape;
    s.fraction = read<double>(g, "fraction", &fshape);
    s.fraction_diverged = read<double>(g, "fraction_diverged");
    s.fraction_max_steps = read<double>(g, "fraction_max_steps");
    const std::size_t n = s.value.size();
    if (fshape.size() != 2 || fshape[0] != n || s.fraction_diverged.size() != n ||
        s.fraction_max_steps.size() != n)
      throw std::runtime_error("datasets of different lengths");
    s.n_minima = static_cast<std::int64_t>(fshape[1]);
    return s;
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + path + "': /sweep: " + e.what());
  }
}

}  // namespace trilo::io
