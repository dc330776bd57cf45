#!/usr/bin/env bash
# Installs what dnas needs and builds it. Idempotent: quick when everything is already in place.
#   - Debian packages: libtorch-dev (unless LIBTORCH points at another libtorch), libgloo-dev (the
#     Gloo headers c10d's ProcessGroupGloo.hpp includes, for data-parallel search; Debian's libtorch
#     is built against the same system gloo; with LIBTORCH it is not installed, as it need not match
#     that libtorch's, and the addon builds without the Gloo backend unless Gloo's headers are there),
#     libopenblas0-pthread (Debian's reference BLAS makes a 2048² matmul ~40x slower),
#     dataset-fashion-mnist (the embedded default data set); chromium (optional: only the real-browser test of `dnas report` needs it, and
#     that test is skipped, saying so, without it).
#   - npm dependencies, the native addon (node-gyp), the TypeScript (tsc).
# Modes:
#   (none)          a clone of the repository: everything above.
#   --native-only   an installed package (`npx dnas setup`): system packages and the addon only. The
#                   package ships compiled JavaScript and its dependencies are already installed by
#                   npm, so npm ci and tsc must not run there.
#   --install-hook  package.json's install script: --native-only, but a failure never fails
#                   `npm install`; it says to run `npx dnas setup` once the cause is fixed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=full
case "${1:-}" in
  '') ;;
  --native-only) mode=native ;;
  --install-hook) mode=hook ;;
  *) printf "dnas setup: unknown option '%s' (known: --native-only, --install-hook)\n" "$1" >&2; exit 2 ;;
esac

say() { printf 'dnas setup: %s\n' "$*" >&2; }

if [ "$mode" = hook ]; then
  # Re-run natively; on failure the message above it already says what is missing.
  if bash scripts/setup.sh --native-only; then exit 0; fi
  say "the native addon was not built; the package is installed but unusable until 'npx dnas setup' succeeds"
  exit 0
fi

missing=()
if [ -z "${LIBTORCH:-}" ]; then
  [ -f /usr/include/torch/csrc/api/include/torch/torch.h ] || missing+=(libtorch-dev)
elif [ ! -f "$LIBTORCH/include/torch/csrc/api/include/torch/torch.h" ]; then
  say "LIBTORCH=$LIBTORCH has no include/torch/csrc/api/include/torch/torch.h; point it at a libtorch folder (e.g. python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')"
  exit 1
fi
# Debian's Gloo matches Debian's libtorch only; against another libtorch (a pip torch ships no Gloo
# headers) the addon builds without the Gloo backend and says so when asked for it.
if [ -z "${LIBTORCH:-}" ]; then
  [ -f /usr/include/gloo/config.h ] || missing+=(libgloo-dev)
elif [ ! -f "$LIBTORCH/include/gloo/config.h" ] && [ ! -f /usr/include/gloo/config.h ]; then
  say "no Gloo headers for LIBTORCH=$LIBTORCH: the addon builds without the Gloo backend (data-parallel search on CPU)"
fi
[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || [ -n "${LIBTORCH:-}" ] || missing+=(libopenblas0-pthread)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "missing system packages: ${missing[*]}. Install them with 'sudo apt-get install ${missing[*]}', or set LIBTORCH to a libtorch folder (a pip-installed torch's folder works, and is how CUDA builds are made)."
    exit 1
  fi
fi

# Optional: a failed install must not stop setup, so it is tried apart from the required packages.
if [ "$mode" = full ] && ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROME_PATH:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing chromium (apt-get; optional, for the browser test of dnas report)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq chromium; } >/dev/null 2>&1 || \
      say "chromium could not be installed; the browser test of dnas report will be skipped"
  else
    say "chromium is not installed (optional): 'sudo apt-get install chromium' or CHROME_PATH enables the browser test of dnas report"
  fi
fi

if [ "$mode" = full ] && { [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  say "installing npm dependencies"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
fi

addon=build/Release/dnas.node
stamp=build/.libtorch
if [ ! -f "$addon" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${LIBTORCH:-system}" ] || \
   [ -n "$(find src/native binding.gyp -newer "$addon" 2>/dev/null | head -n 1)" ]; then
  say "building the native addon (about a minute)"
  npm run --silent build:native -- --loglevel=error >/dev/null 2>build-native.log || {
    say "native build failed; the first errors:"; grep -m 10 -E 'error' build-native.log >&2 || tail -n 20 build-native.log >&2; exit 1; }
  rm -f build-native.log
  echo "${LIBTORCH:-system}" > "$stamp"
fi

[ "$mode" = full ] || exit 0
if [ ! -f dist/.tsbuildinfo ] || [ -n "$(find src test bench tsconfig.json -newer dist/.tsbuildinfo -name '*.ts' -o -newer dist/.tsbuildinfo -name tsconfig.json 2>/dev/null | head -n 1)" ]; then
  say "compiling TypeScript"
  npx --no-install tsc -p tsconfig.json --incremental --tsBuildInfoFile dist/.tsbuildinfo
fi
