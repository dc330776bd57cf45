#!/usr/bin/env bash
# The CUDA check, for the day a GPU machine is at hand: builds the addon against a CUDA libtorch,
# runs the whole test suite with the device tests on the GPU, and times the first- and second-order
# DARTS search steps there. Nothing here has run yet (no GPU machine so far): see the README.
#
#   LIBTORCH=/path/to/site-packages/torch bash scripts/cuda-check.sh
#
# LIBTORCH: a libtorch folder built with CUDA, e.g. the torch package of `pip install torch` (its
# include/ and lib/). Extra arguments go to the bench (none needed).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${LIBTORCH:-}" ]]; then
  echo "cuda-check: set LIBTORCH to a CUDA build of libtorch (e.g. the torch folder of a pip-installed torch)" >&2
  exit 2
fi
if ! ls "$LIBTORCH"/lib/libtorch_cuda*.so >/dev/null 2>&1; then
  echo "cuda-check: $LIBTORCH/lib has no libtorch_cuda*.so: that libtorch was built without CUDA" >&2
  exit 2
fi

echo "== build against $LIBTORCH"
LIBTORCH="$LIBTORCH" bash scripts/setup.sh

echo "== tests, device tests on cuda"
node scripts/run-tests.mjs --device cuda

echo "== search steps on cuda (first and second order)"
DNAS_BENCH_DEVICE=cuda DNAS_BENCH_SEARCH=darts-darts-1,darts-darts-2 node --expose-gc dist/bench/search-step.bench.js "$@"
