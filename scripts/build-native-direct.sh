#!/usr/bin/env bash
# Builds build/Release/dnas.node with g++ alone, for machines where node-gyp cannot run: a GPU
# machine with no npm registry and no Node headers package (node-gyp downloads them), where Node
# itself was copied in. The flags are binding.gyp's; `npm run build:native` stays the usual way.
#
#   LIBTORCH=/path/to/torch bash scripts/build-native-direct.sh     a pip torch's folder (CUDA or not)
#   bash scripts/build-native-direct.sh                             Debian's libtorch-dev
#
# NODE_API_HEADERS: a folder with node_api.h and js_native_api*.h (default: the running Node's own
# include/node). With a CUDA libtorch, nccl.h is looked up in the pip package nvidia-nccl beside it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'build-native-direct: %s\n' "$*" >&2; }

headers=${NODE_API_HEADERS:-$(dirname "$(dirname "$(command -v node)")")/include/node}
[ -f "$headers/node_api.h" ] || { say "no node_api.h in $headers: set NODE_API_HEADERS to a folder holding Node's N-API headers"; exit 2; }
[ -d node_modules/node-addon-api ] || { say "node_modules/node-addon-api is missing: install the npm dependencies first"; exit 2; }

includes=(-I"$headers" -Inode_modules/node-addon-api)
libs=()
defines=(-DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DBUILDING_NODE_EXTENSION)
if [ -n "${LIBTORCH:-}" ]; then
  [ -f "$LIBTORCH/include/torch/csrc/api/include/torch/torch.h" ] || { say "LIBTORCH=$LIBTORCH has no include/torch/csrc/api/include/torch/torch.h"; exit 2; }
  aten="$LIBTORCH/include/ATen/ATen.h"
  includes+=(-I"$LIBTORCH/include" -I"$LIBTORCH/include/torch/csrc/api/include")
  libs+=(-L"$LIBTORCH/lib" -Wl,-rpath,"$LIBTORCH/lib" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10)
  if [ -f "$LIBTORCH/lib/libtorch_cuda.so" ]; then
    defines+=(-DDNAS_CUDA_LIBTORCH)
    libs+=(-ltorch_cuda -lc10_cuda)
    nccl="$(dirname "$LIBTORCH")/nvidia/nccl/include"
    [ -f "$nccl/nccl.h" ] && includes+=(-I"$nccl")
    [ -d /usr/local/cuda/include ] && includes+=(-I/usr/local/cuda/include)
  fi
  libs+=(-Wl,--as-needed)
else
  aten=/usr/include/ATen/ATen.h
  includes+=(-I/usr/include/torch/csrc/api/include)
  libs+=(-ltorch -ltorch_cpu -lc10)
fi
# libtorch 2.14 and later refuse C++17; earlier ones want it (as binding.gyp decides).
std=c++17
grep -q 202002L "$aten" && std=c++20

flags=(-std="$std" -fPIC -pthread -O2 -fopenmp -fexceptions -frtti -Wno-deprecated-declarations "${defines[@]}" "${includes[@]}")
obj=build/Release/obj.direct
mkdir -p "$obj"
rm -f "$obj"/*.o
say "compiling src/native/*.cc (C++ ${std#c++}, $(nproc) at a time)"
failed=0
for src in src/native/*.cc; do
  name=$(basename "$src" .cc)
  g++ "${flags[@]}" -c "$src" -o "$obj/$name.o" 2> "$obj/$name.log" &
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || failed=1; done
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || failed=1; done
for src in src/native/*.cc; do
  name=$(basename "$src" .cc)
  # g++ leaves no object file behind a failed compile.
  if [ ! -f "$obj/$name.o" ]; then failed=1; say "$src:"; grep -m 10 'error' "$obj/$name.log" >&2 || tail -n 10 "$obj/$name.log" >&2; fi
done
[ "$failed" = 0 ] || { say "compilation failed"; exit 1; }
g++ -shared -pthread -fopenmp -o build/Release/dnas.node "$obj"/*.o "${libs[@]}"
echo "${LIBTORCH:-system}" > build/.libtorch
say "built build/Release/dnas.node against ${LIBTORCH:-the system libtorch}"
