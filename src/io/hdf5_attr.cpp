// Attributes: provenance on the root group, CF metadata on datasets.
#include <algorithm>
#include <stdexcept>

#include "io/hdf5_util.hpp"

namespace trilo::io::h5 {

namespace {

Handle string_type() {
  Handle t = owned(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create a string type");
  check_ok(H5Tset_size(t.get(), H5T_VARIABLE), "cannot size a string type");
  check_ok(H5Tset_cset(t.get(), H5T_CSET_UTF8), "cannot set a string type's character set");
  return t;
}

void write_attr(hid_t obj, const std::string& name, hid_t file_type, hid_t mem_type, std::size_t n,
                bool scalar, const void* data) {
  if (H5Aexists(obj, name.c_str()) > 0)
    check_ok(H5Adelete(obj, name.c_str()), "cannot replace attribute '" + name + "'");
  // An empty array gets a null dataspace, which h5py reads as an empty value.
  Handle space = scalar   ? owned(H5Screate(H5S_SCALAR), H5Sclose, "cannot create a dataspace")
                 : n == 0 ? owned(H5Screate(H5S_NULL), H5Sclose, "cannot create a dataspace")
                          : simple_space(Shape{n});
  Handle a = owned(H5Acreate2(obj, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                   H5Aclose, "cannot create attribute '" + name + "'");
  if (scalar || n)
    check_ok(H5Awrite(a.get(), mem_type, data), "cannot write attribute '" + name + "'");
}

template <class T>
std::vector<T> read_attr_array(hid_t attr, std::size_t n) {
  std::vector<T> v(n);
  if (n) check_ok(H5Aread(attr, Type<T>::mem(), v.data()), "cannot read an attribute");
  return v;
}

std::string read_attr_string(hid_t attr, hid_t type) {
  Handle mem = owned(H5Tget_native_type(type, H5T_DIR_DEFAULT), H5Tclose, "bad string type");
  if (H5Tis_variable_str(type) > 0) {
    char* p = nullptr;
    check_ok(H5Aread(attr, mem.get(), &p), "cannot read a string attribute");
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  std::string s(readable_count(Shape{H5Tget_size(type)}, 1, "a string attribute"), '\0');
  check_ok(H5Aread(attr, mem.get(), s.data()), "cannot read a string attribute");
  s.resize(std::min(s.size(), s.find('\0')));
  return s;
}

}  // namespace

void set_attr(hid_t obj, const std::string& name, const AttrValue& v) {
  if (auto* s = std::get_if<std::string>(&v)) {
    Handle t = string_type();
    const char* p = s->c_str();
    write_attr(obj, name, t.get(), t.get(), 1, true, &p);
  } else if (auto* i = std::get_if<std::int64_t>(&v)) {
    write_attr(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, true, i);
  } else if (auto* u = std::get_if<std::uint64_t>(&v)) {
    write_attr(obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, true, u);
  } else if (auto* d = std::get_if<double>(&v)) {
    write_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, true, d);
  } else if (auto* dv = std::get_if<std::vector<double>>(&v)) {
    write_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dv->size(), false, dv->data());
  } else if (auto* iv = std::get_if<std::vector<std::int64_t>>(&v)) {
    write_attr(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, iv->size(), false, iv->data());
  }
}

void set_flags(hid_t dataset, const std::vector<std::int8_t>& values, const std::string& meanings) {
  write_attr(dataset, "flag_values", H5T_STD_I8LE, H5T_NATIVE_INT8, values.size(), false,
             values.data());
  set_attr(dataset, "flag_meanings", meanings);
}

bool has_attr(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

AttrValue read_attr(hid_t obj, const std::string& name) {
  const std::string what = "cannot read attribute '" + name + "'";
  Handle a = owned(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, what);
  Handle type = owned(H5Aget_type(a.get()), H5Tclose, what);
  Handle space = owned(H5Aget_space(a.get()), H5Sclose, what);
  const H5S_class_t cls = H5Sget_simple_extent_type(space.get());
  const bool scalar = cls == H5S_SCALAR;
  const hssize_t points = cls == H5S_NULL ? 0 : H5Sget_simple_extent_npoints(space.get());
  if (points < 0) fail(what);
  const std::size_t n = readable_count(Shape{hsize_t(points)}, 8, "attribute '" + name + "'");
  switch (H5Tget_class(type.get())) {
    case H5T_STRING:
      if (n == 0) return std::string();
      if (n == 1) return read_attr_string(a.get(), type.get());
      break;
    case H5T_INTEGER:
      if (!scalar) return read_attr_array<std::int64_t>(a.get(), n);
      if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
        std::uint64_t u = 0;
        check_ok(H5Aread(a.get(), H5T_NATIVE_UINT64, &u), what);
        return u;
      }
      return read_attr_array<std::int64_t>(a.get(), 1).at(0);
    case H5T_FLOAT:
      if (!scalar) return read_attr_array<double>(a.get(), n);
      return read_attr_array<double>(a.get(), 1).at(0);
    default:
      break;
  }
  throw std::runtime_error("attribute '" + name + "' has a type trilobite does not read");
}

Attributes read_attrs(hid_t obj) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
  };
  if (H5Aiterate2(obj, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect, &names) < 0) {
    H5Eclear2(H5E_DEFAULT);  // creation order not tracked: fall back to names
    names.clear();
    check_ok(H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names),
             "cannot list attributes");
  }
  Attributes out;
  for (const std::string& name : names) {
    try {
      out.emplace_back(name, read_attr(obj, name));
    } catch (const std::runtime_error&) {
      // An attribute of a type we do not model (none in our own files).
    }
  }
  return out;
}

std::int64_t int_attr(hid_t obj, const std::string& name) {
  const AttrValue v = read_attr(obj, name);
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto* u = std::get_if<std::uint64_t>(&v)) return static_cast<std::int64_t>(*u);
  throw std::runtime_error("attribute '" + name + "' is not an integer");
}

double real_attr(hid_t obj, const std::string& name) {
  const AttrValue v = read_attr(obj, name);
  if (auto* d = std::get_if<double>(&v)) return *d;
  throw std::runtime_error("attribute '" + name + "' is not a number");
}

std::string text_attr(hid_t obj, const std::string& name) {
  const AttrValue v = read_attr(obj, name);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  throw std::runtime_error("attribute '" + name + "' is not a string");
}

std::vector<double> reals_attr(hid_t obj, const std::string& name) {
  const AttrValue v = read_attr(obj, name);
  if (auto* d = std::get_if<std::vector<double>>(&v)) return *d;
  throw std::runtime_error("attribute '" + name + "' is not an array of numbers");
}

std::int64_t length(hid_t group, const std::string& name) {
  Handle ds = open_dataset(group, name);
  const Shape dims = shape(ds.get());
  if (dims.empty()) throw std::runtime_error(object_name(ds.get()) + " is a scalar, not a list");
  return static_cast<std::int64_t>(dims[0]);
}

}  // namespace trilo::io::h5
