// Module entry: registers every op table. Threads default to the machine's cores because
// Debian's libtorch starts with one (src/torch applies that default, keeping policy out of C++).
#include "handle.h"

namespace dnas {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  registerHandleOps(env, exports);
  registerTensorOps(env, exports);
  registerNnOps(env, exports);
  registerDepthwiseOps(env, exports);
  registerWeightedSumOps(env, exports);
  registerSeparableOps(env, exports);
  registerCatOps(env, exports);
  registerDropPathSumOps(env, exports);
  registerFactorizedReduceOps(env, exports);
  registerAutogradOps(env, exports);
  registerDistributedOps(env, exports);
  registerAllocatorOps(env, exports);
  return exports;
}

NODE_API_MODULE(dnas, Init)

}  // namespace dnas
