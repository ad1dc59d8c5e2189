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


// Puts the finished file `tmp` in place at `target` in one atomic step and
// returns 0, or returns the errno of the failure, `tmp` left where it is.
// With `replace` an existing target is replaced (rename(2)). Without it an
// existing target is left untouched and EEXIST returned: a file that
// appeared at the target while the run was working (another run, another
// program) is never overwritten. Uses renameat2(RENAME_NOREPLACE), and
// link(2) + unlink(2) on filesystems without it; where neither exists
// (FAT, some network filesystems) the check and the rename are two steps.
int publish_file(const std::string& tmp, const std::string& target, bool replace);

// The one line for publish_file() returning EEXIST, the result kept at `kept`.
std::string target_appeared_message(const std::string& target, const std::string& kept);

}  // namespace trilo::io
