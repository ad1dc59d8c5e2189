#include "io/chunk_writer.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "io/chunk_copy.hpp"
#include "io/hdf5_util.hpp"

namespace trilo::io {

namespace {

// HDF5's shuffle filter: byte j of element i goes to j * n + i.
void shuffle(const unsigned char* in, std::size_t n, std::size_t esize, unsigned char* out) {
  if (esize == 1) {
    std::memcpy(out, in, n);
    return;
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < esize; ++j) out[j * n + i] = in[i * esize + j];
}

}  // namespace

int ChunkWriter::add(hid_t ds) {
  h5::Handle space = h5::owned(H5Dget_space(ds), H5Sclose, "cannot get a dataspace");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank != 1 && rank != 2) return -1;
  hsize_t dims[2] = {0, 1}, chunk[2] = {0, 1};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  h5::Handle dcpl = h5::owned(H5Dget_create_plist(ds), H5Pclose, "cannot get a property list");
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED || H5Pget_chunk(dcpl.get(), rank, chunk) != rank)
    return -1;
  if (rank == 2 && chunk[1] != dims[1]) return -1;  // rows cut into pieces
  if (H5Pget_nfilters(dcpl.get()) != 2) return -1;
  unsigned flags = 0, cd[8] = {};
  std::size_t n = 8;
  if (H5Pget_filter2(dcpl.get(), 0, &flags, &n, cd, 0, nullptr, nullptr) != H5Z_FILTER_SHUFFLE)
    return -1;
  n = 8;
  if (H5Pget_filter2(dcpl.get(), 1, &flags, &n, cd, 0, nullptr, nullptr) != H5Z_FILTER_DEFLATE || n < 1)
    return -1;
  // Elements stored as the machine holds them: the file's bytes are the memory's.
  h5::Handle type = h5::owned(H5Dget_type(ds), H5Tclose, "cannot get a datatype");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) return -1;
  h5::Handle native(H5Tget_native_type(type.get(), H5T_DIR_DEFAULT), H5Tclose);
  if (!native.valid() || H5Tequal(native.get(), type.get()) <= 0) return -1;
  Set s;
  s.id = ds;
  s.elements = static_cast<std::int64_t>(dims[0] * dims[1]);
  s.chunk = static_cast<std::int64_t>(chunk[0] * chunk[1]);
  s.row = static_cast<std::int64_t>(dims[1]);
  s.esize = H5Tget_size(native.get());
  s.level = static_cast<int>(cd[0]);
  s.fill.assign(s.esize, 0);
  H5D_fill_value_t defined = H5D_FILL_VALUE_UNDEFINED;
  if (H5Pfill_value_defined(dcpl.get(), &defined) >= 0 && defined == H5D_FILL_VALUE_USER_DEFINED &&
      H5Pget_fill_value(dcpl.get(), native.get(), s.fill.data()) < 0)
    return -1;
  s.mem_type = std::move(native);
  s.stored.assign(static_cast<std::size_t>((s.elements + s.chunk - 1) / s.chunk), false);
  s.adopted = s.stored;
  sets_.push_back(std::move(s));
  return static_cast<int>(sets_.size()) - 1;
}

std::int64_t ChunkWriter::elements_in(const Set& s, std::int64_t chunk) const {
  return std::min(s.elements, (chunk + 1) * s.chunk) - chunk * s.chunk;
}

std::int64_t ChunkWriter::adopt(int k, hid_t from, std::int64_t elements) {
  if (k < 0 || k >= static_cast<int>(sets_.size())) throw std::logic_error("ChunkWriter: no such dataset");
  Set& s = sets_[static_cast<std::size_t>(k)];
  if (!same_layout(from, s.id)) return 0;
  std::int64_t taken = 0;
  const auto chunks = static_cast<std::int64_t>(s.stored.size());
  for (std::int64_t chunk = 0; chunk < chunks && chunk * s.chunk + elements_in(s, chunk) <= elements; ++chunk) {
    const auto c = static_cast<std::size_t>(chunk);
    if (s.stored[c] || pending_.count({k, chunk}))
      throw std::logic_error("ChunkWriter: adopting a chunk already written");
    const hsize_t offset[2] = {static_cast<hsize_t>(chunk * s.chunk / s.row), 0};
    if (!copy_chunk(from, s.id, offset)) continue;  // not stored (or unreadable): deflated from the rows
    s.stored[c] = s.adopted[c] = true;
    ++taken;
  }
  return taken;
}

