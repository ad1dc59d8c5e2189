#include "io/checkpoint.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <csignal>
#include <stdexcept>

#include "io/chunk_writer.hpp"
#include "io/hdf5_util.hpp"
#include "io/schema.hpp"
#include "io/write_errors.hpp"

namespace trilo::io {

namespace {

using h5::Handle;
using h5::Shape;

// Rows per HDF5 chunk: 4096, or fewer for wide rows (a network's weights),
// so that a chunk stays near 1 MiB; a chunk is allocated whole once written.
constexpr hsize_t kRowsPerChunk = 4096;
constexpr hsize_t kChunkBytes = hsize_t{1} << 20;
hsize_t chunk_rows(hid_t type, int width) {
  const hsize_t row = H5Tget_size(type) * hsize_t(width);
  return std::max<hsize_t>(1, std::min(kRowsPerChunk, kChunkBytes / std::max<hsize_t>(row, 1)));
}
const char* const kStateNames[3] = {"reals", "ints", "pairs"};
// Metadata read attempts of a SWMR reader (see CheckpointReader).
constexpr unsigned kSwmrReadAttempts = 16;

hid_t file_type(ColumnType t) {
  switch (t) {
    case ColumnType::kF64: return H5T_IEEE_F64LE;
    case ColumnType::kI64: return H5T_STD_I64LE;
    case ColumnType::kI32: return H5T_STD_I32LE;
    case ColumnType::kI8: return H5T_STD_I8LE;
  }
  return -1;
}

hid_t mem_type(ColumnType t) {
  switch (t) {
    case ColumnType::kF64: return H5T_NATIVE_DOUBLE;
    case ColumnType::kI64: return H5T_NATIVE_INT64;
    case ColumnType::kI32: return H5T_NATIVE_INT32;
    case ColumnType::kI8: return H5T_NATIVE_INT8;
  }
  return -1;
}

Handle plist(hid_t cls) { return h5::owned(H5Pcreate(cls), H5Pclose, "cannot create a property list"); }

// An empty dataset of rows of `width` values, extendible along the rows.
Handle create_rows(hid_t group, const std::string& name, hid_t type, int width) {
  const std::string what = "cannot create dataset '" + name + "'";
  const bool flat = width == 1;
  const Shape dims = flat ? Shape{0} : Shape{0, hsize_t(width)};
  const Shape maxdims = flat ? Shape{H5S_UNLIMITED} : Shape{H5S_UNLIMITED, hsize_t(width)};
  const hsize_t rows = chunk_rows(type, width);
  const Shape chunk = flat ? Shape{rows} : Shape{rows, hsize_t(width)};
  Handle space = h5::owned(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), maxdims.data()),
                           H5Sclose, what);
  Handle dcpl = plist(H5P_DATASET_CREATE);
  h5::check_ok(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), what);
  return h5::owned(H5Dcreate2(group, name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(),
                              H5P_DEFAULT),
                   H5Dclose, what);
}

// The second copy of an in_result column (StreamSpec::result_rows): the
// dataset the result file will have, with its fill value.
Handle create_result_copy(hid_t group, const Column& c, std::int64_t rows) {
  const Shape dims = c.width == 1 ? Shape{hsize_t(rows)} : Shape{hsize_t(rows), hsize_t(c.width)};
  const double nan = schema::kNaN;
  const std::int64_t i64 = schema::kNoIndex;
  const auto i32 = static_cast<std::int32_t>(schema::kNoIndex);
  const auto i8 = static_cast<std::int8_t>(schema::kNoIndex);
  const void* fill = c.type == ColumnType::kF64   ? static_cast<const void*>(&nan)
                     : c.type == ColumnType::kI64 ? static_cast<const void*>(&i64)
                     : c.type == ColumnType::kI32 ? static_cast<const void*>(&i32)
                                                  : static_cast<const void*>(&i8);
  return h5::create_dataset_raw(group, c.name, file_type(c.type), mem_type(c.type), dims, fill);
}

