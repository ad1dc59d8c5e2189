#!/usr/bin/env bash
# Downloads (does not install) the Debian packages a CUDA build of trilobite
# needs on the GPU machine, which has nvcc, CMake and ninja but no package
# registry. The list holds only what that machine's image lacks; it does not
# carry libc, libcurl or libssl, which the image has under the same sonames.
# Usage: scripts/fetch-gpu-debs.sh [DIR]   (default .debs, ignored by git)
# On the GPU machine (scripts/gpu-check.sh does this):
#   for f in DIR/*.deb; do dpkg -x "$f" /; done; ldconfig
set -euo pipefail
dir=${1:-.debs}
mkdir -p "$dir"
pkgs=(
  # HDF5 and its compression filters
  libhdf5-dev libhdf5-103-1 libhdf5-hl-100 libhdf5-cpp-103-1 libhdf5-hl-cpp-100 hdf5-helpers
  libsz2 libaec0 libaec-dev zlib1g-dev libjpeg-dev libjpeg62-turbo-dev libjpeg62-turbo
  # command line, random numbers, linear algebra, tests and benchmarks
  libcli11-dev librandom123-dev libeigen3-dev libgtest-dev libgmock-dev googletest
  libbenchmark-dev libbenchmark1debian
  # configuration files, JSON
  libcpptoml-dev nlohmann-json3-dev
  # rendering (PNG, fonts)
  libfreetype-dev libfreetype6 libbrotli-dev libbrotli1 libpng-dev fonts-dejavu-core
  # Open MPI (mpirun and the headers), with the libraries it loads
  libopenmpi-dev openmpi-bin openmpi-common libopenmpi3 libpmix2 libpmix-dev libhwloc15
  libhwloc-dev libhwloc-plugins libevent-core-2.1-7 libevent-pthreads-2.1-7 libevent-2.1-7
  libevent-extra-2.1-7 libevent-openssl-2.1-7 libevent-dev libfabric1 libucx0 libibverbs1
  libibverbs-dev ibverbs-providers librdmacm1 libnl-3-200 libnl-route-3-200 libnl-3-dev
  libnl-route-3-dev libpsm2-2 libpsm-infinipath1 libnuma1 libnuma-dev libmunge2 libltdl7
)
(cd "$dir" && apt-get download "${pkgs[@]}")
ls "$dir"
