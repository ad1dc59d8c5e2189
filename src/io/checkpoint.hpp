// The checkpoint of a long run: `<target>.partial`, an HDF5 file written in
// single-writer/multiple-reader (SWMR) mode, so that at every moment it is a
// valid file — after SIGINT, SIGTERM, a crash or kill -9 alike — holding
// every chunk committed so far. Rows are appended to streams (groups of
// extendible datasets); commit() makes them durable together with the job's
// counters and a small state (the minima accumulator), in this order:
//   rows and state (into the spare of two state slots) -> flush ->
//   progress (counters + which slot) -> flush,
// so the progress a reader sees always describes data that is on disk.
// A resumed run reads the checkpoint (opened SWMR-read, which a file left by
// a killed writer needs), copies what was committed into a fresh checkpoint
// and continues from there. docs/format.md, "Checkpoint files".
// A stream may also keep columns in the chunks the result file will store
// them in, deflated as their rows arrive (StreamSpec::result_rows), so the
// end of the job moves those chunks into the result as they are
// (io/chunk_copy.hpp) instead of deflating every row after the last commit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/result_writer.hpp"

namespace trilo::io {

enum class ColumnType : std::int8_t { kF64, kI64, kI32, kI8 };
std::size_t column_type_size(ColumnType t);

struct Column {
  std::string name;
  ColumnType type;
  int width = 1;  // values per row (a point's coordinates: dim)
  // The result file has a dataset of this name whose rows are this
  // column's (see StreamSpec::result_rows).
  bool in_result = false;
};
struct StreamSpec {
  std::string name;
  std::vector<Column> columns;
  // The rows the result file's datasets of the in_result columns will have,
  // or -1. With it, the checkpoint keeps those columns a second time, under
  // kResultChunksGroup/<stream>/<column>, as the result will store them:
  // the same shape, chunks, filters and fill (NaN for reals, -1 for
  // integers) as h5::create_dataset makes under the thread's DeflateScope.
  // Each chunk is deflated on every core (io/chunk_writer.hpp) once
  // write_rows completes it, and stored once; rows of a chunk not yet
  // complete are in the stream's rows only. A column whose result dataset
  // would not be chunked, shuffled and deflated (too small, --compression 0)
  // keeps no second copy.
  std::int64_t result_rows = -1;
};
inline constexpr const char* kResultChunksGroup = "result_chunks";
// Complete chunks of that copy wait until they add up to this many bytes
// (32 of the largest, 512 KiB), then are deflated in one parallel loop: a
// commit of 65,536 rows completes only about nine, too few to keep 16 cores
// busy. Until then their rows are durable in the stream itself.
inline constexpr std::size_t kHeldResultChunkBytes = std::size_t{16} << 20;

// The state saved with each commit: three flat arrays (see
// analysis::MinimaAccumulator::State).
struct CheckpointState {
  std::vector<double> reals;
  std::vector<std::int64_t> ints;
  std::vector<std::int64_t> pairs;
};

// Root attribute marking a checkpoint, and its value.
inline constexpr const char* kCheckpointAttr = "checkpoint";

class CheckpointReader;

// One thread at a time may use a writer, not necessarily the one that made
// it (DescentRun writes from a second thread while the next chunk runs).
class CheckpointWriter {
 public:
  // Creates `path` (replacing any file there) with the root attributes
  // (plus checkpoint = "incomplete"), the streams and `n_counters` counters,
  // then starts SWMR writing. Throws one line naming the path on failure.
  CheckpointWriter(std::string path, const Attributes& root, std::vector<StreamSpec> streams,
                   int n_counters);
  ~CheckpointWriter();  // closes the file (a clean close: readable without SWMR)
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Rows [first, first + count) of stream `s`: one pointer per column, each
  // to count x width values of the column's type. Not durable until commit().
  void write_rows(int s, std::int64_t first, std::int64_t count, const std::vector<const void*>& cols);
  // Resuming from `old`, before its rows are copied in: takes, as they are
  // stored, the chunks of old's second copy of each stream that hold only
  // the first rows[s] rows of stream s (those it committed), where old's
  // copy is made as this one's: the same chunks, type, fill and filters
  // (the same --compression). Those rows, written next, then reach the
  // stream and the chunks not taken only, so only chunks old had not stored
  // are deflated again (io::ChunkWriter::adopt). Returns the chunks taken.
  std::int64_t adopt_result_chunks(const CheckpointReader& old, const std::vector<std::int64_t>& rows);
  // Chunks of the second copies taken from an older checkpoint
  // (adopt_result_chunks), and those deflated and stored here.
  std::int64_t adopted_chunks() const;
  std::int64_t deflated_chunks() const;
  void commit(const std::vector<std::int64_t>& counters, const CheckpointState& state);
  void close();
  const std::string& path() const;
  // The file was renamed to `path` (while open): messages name it from now on.
  void renamed(std::string path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class CheckpointReader {
 public:
  // Opens a checkpoint for reading (SWMR read); throws one line when `path`
  // is missing, not HDF5 or not a trilobite checkpoint.
  explicit CheckpointReader(const std::string& path);
  ~CheckpointReader();
  CheckpointReader(const CheckpointReader&) = delete;
  CheckpointReader& operator=(const CheckpointReader&) = delete;

  std::string text_attr(const std::string& name) const;
  Attributes root_attributes() const;
  // As of the last commit; counters() is empty when there was none.
  const std::vector<std::int64_t>& counters() const;
  const CheckpointState& state() const;               // as of the last commit
  // Rows [first, first + count) of column `column` of stream `stream` into
  // `out` (count x width values of the column's type).
  void read_rows(const std::string& stream, const Column& column, std::int64_t first,
                 std::int64_t count, void* out) const;
  // The open file's HDF5 id (a hid_t), for io/chunk_copy.cpp.
  std::int64_t file_id() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trilo::io