void grow_to(hid_t ds, hsize_t rows) {
  Shape dims = h5::shape(ds);
  if (dims[0] >= rows) return;
  dims[0] = rows;
  h5::check_ok(H5Dset_extent(ds, dims.data()), "cannot extend a checkpoint dataset");
}

// Errors name the checkpoint; a full disk says so in the one line.
[[noreturn]] void rethrow_for(const std::string& path, const std::runtime_error& e) {
  if (dynamic_cast<const DiskFull*>(&e)) throw DiskFull(disk_full_message(path));
  throw std::runtime_error("writing checkpoint '" + path + "': " + e.what());
}

// Test hook (tests/test_checkpoint_cli.cpp): TRILOBITE_FAULT=kill-before-commit:K
// or kill-after-commit:K sends SIGKILL to this process around the K-th commit
// (1-based), to prove a run killed at any point can be resumed.
void fault_hook(const char* when, std::int64_t commit) {
  static const char* spec = std::getenv("TRILOBITE_FAULT");
  if (!spec) return;
  const std::string s = spec, prefix = std::string("kill-") + when + "-commit:";
  if (s.rfind(prefix, 0) != 0) return;
  if (std::strtoll(s.c_str() + prefix.size(), nullptr, 10) == commit) std::raise(SIGKILL);
}

}  // namespace

std::size_t column_type_size(ColumnType t) {
  switch (t) {
    case ColumnType::kF64: return 8;
    case ColumnType::kI64: return 8;
    case ColumnType::kI32: return 4;
    case ColumnType::kI8: return 1;
  }
  return 0;
}

struct CheckpointWriter::Impl {
  std::string path;
  Handle file;
  std::vector<StreamSpec> streams;
  std::vector<std::vector<Handle>> columns;  // per stream, per column
  // The result's chunks of the in_result columns: datasets, and per stream
  // and column the ChunkWriter's handle (-1: no second copy).
  std::vector<Handle> result_copies;
  std::vector<std::vector<int>> in_chunks;
  ChunkWriter chunks{kHeldResultChunkBytes};
  std::int64_t adopted = 0;  // chunks taken from an older checkpoint
  Handle slots[2][3];                        // state arrays of slot 0 and 1
  Handle progress;
  int n_counters = 0;
  int active = 1;  // the slot of the last commit; the first commit writes slot 0
  std::int64_t commits = 0;
  // After a failed write (a full disk) nothing more may reach the file:
  // closing would flush metadata describing data that never arrived, and
  // the last commit would no longer open. The handles are abandoned.
  bool failed = false;

  void close_all() {
    progress.reset();
    result_copies.clear();
    for (auto& slot : slots)
      for (Handle& h : slot) h.reset();
    columns.clear();
  }

  void abandon_all() {
    progress.abandon();
    for (auto& slot : slots)
      for (Handle& h : slot) h.abandon();
    for (auto& cols : columns)
      for (Handle& h : cols) h.abandon();
    columns.clear();
    for (Handle& h : result_copies) h.abandon();
    result_copies.clear();
    file.abandon();
  }
};

