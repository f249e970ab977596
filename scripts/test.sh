#!/usr/bin/env bash
# Build Postern and run every test: the README's test command.
#   sudo scripts/test.sh
# Installs the Debian packages it needs when run as root, builds with -Werror,
# runs all tests (unit + integration against real tools), then the unit tests
# again under ASan/UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
  scripts/deps.sh
else
  echo "warning: not root: not installing packages; integration tests that need root are skipped" >&2
fi

jobs=$(nproc)
cmake -S . -B build -G Ninja -DPOSTERN_WERROR=ON
cmake --build build -j "$jobs"

cmake -S . -B build-asan -G Ninja -DPOSTERN_WERROR=ON -DPOSTERN_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j "$jobs" --target unit_tests
ASAN_OPTIONS=detect_leaks=0 ctest --test-dir build-asan -R '^unit_' --output-on-failure

ctest --test-dir build --output-on-failure
