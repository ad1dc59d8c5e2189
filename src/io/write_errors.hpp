// A write that failed because the disk is full or the process's file size
// limit (RLIMIT_FSIZE) was reached: ENOSPC, EDQUOT or EFBIG from the system.
// Thrown by the HDF5 layer, renamed by the result writer to one line naming
// the target; a runtime failure (exit 1), not bad input.
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>

namespace trilo::io {

class DiskFull : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "disk full (or file size limit reached) writing 'PATH'"
inline std::string disk_full_message(const std::string& path) {
  return "disk full (or file size limit reached) writing '" + path + "'";
}

// The errno values that mean there is no room left to write.
inline bool is_no_room(int sys_errno) {
  return sys_errno == ENOSPC || sys_errno == EFBIG || sys_errno == EDQUOT;
}

}  // namespace trilo::io