CheckpointWriter::CheckpointWriter(std::string path, const Attributes& root,
                                   std::vector<StreamSpec> streams, int n_counters)
    : impl_(std::make_unique<Impl>()) {
  h5::silence_errors();
  Impl& s = *impl_;
  s.path = std::move(path);
  s.streams = std::move(streams);
  s.n_counters = n_counters;
  try {
    Handle fapl = plist(H5P_FILE_ACCESS);
    // SWMR needs the newest file format (HDF5 1.10 and later read it).
    h5::check_ok(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST),
                 "cannot set the file format");
    s.file = h5::owned(H5Fcreate(s.path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose,
                       "cannot create '" + s.path + "'");
    const hid_t f = s.file.get();
    for (const auto& [name, value] : root) h5::set_attr(f, name, value);
    h5::set_attr(f, kCheckpointAttr, std::string("incomplete"));
    for (const StreamSpec& st : s.streams) {
      Handle g = h5::create_group(f, st.name);
      std::vector<Handle> cols;
      for (const Column& c : st.columns)
        cols.push_back(create_rows(g.get(), c.name, file_type(c.type), c.width));
      s.columns.push_back(std::move(cols));
      s.in_chunks.emplace_back(st.columns.size(), -1);
      if (st.result_rows < 0) continue;
      if (!h5::exists(f, kResultChunksGroup)) h5::create_group(f, kResultChunksGroup);
      Handle kept = h5::create_group(f, std::string(kResultChunksGroup) + "/" + st.name);
      for (std::size_t c = 0; c < st.columns.size(); ++c) {
        if (!st.columns[c].in_result) continue;
        Handle ds = create_result_copy(kept.get(), st.columns[c], st.result_rows);
        const int k = s.chunks.add(ds.get());
        if (k < 0) {  // not chunked, shuffled and deflated in the result: no copy
          ds.reset();
          h5::check_ok(H5Ldelete(kept.get(), st.columns[c].name.c_str(), H5P_DEFAULT),
                       "cannot remove dataset '" + st.columns[c].name + "'");
          continue;
        }
        s.in_chunks.back()[c] = k;
        s.result_copies.push_back(std::move(ds));
      }
    }
    Handle state = h5::create_group(f, "checkpoint_state");
    for (int k = 0; k < 2; ++k) {
      Handle g = h5::create_group(state.get(), "slot" + std::to_string(k));
      s.slots[k][0] = create_rows(g.get(), kStateNames[0], H5T_IEEE_F64LE, 1);
      s.slots[k][1] = create_rows(g.get(), kStateNames[1], H5T_STD_I64LE, 1);
      s.slots[k][2] = create_rows(g.get(), kStateNames[2], H5T_STD_I64LE, 1);
    }
    // counters..., active slot, the three state lengths, commits.
    const std::int64_t fill = -1;
    s.progress = h5::create_dataset<std::int64_t>(state.get(), "progress",
                                                  Shape{hsize_t(n_counters + 5)}, &fill);
    h5::check_ok(H5Fstart_swmr_write(f), "cannot start SWMR writing");
  } catch (const std::runtime_error& e) {
    s.close_all();
    s.file.reset();
    std::remove(s.path.c_str());
    rethrow_for(s.path, e);
  }
}

CheckpointWriter::~CheckpointWriter() {
  if (!impl_) return;
  if (impl_->failed) {
    impl_->abandon_all();
    return;
  }
  impl_->close_all();
  impl_->file.reset();
}

const std::string& CheckpointWriter::path() const { return impl_->path; }

void CheckpointWriter::renamed(std::string path) { impl_->path = std::move(path); }

void CheckpointWriter::write_rows(int st, std::int64_t first, std::int64_t count,
                                  const std::vector<const void*>& cols) try {
  h5::silence_errors();  // HDF5's error printing is per thread: this may be another one
  Impl& s = *impl_;
  const StreamSpec& spec = s.streams.at(st);
  if (cols.size() != spec.columns.size()) throw std::runtime_error("write_rows: wrong column count");
  if (count <= 0) return;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    const hid_t ds = s.columns[st][c].get();
    const Column& col = spec.columns[c];
    grow_to(ds, hsize_t(first + count));
    if (col.width == 1)
      h5::write_slab(ds, mem_type(col.type), {hsize_t(first)}, {hsize_t(count)}, cols[c]);
    else
      h5::write_slab(ds, mem_type(col.type), {hsize_t(first), 0}, {hsize_t(count), hsize_t(col.width)},
                     cols[c]);
    if (const int k = s.in_chunks[st][c]; k >= 0)
      s.chunks.write(k, mem_type(col.type), first * col.width, count * col.width, cols[c]);
  }
  // The last rows: every chunk is complete, store them all now (on the
  // driver's second thread, not at close()).
  if (first + count == spec.result_rows) s.chunks.store_complete();
} catch (const std::runtime_error& e) {
  impl_->failed = true;
  rethrow_for(impl_->path, e);
}

