// A thin layer over the HDF5 C API shared by the result writer and reader:
// owning handles, one-line errors, the chunking rule, typed dataset and
// attribute access. Internal to src/io; nothing outside it includes hdf5.h.
#pragma once

#include <hdf5.h>
#include <hdf5_hl.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/result_writer.hpp"
#include "io/write_errors.hpp"

namespace trilo::io::h5 {

// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();                  // closes, ignoring failure (destructors, error paths)
  void abandon() { id_ = -1; }   // forgets the id without closing (nothing more reaches the file)
  void close(const char* what);  // closes and throws on failure (a close may flush)

 private:
  hid_t id_ = -1;
  Closer close_ = nullptr;
};

// HDF5 prints its error stack to stderr by default; we report by exception.
void silence_errors();
// Throws runtime_error "<what>: <innermost HDF5 message>" and clears the stack;
// DiskFull when the system's reason for a failed write was no room
// (is_no_room).
[[noreturn]] void fail(const std::string& what);
// As fail(what + the object's path): the path is looked up after the stack
// is taken.
[[noreturn]] void fail_on(const std::string& what, hid_t obj);
hid_t check_id(hid_t id, const std::string& what);
// Throws runtime_error `message` unless `ok` (the readers' and writers' checks).
inline void require(bool ok, const std::string& message) {
  if (!ok) throw std::runtime_error(message);
}
void check_ok(herr_t status, const std::string& what);
Handle owned(hid_t id, Handle::Closer close, const std::string& what);

// Native memory type and little-endian file type of each element type.
template <class T>
struct Type;
template <>
struct Type<double> {
  static hid_t mem() { return H5T_NATIVE_DOUBLE; }
  static hid_t file() { return H5T_IEEE_F64LE; }
};
template <>
struct Type<std::int64_t> {
  static hid_t mem() { return H5T_NATIVE_INT64; }
  static hid_t file() { return H5T_STD_I64LE; }
};
template <>
struct Type<std::int32_t> {
  static hid_t mem() { return H5T_NATIVE_INT32; }
  static hid_t file() { return H5T_STD_I32LE; }
};
template <>
struct Type<std::int8_t> {
  static hid_t mem() { return H5T_NATIVE_INT8; }
  static hid_t file() { return H5T_STD_I8LE; }
};

using Shape = std::vector<hsize_t>;

Handle simple_space(const Shape& dims);

// Chunk shape for a dataset of `dims`: empty (contiguous) up to 4096
// elements, else whole trailing rows adding up to about 64 Ki elements.
Shape chunk_shape(const Shape& dims);

Handle create_group(hid_t parent, const std::string& name);
Handle open_group(hid_t parent, const std::string& name);
Handle open_dataset(hid_t group, const std::string& name);
bool exists(hid_t group, const std::string& name);

// The deflate level (0: none, 1 fastest to 9 smallest) of the chunked
// datasets this thread creates; kDefaultDeflate unless a DeflateScope is
// alive. A scope, not a parameter, because every writer's datasets are made
// through many helpers and one level holds for a whole file.
constexpr int kDefaultDeflate = 4;
class DeflateScope {
 public:
  explicit DeflateScope(int level);
  ~DeflateScope();
  DeflateScope(const DeflateScope&) = delete;
  DeflateScope& operator=(const DeflateScope&) = delete;

 private:
  int saved_;
};

// `fill` (may be null) is what never-written elements read as. Chunked
// datasets are shuffled and deflated at the thread's level (DeflateScope).
Handle create_dataset_raw(hid_t group, const std::string& name, hid_t file_type, hid_t mem_type,
                          const Shape& dims, const void* fill);
template <class T>
Handle create_dataset(hid_t group, const std::string& name, const Shape& dims,
                      const T* fill = nullptr) {
  return create_dataset_raw(group, name, Type<T>::file(), Type<T>::mem(), dims, fill);
}

