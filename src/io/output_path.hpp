// Whether a path may receive a new output file: checked by the command line
// before any work starts, so that a mistyped or occupied path costs nothing
// and an existing result is never replaced unless the user says so.
#pragma once

#include <string>
#include <vector>

namespace trilo::io {

// Why `path` cannot take a new file, as one line naming the path, or "" when
// it can. Refused: an empty path; a path that is a directory; a parent
// directory that is missing, not a directory, or not writable (tried by
// creating and removing a probe file, so a read-only filesystem and
// root-owned pseudo-filesystems are caught too); a path equal to one of
// `inputs` (the same file, however named); and an existing file unless
// `force` (the result would replace it).
std::string output_path_problem(const std::string& path, bool force,
                                const std::vector<std::string>& inputs = {});

}  // namespace trilo::io
