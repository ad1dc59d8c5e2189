#!/usr/bin/env bash
# Installs the Debian packages trilobite needs to build and test, if any is
# missing. Idempotent and quick when everything is there. Needs root (or sudo).
set -euo pipefail
pkgs=(cmake ninja-build g++ libhdf5-dev zlib1g-dev libcli11-dev librandom123-dev libeigen3-dev
      libgtest-dev libgmock-dev libbenchmark-dev libcpptoml-dev nlohmann-json3-dev
      clang libclang-rt-14-dev libomp-dev libopenmpi-dev openmpi-bin
      python3 python3-numpy python3-h5py python3-xarray python3-h5netcdf python3-matplotlib
      nlohmann-json3-dev libpng-dev libfreetype-dev fonts-dejavu-core python3-pil
      dataset-fashion-mnist)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