std::int64_t CheckpointWriter::adopt_result_chunks(const CheckpointReader& old,
                                                   const std::vector<std::int64_t>& rows) try {
  h5::silence_errors();
  Impl& s = *impl_;
  const auto ck = static_cast<hid_t>(old.file_id());
  std::int64_t taken = 0;
  for (std::size_t st = 0; st < s.streams.size(); ++st) {
    const StreamSpec& spec = s.streams[st];
    const std::string kept = std::string(kResultChunksGroup) + "/" + spec.name;
    if (spec.result_rows < 0 || !h5::exists(ck, kResultChunksGroup) || !h5::exists(ck, kept)) continue;
    const Handle g = h5::open_group(ck, kept);
    for (std::size_t c = 0; c < spec.columns.size(); ++c) {
      const int k = s.in_chunks[st][c];
      if (k < 0 || !h5::exists(g.get(), spec.columns[c].name)) continue;
      const Handle from = h5::open_dataset(g.get(), spec.columns[c].name);
      taken += s.chunks.adopt(k, from.get(), rows.at(st) * spec.columns[c].width);
    }
  }
  s.adopted += taken;
  return taken;
} catch (const std::runtime_error& e) {
  impl_->failed = true;
  rethrow_for(impl_->path, e);
}

std::int64_t CheckpointWriter::adopted_chunks() const { return impl_->adopted; }
std::int64_t CheckpointWriter::deflated_chunks() const { return impl_->chunks.deflated_chunks(); }

void CheckpointWriter::commit(const std::vector<std::int64_t>& counters,
                              const CheckpointState& state) try {
  h5::silence_errors();  // as in write_rows
  Impl& s = *impl_;
  if (static_cast<int>(counters.size()) != s.n_counters)
    throw std::runtime_error("commit: wrong number of counters");
  const int slot = 1 - s.active;
  const void* data[3] = {state.reals.data(), state.ints.data(), state.pairs.data()};
  const std::size_t len[3] = {state.reals.size(), state.ints.size(), state.pairs.size()};
  const hid_t types[3] = {H5T_NATIVE_DOUBLE, H5T_NATIVE_INT64, H5T_NATIVE_INT64};
  for (int k = 0; k < 3; ++k) {
    grow_to(s.slots[slot][k].get(), len[k]);
    h5::write_slab(s.slots[slot][k].get(), types[k], {0}, {len[k]}, data[k]);
  }
  ++s.commits;
  fault_hook("before", s.commits);
  h5::check_ok(H5Fflush(s.file.get(), H5F_SCOPE_GLOBAL), "cannot flush");
  std::vector<std::int64_t> p = counters;
  p.push_back(slot);
  for (std::size_t l : len) p.push_back(static_cast<std::int64_t>(l));
  p.push_back(s.commits);
  h5::write_all(s.progress.get(), p);
  h5::check_ok(H5Fflush(s.file.get(), H5F_SCOPE_GLOBAL), "cannot flush");
  s.active = slot;
  fault_hook("after", s.commits);
} catch (const std::runtime_error& e) {
  impl_->failed = true;
  rethrow_for(impl_->path, e);
}

void CheckpointWriter::close() {
  Impl& s = *impl_;
  if (s.failed) {
    s.abandon_all();
    return;
  }
  s.close_all();  // chunks still held are dropped: a resumed run deflates them from the rows
  s.file.close(("cannot close '" + s.path + "'").c_str());
}

struct CheckpointReader::Impl {
  std::string path;
  Handle file;
  std::vector<std::int64_t> counters;
  CheckpointState state;
};

