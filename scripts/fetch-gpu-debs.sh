#!/usr/bin/env bash
# Downloads (does not install) the Debian packages the GPU machine needs to
# build trilobite: the shared starting list plus what this project adds.
# Usage: scripts/fetch-gpu-debs.sh [DIR]   (default .debs, ignored by git)
set -euo pipefail
dir=${1:-.debs}
shared=$(cd "$(dirname "$0")/../.." && pwd)/shared/device/fetch-debs.sh
"$shared" "$dir"
(cd "$dir" && apt-get download libcpptoml-dev nlohmann-json3-dev zlib1g-dev \
  libfreetype-dev libfreetype6 libbrotli-dev libbrotli1 libpng-dev fonts-dejavu-core)
