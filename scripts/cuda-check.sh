#!/usr/bin/env bash
# The CUDA check for a GPU machine: builds the addon against a CUDA libtorch, checks that CUDA and
# NCCL answer, runs the whole test suite with the device tests on the GPU, and times the first- and
# second-order DARTS search steps there beside the reference's (when REF_DARTS names a quark0/darts
# cnn/ folder and python3 has torch). Ran on an NVIDIA H200 with pip torch 2.11.0+cu130 (README).
#
#   bash scripts/cuda-check.sh                  LIBTORCH defaults to python3's torch folder
#   LIBTORCH=/path/to/torch bash scripts/cuda-check.sh
#
# Needs Node ≥ 20 on PATH, the npm dependencies in node_modules and the compiled TypeScript in dist/
# (copy them in where the machine has no npm registry), and g++. The addon is built with g++
# directly (scripts/build-native-direct.sh), as such machines rarely have node-gyp's headers.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '== %s %s\n' "$(date +%T)" "$*"; }

if [ -z "${LIBTORCH:-}" ]; then
  LIBTORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))' 2>/dev/null) || {
    echo "cuda-check: set LIBTORCH to a CUDA build of libtorch (python3 has no torch to take it from)" >&2; exit 2; }
fi
export LIBTORCH
if ! ls "$LIBTORCH"/lib/libtorch_cuda*.so >/dev/null 2>&1; then
  echo "cuda-check: $LIBTORCH/lib has no libtorch_cuda*.so: that libtorch was built without CUDA" >&2
  exit 2
fi
[ -d dist/test ] || { echo "cuda-check: no dist/test: compile the TypeScript first (npx tsc -p tsconfig.json)" >&2; exit 2; }

say "build against $LIBTORCH"
nvidia-smi -L 2>/dev/null || true
bash scripts/build-native-direct.sh || exit 1

say "CUDA and NCCL"
node -e "
import('./dist/src/index.js').then(({ torch }) => {
  const d = torch.distributed;
  console.log('cuda', torch.cuda.isAvailable(), 'devices', torch.cuda.deviceCount(), 'gloo', d.isGlooAvailable(), 'nccl', d.isNcclAvailable());
  const a = torch.randn([256, 256], { device: 'cuda' });
  console.log('matmul on', a.matmul(a).device);
  if (d.isNcclAvailable()) {
    d.initProcessGroup({ backend: 'nccl', rank: 0, worldSize: 1, masterPort: 29517, timeout: 60000 });
    const t = torch.ones([4], { device: 'cuda' }).mul(3);
    d.allReduce(t);
    console.log('nccl allReduce, world size 1:', t.to({ device: 'cpu' }).tolist());
    d.destroyProcessGroup();
  }
});" || exit 1

say "tests, device tests on cuda"
node scripts/run-tests.mjs --device cuda
tests=$?

say "search steps on cuda (first and second order)"
DNAS_BENCH_DEVICE=cuda DNAS_BENCH_SEARCH=darts-darts-1,darts-darts-2 DNAS_BENCH_STEPS=${DNAS_BENCH_STEPS:-5} DNAS_REF_PYTHON=${DNAS_REF_PYTHON:-$(command -v python3)} \
  node --expose-gc dist/bench/search-step.bench.js "$@"
bench=$?
say "tests exit $tests, bench exit $bench"
[ "$tests" = 0 ] && [ "$bench" = 0 ]