CheckpointReader::CheckpointReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  h5::silence_errors();
  Impl& s = *impl_;
  s.path = path;
  const std::string not_ours = "'" + path + "' is not a trilobite checkpoint";
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
      throw std::runtime_error(not_ours + " (not an HDF5 file)");
    }
    throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  }
  try {
    // SWMR read: the only way into a file whose writer was killed.
    // A SWMR reader retries a metadata read whose checksum fails, in case a
    // writer was midway through it; HDF5's default of 100 attempts with
    // growing sleeps keeps a damaged file busy for minutes. A few suffice
    // for a live writer's flush.
    Handle fapl = h5::owned(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "cannot create a property list");
    H5Pset_metadata_read_attempts(fapl.get(), kSwmrReadAttempts);
    s.file = h5::owned(H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl.get()),
                       H5Fclose, "cannot open '" + path + "'");
    if (!h5::has_attr(s.file.get(), kCheckpointAttr) || !h5::exists(s.file.get(), "checkpoint_state"))
      throw std::runtime_error(not_ours);
    Handle state = h5::open_group(s.file.get(), "checkpoint_state");
    std::vector<std::int64_t> p = h5::read<std::int64_t>(state.get(), "progress");
    if (p.size() < 5) throw std::runtime_error(not_ours + " (damaged progress record)");
    const std::size_t nc = p.size() - 5;
    if (p.back() <= 0) return;  // stopped before its first commit: nothing done yet
    const std::int64_t slot = p[nc];
    if (slot != 0 && slot != 1) throw std::runtime_error(not_ours + " (damaged progress record)");
    s.counters.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(nc));
    Handle g = h5::open_group(state.get(), "slot" + std::to_string(slot));
    auto read_prefix = [&](const char* name, std::int64_t n, auto& out) {
      using T = typename std::decay_t<decltype(out)>::value_type;
      Handle ds = h5::open_dataset(g.get(), name);
      const std::vector<hsize_t> dims = h5::shape(ds.get());
      if (n < 0 || dims.size() != 1 || static_cast<hsize_t>(n) > dims[0])
        throw std::runtime_error(not_ours + " (damaged state)");
      out.resize(static_cast<std::size_t>(n));
      h5::read_slab(ds.get(), h5::Type<T>::mem(), {0}, {hsize_t(n)}, out.data());
    };
    read_prefix(kStateNames[0], p[nc + 1], s.state.reals);
    read_prefix(kStateNames[1], p[nc + 2], s.state.ints);
    read_prefix(kStateNames[2], p[nc + 3], s.state.pairs);
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    if (what.rfind("'" + path + "'", 0) == 0 || what.rfind("cannot open", 0) == 0) throw;
    throw std::runtime_error("reading checkpoint '" + path + "': " + what);
  }
}

CheckpointReader::~CheckpointReader() = default;

std::string CheckpointReader::text_attr(const std::string& name) const {
  return h5::text_attr(impl_->file.get(), name);
}

Attributes CheckpointReader::root_attributes() const { return h5::read_attrs(impl_->file.get()); }

const std::vector<std::int64_t>& CheckpointReader::counters() const { return impl_->counters; }
const CheckpointState& CheckpointReader::state() const { return impl_->state; }

std::int64_t CheckpointReader::file_id() const { return impl_->file.get(); }

void CheckpointReader::read_rows(const std::string& stream, const Column& column, std::int64_t first,
                                 std::int64_t count, void* out) const try {
  if (count <= 0) return;
  Handle g = h5::open_group(impl_->file.get(), stream);
  Handle ds = h5::open_dataset(g.get(), column.name);
  const Shape dims = h5::shape(ds.get());
  const bool flat = column.width == 1;
  if (dims.size() != (flat ? 1u : 2u) || (!flat && dims[1] != hsize_t(column.width)) ||
      dims[0] < hsize_t(first + count))
    throw std::runtime_error("'" + stream + "/" + column.name + "' is shorter or shaped otherwise than its progress record says");
  if (flat)
    h5::read_slab(ds.get(), mem_type(column.type), {hsize_t(first)}, {hsize_t(count)}, out);
  else
    h5::read_slab(ds.get(), mem_type(column.type), {hsize_t(first), 0},
                  {hsize_t(count), hsize_t(column.width)}, out);
} catch (const std::runtime_error& e) {
  throw std::runtime_error("reading checkpoint '" + impl_->path + "': " + e.what());
}

}  // namespace trilo::io
