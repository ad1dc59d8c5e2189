// An XDMF 3 file beside a result file, so that ParaView and VisIt open its
// 2-D lattices (/grid, /basins) as rectilinear meshes with every lattice
// dataset as a node attribute. The XML only points into the HDF5 file, by
// its base name, so the pair can be moved together.
#pragma once

#include <string>

namespace trilo::io {

// "dir/run.h5" -> "dir/run.xmf" (".h5" or ".hdf5" replaced, else ".xmf" appended).
std::string xdmf_path_for(const std::string& h5_path);

// The XDMF text for the result file at `h5_path` (read back from it): one
// uniform grid per root group that holds a 2-D lattice. Empty when there is
// none (descend jobs, 1-D landscapes).
std::string xdmf_text(const std::string& h5_path);

// Writes xdmf_text(h5_path) to xdmf_path_for(h5_path) through a temporary
// file and a rename. Without a 2-D lattice it writes nothing and removes an
// earlier XDMF file of ours at that path (it would point at groups the new
// result lacks). Returns the path written, or "". Throws std::runtime_error
// with a one-line message on failure.
std::string write_xdmf_beside(const std::string& h5_path);

}  // namespace trilo::io
