#include "io/xdmf_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "io/hdf5_util.hpp"

namespace trilo::io {

namespace {

// The second line of every XDMF file we write; how a stale one is recognised.
constexpr const char* kMarker = "<!-- trilobite: the 2-D lattices of the HDF5 result file";

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

// Names of the links in `group`, in creation order where tracked.
std::vector<std::string> link_names(hid_t group) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->push_back(name);
    return 0;
  };
  hsize_t idx = 0;
  H5_index_t order = H5_INDEX_CRT_ORDER;
  if (H5Literate(group, order, H5_ITER_INC, &idx, collect, &names) < 0) {
    names.clear();
    idx = 0;
    h5::check_ok(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &idx, collect, &names),
                 "cannot list a group");
  }
  return names;
}

bool is_dataset(hid_t group, const std::string& name) {
  const hid_t obj = H5Oopen(group, name.c_str(), H5P_DEFAULT);
  if (obj < 0) return false;
  const bool yes = H5Iget_type(obj) == H5I_DATASET;
  H5Oclose(obj);
  return yes;
}

// XDMF NumberType and Precision of a dataset's element type, or false.
bool xdmf_type(hid_t dataset, std::string& number, int& precision) {
  h5::Handle t = h5::owned(H5Dget_type(dataset), H5Tclose, "cannot read a dataset type");
  const H5T_class_t cls = H5Tget_class(t.get());
  precision = static_cast<int>(H5Tget_size(t.get()));
  if (cls == H5T_FLOAT) {
    number = "Float";
  } else if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(t.get()) == H5T_SGN_2;
    number = precision == 1 ? (is_signed ? "Char" : "UChar") : (is_signed ? "Int" : "UInt");
  } else {
    return false;
  }
  return true;
}

std::string data_item(const std::string& dims, const std::string& number, int precision,
                      const std::string& file, const std::string& path) {
  return "<DataItem Dimensions=\"" + dims + "\" NumberType=\"" + number + "\" Precision=\"" +
         std::to_string(precision) + "\" Format=\"HDF\">" + xml_escape(file) + ":" +
         xml_escape(path) + "</DataItem>";
}

// One <Grid> for a root group holding a 2-D lattice, or "".
std::string lattice_grid(hid_t file, const std::string& group_name, const std::string& file_base) {
  h5::Handle g = h5::open_group(file, group_name);
  if (!h5::has_attr(g.get(), "axis1")) return "";
  const AttrValue axis1 = h5::read_attr(g.get(), "axis1");
  const auto* a1 = std::get_if<std::int64_t>(&axis1);
  if (!a1 || *a1 < 0) return "";  // a 1-D lattice: no rectilinear 2-D mesh

  // The lattice's shape and coordinate names, from its first 2-D dataset
  // with dimension scales (docs/format.md: stored (n1, n0), dims (name1, name0)).
  const std::vector<std::string> names = link_names(g.get());
  std::string name0, name1;
  h5::Shape dims;
  for (const std::string& n : names) {
    if (!is_dataset(g.get(), n)) continue;
    h5::Handle ds = h5::open_dataset(g.get(), n);
    if (h5::shape(ds.get()).size() != 2) continue;
    dims = h5::shape(ds.get());
    name1 = h5::scale_name(ds.get(), 0);
    name0 = h5::scale_name(ds.get(), 1);
    break;
  }
  if (dims.empty() || name0.empty() || name1.empty()) return "";
  const std::string d = std::to_string(dims[0]) + " " + std::to_string(dims[1]);
  const std::string root = "/" + group_name + "/";

  std::ostringstream x;
  x << "    <Grid Name=\"" << xml_escape(group_name) << "\" GridType=\"Uniform\">\n"
    << "      <Topology TopologyType=\"2DRectMesh\" Dimensions=\"" << d << "\"/>\n"
    << "      <Geometry GeometryType=\"VXVY\">\n"
    << "        " << data_item(std::to_string(dims[1]), "Float", 8, file_base, root + name0) << "\n"
    << "        " << data_item(std::to_string(dims[0]), "Float", 8, file_base, root + name1) << "\n"
    << "      </Geometry>\n";
  for (const std::string& n : names) {
    if (!is_dataset(g.get(), n)) continue;
    h5::Handle ds = h5::open_dataset(g.get(), n);
    if (h5::shape(ds.get()) != dims) continue;
    std::string number;
    int precision = 0;
    if (!xdmf_type(ds.get(), number, precision)) continue;
    x << "      <Attribute Name=\"" << xml_escape(n)
      << "\" AttributeType=\"Scalar\" Center=\"Node\">\n"
      << "        " << data_item(d, number, precision, file_base, root + n) << "\n"
      << "      </Attribute>\n";
  }
  x << "    </Grid>\n";
  return x.str();
}

bool is_ours(const std::string& path) {
  std::ifstream in(path);
  std::string first, second;
  return in && std::getline(in, first) && std::getline(in, second) &&
         second.rfind(kMarker, 0) == 0;
}

}  // namespace

std::string xdmf_path_for(const std::string& h5_path) {
  const std::string base = base_name(h5_path);
  for (const char* ext : {".h5", ".hdf5"}) {
    const std::size_t n = std::strlen(ext);
    if (base.size() > n && base.compare(base.size() - n, n, ext) == 0)
      return h5_path.substr(0, h5_path.size() - n) + ".xmf";
  }
  return h5_path + ".xmf";
}

std::string xdmf_text(const std::string& h5_path) {
  h5::silence_errors();
  h5::Handle f = h5::owned(H5Fopen(h5_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                           "cannot open '" + h5_path + "'");
  const std::string file_base = base_name(h5_path);
  std::string grids;
  for (const std::string& n : link_names(f.get()))
    if (!is_dataset(f.get(), n)) grids += lattice_grid(f.get(), n, file_base);
  if (grids.empty()) return "";
  return "<?xml version=\"1.0\" ?>\n" + std::string(kMarker) + " (docs/format.md) -->\n"
         "<Xdmf Version=\"3.0\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
         "  <Domain>\n" + grids + "  </Domain>\n</Xdmf>\n";
}

std::string write_xdmf_beside(const std::string& h5_path) {
  const std::string target = xdmf_path_for(h5_path);
  const std::string text = xdmf_text(h5_path);
  if (text.empty()) {
    if (is_ours(target)) std::remove(target.c_str());
    return "";
  }
  const std::string tmp = target + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      throw std::runtime_error("cannot write '" + tmp + "'");
    }
  }
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename '" + tmp + "' to '" + target + "': " + why);
  }
  return target;
}

}  // namespace trilo::io