Shape shape(hid_t dataset);
// The object's path in the file, for messages.
std::string object_name(hid_t obj);
// Writes the block at `offset` of extent `count` (both of the dataset's rank).
void write_slab(hid_t dataset, hid_t mem_type, const Shape& offset, const Shape& count,
                const void* data);
void read_slab(hid_t dataset, hid_t mem_type, const Shape& offset, const Shape& count, void* data);
// Writes elements [first, first + count) of the row-major flattened dataset.
void write_flat(hid_t dataset, hid_t mem_type, std::int64_t first, std::int64_t count,
                const void* data);
// The whole dataset, any rank; `data` holds every element.
void write_all_raw(hid_t dataset, hid_t mem_type, const void* data);
void read_all_raw(hid_t dataset, hid_t mem_type, void* data);

template <class T>
void write_all(hid_t dataset, const std::vector<T>& v) {
  std::size_t n = 1;
  for (hsize_t d : shape(dataset)) n *= static_cast<std::size_t>(d);
  if (v.size() != n) throw std::runtime_error("write_all: wrong number of values");
  if (n) write_all_raw(dataset, Type<T>::mem(), v.data());
}
// The most bytes one dataset or attribute read may allocate. A damaged file
// can declare a dataset far larger than it holds (chunks never written cost
// nothing on disk); such a read fails with one line instead of exhausting
// memory. Default: the machine's physical memory.
void set_read_limit(std::uint64_t bytes);
// The number of elements of `dims`; throws runtime_error naming `object`
// when that many of `element_size` bytes exceed the read limit.
std::size_t readable_count(const Shape& dims, std::size_t element_size, const std::string& object);

template <class T>
std::vector<T> read_all(hid_t dataset) {
  const std::size_t n = readable_count(shape(dataset), sizeof(T), object_name(dataset));
  std::vector<T> v(n);
  if (n) read_all_raw(dataset, Type<T>::mem(), v.data());
  return v;
}

// A 1-D dimension scale named `name` holding `values`.
template <class T>
Handle create_scale(hid_t group, const std::string& name, const std::vector<T>& values) {
  Handle ds = create_dataset<T>(group, name, Shape{values.size()});
  write_all(ds.get(), values);
  check_ok(H5DSset_scale(ds.get(), name.c_str()), "cannot make '" + name + "' a dimension scale");
  return ds;
}
// A dimension scale 0, step, 2 step, ... (n values), written in blocks so
// memory stays bounded.
Handle create_index_scale(hid_t group, const std::string& name, std::int64_t n,
                          std::int64_t step = 1);
// Attaches scales[i] to dimension i of `dataset`.
void attach_scales(hid_t dataset, const std::vector<hid_t>& scales);
// The name of the first scale attached to dimension `dim` of `dataset`.
std::string scale_name(hid_t dataset, unsigned dim);

// Attributes (hdf5_attr.cpp). set_attr replaces an attribute of that name.
void set_attr(hid_t obj, const std::string& name, const AttrValue& v);
// CF flag_values (int8, like the variable) and flag_meanings.
void set_flags(hid_t dataset, const std::vector<std::int8_t>& values, const std::string& meanings);
bool has_attr(hid_t obj, const std::string& name);
AttrValue read_attr(hid_t obj, const std::string& name);
// Every attribute of a type AttrValue can hold, in creation order when tracked.
Attributes read_attrs(hid_t obj);
// Typed attributes; each throws one line naming the attribute when it has
// another type (int_attr also takes a uint64 that fits).
std::int64_t int_attr(hid_t obj, const std::string& name);
double real_attr(hid_t obj, const std::string& name);
std::string text_attr(hid_t obj, const std::string& name);
std::vector<double> reals_attr(hid_t obj, const std::string& name);

// The whole dataset `name` of `group`, flattened row-major.
template <class T>
std::vector<T> read(hid_t group, const std::string& name) {
  Handle ds = open_dataset(group, name);
  return read_all<T>(ds.get());
}
// The first dimension of dataset `name` of `group`.
std::int64_t length(hid_t group, const std::string& name);

}  // namespace trilo::io::h5
