// Writing 2-D float64 datasets chunk by chunk with their filters applied on
// every core. HDF5 runs a dataset's filters (shuffle, deflate) on the one
// thread that calls H5Dwrite, and for a large grid that compression costs far
// more than computing the grid. RowChunkWriter gathers the points of whole
// chunks, shuffles and deflates complete chunks in parallel (OpenMP, zlib),
// and stores them as they are with H5Dwrite_chunk. The bytes in the file are
// those HDF5's own pipeline would store: readers see no difference.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace trilo::io {

class RowChunkWriter {
 public:
  // Takes the datasets when all share one shape (n1, n0), a chunk of whole
  // rows (c1, n0), float64 elements stored as in memory, and the filters
  // shuffle then deflate; otherwise returns null (write them plainly).
  static std::unique_ptr<RowChunkWriter> make(const std::vector<hid_t>& datasets);

  // Points [first, first + count) in row-major order; cols[k] holds the
  // values for datasets[k]. Complete chunks are compressed and stored now;
  // points of a chunk already stored go through HDF5's own H5Dwrite.
  void write(std::int64_t first, std::int64_t count, const std::vector<const double*>& cols);
  // Stores the chunks still incomplete, their unwritten points NaN (the
  // datasets' fill value). Call before the file is closed.
  void flush();

  std::int64_t pending_chunks() const { return static_cast<std::int64_t>(pending_.size()); }

 private:
  struct Pending {
    std::vector<std::vector<double>> data;  // one chunk-sized buffer per dataset
    std::vector<bool> written;              // per point of the chunk
    std::int64_t filled = 0;                // points written into it
  };
  RowChunkWriter(std::vector<hid_t> sets, std::int64_t n1, std::int64_t n0, std::int64_t c1, int level);
  std::int64_t points_in_chunk(std::int64_t chunk) const;
  void store(const std::vector<std::int64_t>& chunks);

  std::vector<hid_t> sets_;
  std::int64_t n1_, n0_, c1_;  // dataset rows and columns, rows per chunk
  int level_;                  // deflate level
  std::map<std::int64_t, Pending> pending_;  // by chunk index (row / c1)
  std::vector<bool> stored_;                 // by chunk index
};

}  // namespace trilo::io
