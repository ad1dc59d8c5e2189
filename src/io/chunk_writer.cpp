#include "io/chunk_writer.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "io/hdf5_util.hpp"

namespace trilo::io {

namespace {

// The dataset's chunk and filters, if they are the ones this writer
// reproduces: {c1, c0, deflate level}, or c1 = 0 when not.
struct Layout {
  hsize_t dims[2] = {0, 0}, chunk[2] = {0, 0};
  int level = -1;
};

Layout layout_of(hid_t ds) {
  Layout l;
  h5::Handle space = h5::owned(H5Dget_space(ds), H5Sclose, "cannot get a dataspace");
  if (H5Sget_simple_extent_ndims(space.get()) != 2) return {};
  H5Sget_simple_extent_dims(space.get(), l.dims, nullptr);
  h5::Handle type = h5::owned(H5Dget_type(ds), H5Tclose, "cannot get a datatype");
  if (H5Tequal(type.get(), H5T_NATIVE_DOUBLE) <= 0) return {};
  h5::Handle dcpl = h5::owned(H5Dget_create_plist(ds), H5Pclose, "cannot get a property list");
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return {};
  if (H5Pget_chunk(dcpl.get(), 2, l.chunk) != 2) return {};
  if (H5Pget_nfilters(dcpl.get()) != 2) return {};
  unsigned flags = 0, cd[8] = {};
  std::size_t n = 8;
  if (H5Pget_filter2(dcpl.get(), 0, &flags, &n, cd, 0, nullptr, nullptr) != H5Z_FILTER_SHUFFLE)
    return {};
  n = 8;
  if (H5Pget_filter2(dcpl.get(), 1, &flags, &n, cd, 0, nullptr, nullptr) != H5Z_FILTER_DEFLATE ||
      n < 1)
    return {};
  l.level = static_cast<int>(cd[0]);
  return l;
}

// HDF5's shuffle filter: byte j of element i goes to j * n + i.
void shuffle(const double* in, std::size_t n, unsigned char* out) {
  const auto* b = reinterpret_cast<const unsigned char*>(in);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < sizeof(double); ++j) out[j * n + i] = b[i * sizeof(double) + j];
}

}  // namespace

std::unique_ptr<RowChunkWriter> RowChunkWriter::make(const std::vector<hid_t>& datasets) {
  if (datasets.empty()) return nullptr;
  const Layout first = layout_of(datasets[0]);
  if (first.level < 0 || first.chunk[1] != first.dims[1] || first.chunk[0] < 1) return nullptr;
  for (hid_t ds : datasets) {
    const Layout l = layout_of(ds);
    if (l.level != first.level || std::memcmp(l.dims, first.dims, sizeof l.dims) != 0 ||
        std::memcmp(l.chunk, first.chunk, sizeof l.chunk) != 0)
      return nullptr;
  }
  return std::unique_ptr<RowChunkWriter>(
      new RowChunkWriter(datasets, static_cast<std::int64_t>(first.dims[0]),
                         static_cast<std::int64_t>(first.dims[1]),
                         static_cast<std::int64_t>(first.chunk[0]), first.level));
}

RowChunkWriter::RowChunkWriter(std::vector<hid_t> sets, std::int64_t n1, std::int64_t n0,
                               std::int64_t c1, int level)
    : sets_(std::move(sets)),
      n1_(n1),
      n0_(n0),
      c1_(c1),
      level_(level),
      stored_(static_cast<std::size_t>((n1 + c1 - 1) / c1), false) {}

std::int64_t RowChunkWriter::points_in_chunk(std::int64_t chunk) const {
  return (std::min(n1_, (chunk + 1) * c1_) - chunk * c1_) * n0_;
}

void RowChunkWriter::write(std::int64_t first, std::int64_t count,
                           const std::vector<const double*>& cols) {
  if (cols.size() != sets_.size()) throw std::logic_error("RowChunkWriter: wrong number of columns");
  if (first < 0 || count < 0 || first + count > n1_ * n0_)
    throw std::logic_error("RowChunkWriter: points outside the datasets");
  const std::int64_t per_chunk = c1_ * n0_;
  std::vector<std::int64_t> complete;
  for (std::int64_t at = first, end = first + count; at < end;) {
    const std::int64_t chunk = at / per_chunk, in = at - chunk * per_chunk;
    const std::int64_t n = std::min(end - at, per_chunk - in);
    if (stored_[static_cast<std::size_t>(chunk)]) {  // written again: let HDF5 merge it
      for (std::size_t k = 0; k < sets_.size(); ++k)
        h5::write_flat(sets_[k], H5T_NATIVE_DOUBLE, at, n, cols[k] + (at - first));
      at += n;
      continue;
    }
    Pending& p = pending_[chunk];
    if (p.data.empty()) {
      p.data.assign(sets_.size(), std::vector<double>(static_cast<std::size_t>(per_chunk),
                                                      std::numeric_limits<double>::quiet_NaN()));
      p.written.assign(static_cast<std::size_t>(per_chunk), false);
    }
    for (std::size_t k = 0; k < sets_.size(); ++k)
      std::copy(cols[k] + (at - first), cols[k] + (at - first) + n, p.data[k].begin() + in);
    for (std::int64_t i = in; i < in + n; ++i)
      if (!p.written[static_cast<std::size_t>(i)]) p.written[static_cast<std::size_t>(i)] = true, ++p.filled;
    if (p.filled == points_in_chunk(chunk)) complete.push_back(chunk);
    at += n;
  }
  store(complete);
}

void RowChunkWriter::flush() {
  std::vector<std::int64_t> all;
  for (const auto& [chunk, p] : pending_) all.push_back(chunk);
  store(all);
}

void RowChunkWriter::store(const std::vector<std::int64_t>& chunks) {
  if (chunks.empty()) return;
  const std::size_t n = static_cast<std::size_t>(c1_ * n0_), bytes = n * sizeof(double);
  const std::size_t jobs = chunks.size() * sets_.size();
  std::vector<std::vector<unsigned char>> out(jobs);
  std::vector<int> status(jobs, Z_OK);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t j = 0; j < static_cast<std::int64_t>(jobs); ++j) {
    const std::size_t c = static_cast<std::size_t>(j) / sets_.size(), k = static_cast<std::size_t>(j) % sets_.size();
    std::vector<unsigned char> shuffled(bytes);
    shuffle(pending_.at(chunks[c]).data[k].data(), n, shuffled.data());
    uLongf size = compressBound(static_cast<uLong>(bytes));
    std::vector<unsigned char>& o = out[static_cast<std::size_t>(j)];
    o.resize(size);
    status[static_cast<std::size_t>(j)] =
        compress2(o.data(), &size, shuffled.data(), static_cast<uLong>(bytes), level_);
    o.resize(size);
  }
  for (std::size_t j = 0; j < jobs; ++j) {
    if (status[j] != Z_OK) throw std::runtime_error("deflate failed (zlib status " + std::to_string(status[j]) + ")");
    const std::int64_t chunk = chunks[j / sets_.size()];
    const hsize_t offset[2] = {static_cast<hsize_t>(chunk * c1_), 0};
    if (H5Dwrite_chunk(sets_[j % sets_.size()], H5P_DEFAULT, 0, offset, out[j].size(), out[j].data()) < 0)
      h5::fail_on("cannot write a chunk of ", sets_[j % sets_.size()]);
    out[j] = {};
  }
  for (std::int64_t chunk : chunks) {
    pending_.erase(chunk);
    stored_[static_cast<std::size_t>(chunk)] = true;
  }
}

}  // namespace trilo::io
