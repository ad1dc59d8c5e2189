// Moving a dataset's stored chunks into another dataset without running its
// filters: H5Dread_chunk gives a chunk's bytes as stored (shuffled and
// deflated), H5Dwrite_chunk stores them as they are. A checkpoint that kept
// its descent records in the result file's chunks (io/checkpoint.hpp,
// StreamSpec::result_rows) hands them to the result this way, so the end of
// a job copies compressed bytes instead of inflating and deflating them
// again; the result holds the bytes its own writer would have stored.
#pragma once

#include <cstdint>
#include <string>

#include "io/checkpoint.hpp"
#include "io/hdf5_util.hpp"

namespace trilo::io {

// Whether the chunks of `from` can be stored in `to` as they are: both
// chunked, of the same shape, chunk shape, element type, fill value and
// filter pipeline (each filter and its parameters).
bool same_layout(hid_t from, hid_t to);
// same_layout, and every chunk of `from` written.
bool same_chunks(hid_t from, hid_t to);

// Stores the chunk of `from` at element offset `offset` (one per dimension)
// into `to` as it is, with its filter mask; false, storing nothing, when
// `from` has no chunk stored there or it cannot be read (throws when `to`
// cannot be written). Requires same_layout(from, to).
bool copy_chunk(hid_t from, hid_t to, const hsize_t* offset);

// Stores every chunk of `from` into `to` as it is, with its filter mask;
// requires same_chunks(from, to). Returns the number of chunks stored.
std::int64_t copy_chunks(hid_t from, hid_t to);

// The columns of `stream` that the checkpoint kept in the result's chunks
// (Column::in_result) into the datasets of the same names in group `group`
// of `to`, all of them or none: returns the number of chunks copied, or -1,
// having written nothing, when the checkpoint kept no such copy of a column
// or one differs from its result dataset by same_chunks (another
// --compression on resume, a checkpoint of an older version).
std::int64_t copy_result_chunks(const CheckpointReader& from, const StreamSpec& stream, ResultWriter& to,
                                const std::string& group);

}  // namespace trilo::io
