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
# Optimised, without debug info: the test build is compiled from scratch on
# every CI run, and -g is a large part of its cost.
cmake -S . -B build -G Ninja -DPOSTERN_WERROR=ON -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2"
cmake --build build -j "$jobs"

# Unit tests again under ASan/UBSan (line tables only: enough for reports).
cmake -S . -B build-asan -G Ninja -DPOSTERN_WERROR=ON -DPOSTERN_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1"
cmake --build build-asan -j "$jobs" --target unit_tests
ASAN_OPTIONS=detect_leaks=0 ctest --test-dir build-asan -R '^unit_' -j "$jobs" --output-on-failure

# The unit binaries run beside the (mostly waiting) integration tests.
ctest --test-dir build -j "$jobs" --output-on-failure
