// A resumed run rebuilds its host state (clusters, counts) from the rows its
// checkpoint committed: read back chunk by chunk through the chunk driver,
// so memory holds one chunk of end points whatever the number of rows.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "analysis/minima.hpp"
#include "io/checkpoint.hpp"

namespace trilo::jobs {

// The three columns of a stream that hold what the analysis needs.
struct EndPointColumns {
  io::Column end, steps, status;
};

// Rows [0, n) of `stream` in `from`, in index order, in chunks of at most
// `chunk`: take(first, rows) for each (rows.end etc. point into a buffer
// valid during the call).
void replay_end_points(const io::CheckpointReader& from, const std::string& stream,
                       const EndPointColumns& cols, std::int64_t n, std::int64_t chunk,
                       const std::function<void(std::int64_t, const analysis::EndPoints&)>& take);

}  // namespace trilo::jobs
