// Writing chunked datasets with their filters applied on every core. HDF5
// runs a dataset's filters (shuffle, deflate) on the one thread that calls
// H5Dwrite, and for a large grid or many descent records that compression
// costs more than computing them. ChunkWriter gathers the elements of whole
// chunks, shuffles and deflates the complete chunks of all its datasets in
// one parallel loop (OpenMP, zlib), and stores them as they are with
// H5Dwrite_chunk. The bytes in the file are those HDF5's own pipeline would
// store (tests/test_chunk_writer.cpp): readers see no difference.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <cstddef>
#include <map>
#include <vector>

#include "io/hdf5_util.hpp"

namespace trilo::io {

class ChunkWriter {
 public:
  // Complete chunks are stored as soon as the chunks held exceed `held`
  // bytes (besides store_complete() and flush()).
  explicit ChunkWriter(std::size_t held = kHeldBytes) : held_limit_(held) {}
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  // Takes a dataset of rank 1, or rank 2 chunked in whole rows, whose
  // elements are stored as the machine holds them and whose filters are
  // shuffle then deflate; returns its handle for write(), or -1 when it is
  // not such a dataset (write it through HDF5).
  int add(hid_t dataset);

  // Elements [first, first + count) of dataset k in row-major order, of
  // memory type `mem_type` (which must be the dataset's native type).
  // Complete chunks are stored by store_complete(), flush(), or here once
  // the chunks held exceed the limit; elements of a chunk already stored
  // go through HDF5's own H5Dwrite (of one adopt() took: dropped).
  void write(int k, hid_t mem_type, std::int64_t first, std::int64_t count, const void* data);
  static constexpr std::size_t kHeldBytes = std::size_t{32} << 20;
  // Compresses and stores every complete chunk of every dataset.
  void store_complete();
  // Stores every chunk written to, its unwritten elements the dataset's
  // fill value (what HDF5 pads a chunk with). Call before the file closes.
  void flush();

  // Takes the chunks that `from`, a dataset made as dataset k is (the same
  // shape, chunks, type, fill and filters: io::same_layout), has stored and
  // that hold only elements below `elements`, copying them as they are
  // stored (io::copy_chunk). They count as stored, and elements written to
  // them later are dropped: they hold them already. A resumed checkpoint
  // takes the chunks of the rows its interrupted one committed this way
  // instead of deflating those rows again. Returns the chunks taken: 0 when
  // `from` is made otherwise (another deflate level). Only before anything
  // is written to the chunks it takes.
  std::int64_t adopt(int k, hid_t from, std::int64_t elements);

  std::int64_t pending_chunks() const { return static_cast<std::int64_t>(pending_.size()); }
  // Chunks deflated and stored by this writer (not those adopted).
  std::int64_t deflated_chunks() const { return deflated_; }
  // The most bytes of uncompressed chunks held at once so far.
  std::size_t peak_held() const { return peak_held_; }

 private:
  struct Set {
    hid_t id;
    h5::Handle mem_type;    // the native type of its elements
    std::int64_t elements;  // in the dataset
    std::int64_t chunk;     // elements per chunk
    std::int64_t row;       // elements per row (1 for rank 1)
    std::size_t esize;      // bytes per element
    int level;              // deflate level
    std::vector<unsigned char> fill;  // one element
    std::vector<bool> stored;         // by chunk index
    std::vector<bool> adopted;        // by chunk index: stored by adopt()
  };
  struct Pending {
    std::vector<unsigned char> bytes;  // the whole chunk
    std::vector<bool> written;         // per element
    std::int64_t filled = 0;
  };
  using Key = std::pair<int, std::int64_t>;  // dataset, chunk index
  std::int64_t elements_in(const Set& s, std::int64_t chunk) const;
  void store(const std::vector<Key>& keys);

  std::vector<Set> sets_;
  std::map<Key, Pending> pending_;
  std::size_t held_limit_;
  std::size_t held_ = 0;  // bytes of the pending chunks
  std::size_t peak_held_ = 0;
  std::int64_t deflated_ = 0;
};

}  // namespace trilo::io
