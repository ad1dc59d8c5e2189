// Starting, resuming and finishing a checkpointed job (src/io/checkpoint.hpp):
// where `<output>.partial` lives, refusing a fresh run onto an interrupted
// one (unless --force), opening the checkpoint a --resume names and checking
// its settings against this command's, and copying what it committed into a
// fresh checkpoint that then continues. Used by descend/basins/run and by
// critical.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "io/checkpoint.hpp"

namespace trilo::jobs {

struct CheckpointPaths {
  std::string partial;      // this run's checkpoint: <output>.partial
  std::string resume_from;  // the checkpoint --resume names (empty: a fresh run)
};

// The columns of one descent's record in a checkpoint stream, shared by
// descents and critical-point searches: start, end, loss, grad_norm, steps,
// status.
std::vector<io::Column> descent_record_columns(int dim);

// Resolves --resume (FILE the result or its .partial; without -o the result
// goes where the interrupted run's would have) and refuses, as bad input, a
// missing checkpoint or a fresh run onto an existing one without --force.
CheckpointPaths checkpoint_paths(config::RunConfig& cfg);

// Opens the checkpoint to resume and checks it is one of this job with the
// same settings (all options but threads, chunk and tile); BadInput naming
// the first difference otherwise.
std::unique_ptr<io::CheckpointReader> open_resumed(const CheckpointPaths& p, const config::RunConfig& cfg);

// Both of the above, before any note is printed (bad input is one line).
struct CheckpointStart {
  CheckpointPaths paths;
  std::unique_ptr<io::CheckpointReader> resumed;  // null for a fresh run
};
CheckpointStart prepare_checkpoint(config::RunConfig& cfg);

// A new checkpoint at p.partial. Resuming (`old` not null): the first
// `rows[s]` rows of each stream and the last commit's counters and state
// are copied from `old` (the chunks of the result's copies that `old`
// stored for those rows taken as they are:
// io::CheckpointWriter::adopt_result_chunks), committed, and the copy renamed onto p.partial
// (the old file is removed only then). Fresh: an empty first commit with
// `counters` and `state`.
std::unique_ptr<io::CheckpointWriter> start_checkpoint(
    const CheckpointPaths& p, const io::Attributes& root, const std::vector<io::StreamSpec>& streams,
    const std::vector<std::int64_t>& counters, const io::CheckpointState& state,
    const io::CheckpointReader* old, const std::vector<std::int64_t>& rows);

// The message of an interrupted checkpointed run: what is done and how to go on.
std::string interrupted_message(const std::string& done, const CheckpointPaths& p,
                                const config::RunConfig& cfg);

}  // namespace trilo::jobs