void ChunkWriter::write(int k, hid_t mem_type, std::int64_t first, std::int64_t count,
                        const void* data) {
  if (k < 0 || k >= static_cast<int>(sets_.size())) throw std::logic_error("ChunkWriter: no such dataset");
  Set& s = sets_[static_cast<std::size_t>(k)];
  if (H5Tequal(mem_type, s.mem_type.get()) <= 0)
    throw std::logic_error("ChunkWriter: elements of another type than the dataset's");
  if (first < 0 || count < 0 || first + count > s.elements)
    throw std::logic_error("ChunkWriter: elements outside the dataset");
  const auto* src = static_cast<const unsigned char*>(data);
  for (std::int64_t at = first, end = first + count; at < end;) {
    const std::int64_t chunk = at / s.chunk, in = at - chunk * s.chunk;
    const std::int64_t n = std::min(end - at, s.chunk - in);
    const unsigned char* from = src + static_cast<std::size_t>(at - first) * s.esize;
    if (s.adopted[static_cast<std::size_t>(chunk)]) {  // adopt() stored them already: dropped
      at += n;
      continue;
    }
    if (s.stored[static_cast<std::size_t>(chunk)]) {  // written again: HDF5 merges it
      h5::write_flat(s.id, s.mem_type.get(), at, n, from);
    } else {
      Pending& p = pending_[{k, chunk}];
      if (p.bytes.empty()) {
        p.bytes.resize(static_cast<std::size_t>(s.chunk) * s.esize);
        for (std::size_t i = 0; i < static_cast<std::size_t>(s.chunk); ++i)
          std::memcpy(p.bytes.data() + i * s.esize, s.fill.data(), s.esize);
        p.written.assign(static_cast<std::size_t>(s.chunk), false);
        held_ += p.bytes.size();
        peak_held_ = std::max(peak_held_, held_);
      }
      std::memcpy(p.bytes.data() + static_cast<std::size_t>(in) * s.esize, from,
                  static_cast<std::size_t>(n) * s.esize);
      for (std::int64_t i = in; i < in + n; ++i)
        if (!p.written[static_cast<std::size_t>(i)]) p.written[static_cast<std::size_t>(i)] = true, ++p.filled;
      // A large write (a whole in-memory batch) is stored as it goes, so
      // the copies held stay bounded.
      if (held_ > held_limit_) store_complete();
    }
    at += n;
  }
}

void ChunkWriter::store_complete() {
  std::vector<Key> keys;
  for (const auto& [key, p] : pending_)
    if (p.filled == elements_in(sets_[static_cast<std::size_t>(key.first)], key.second)) keys.push_back(key);
  store(keys);
}

void ChunkWriter::flush() {
  std::vector<Key> keys;
  for (const auto& [key, p] : pending_) keys.push_back(key);
  store(keys);
}

void ChunkWriter::store(const std::vector<Key>& keys) {
  if (keys.empty()) return;
  const std::int64_t jobs = static_cast<std::int64_t>(keys.size());
  std::vector<const Pending*> from(keys.size());
  for (std::size_t j = 0; j < keys.size(); ++j) from[j] = &pending_.at(keys[j]);
  std::vector<std::vector<unsigned char>> out(keys.size());
  std::vector<int> status(keys.size(), Z_OK);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t j = 0; j < jobs; ++j) {
    const auto u = static_cast<std::size_t>(j);
    const Set& s = sets_[static_cast<std::size_t>(keys[u].first)];
    try {  // no exception may leave an OpenMP loop
      const std::vector<unsigned char>& raw = from[u]->bytes;
      std::vector<unsigned char> shuffled(raw.size());
      shuffle(raw.data(), raw.size() / s.esize, s.esize, shuffled.data());
      uLongf size = compressBound(static_cast<uLong>(raw.size()));
      out[u].resize(size);
      status[u] = compress2(out[u].data(), &size, shuffled.data(), static_cast<uLong>(raw.size()), s.level);
      out[u].resize(size);
    } catch (const std::bad_alloc&) {
      status[u] = Z_MEM_ERROR;
    }
  }
  for (std::size_t j = 0; j < keys.size(); ++j) {
    Set& s = sets_[static_cast<std::size_t>(keys[j].first)];
    if (status[j] != Z_OK)
      throw std::runtime_error("cannot deflate a chunk of " + h5::object_name(s.id) + " (zlib status " +
                               std::to_string(status[j]) + ")");
    const std::int64_t chunk = keys[j].second;
    const hsize_t offset[2] = {static_cast<hsize_t>(chunk * s.chunk / s.row), 0};
    if (H5Dwrite_chunk(s.id, H5P_DEFAULT, 0, offset, out[j].size(), out[j].data()) < 0)
      h5::fail_on("cannot write a chunk of ", s.id);
    out[j] = {};
    s.stored[static_cast<std::size_t>(chunk)] = true;
    ++deflated_;
    held_ -= pending_.at(keys[j]).bytes.size();
    pending_.erase(keys[j]);
  }
}

}  // namespace trilo::io
