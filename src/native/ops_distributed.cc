// Collectives over libtorch's own c10d: a TCPStore for the rendezvous and a ProcessGroupGloo (CPU)
// or, when a CUDA libtorch with NCCL headers is linked, a ProcessGroupNCCL. One process group per
// process, as torch.distributed's default group. Every call blocks until its collective is done:
// the search loop is synchronous, and a failure (a peer that died, a timeout) comes back as a JS
// error through `guarded` instead of aborting the process.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include "handle.h"
#include <torch/version.h>
// c10d's Gloo header needs Gloo's own headers: Debian's libgloo-dev, or a libtorch that ships them
// (a pip-installed torch does not). Without them the Gloo backend says why it is missing.
#if __has_include(<gloo/config.h>) && !defined(DNAS_WITHOUT_GLOO)
#define DNAS_HAVE_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif

// NCCL needs nccl.h, which a pip-installed CUDA torch keeps in its nvidia-nccl package (add that
// include folder to CPATH); without it the NCCL backend says why it is missing.
#if defined(DNAS_CUDA_LIBTORCH) && __has_include(<nccl.h>)
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define DNAS_HAVE_NCCL 1
#endif

#if defined(DNAS_HAVE_GLOO) || defined(DNAS_HAVE_NCCL)
#define DNAS_HAVE_C10D 1
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <c10/util/Logging.h>
#include <chrono>
#include <memory>
#endif

namespace dnas {
#ifdef DNAS_HAVE_GLOO
constexpr bool kHaveGloo = true;
#else
constexpr bool kHaveGloo = false;
#endif
#ifdef DNAS_HAVE_NCCL
constexpr bool kHaveNccl = true;
#else
constexpr bool kHaveNccl = false;
#endif
[[maybe_unused]] static const char* const kNoGloo =
    "this dnas addon was built without Gloo's headers, so it has no Gloo backend: install libgloo-dev (Debian), "
    "or add a Gloo checkout's headers to CPATH when building against a pip-installed torch, then run 'npx dnas setup' again";
#ifdef DNAS_HAVE_C10D
namespace {

// libtorch 2 split ProcessGroup into a dispatcher over per-device Backends; the concrete Gloo and
// NCCL classes derive from Backend there and from ProcessGroup in 1.x. Both bases declare the
// collectives used here with the same signatures.
#if TORCH_VERSION_MAJOR >= 2
using GroupBase = c10d::Backend;
#else
using GroupBase = c10d::ProcessGroup;
#endif

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<GroupBase> group;
  int rank = 0;
  int size = 1;
  std::string backend;
};

// Deliberately never destroyed at exit: a process leaving after an error must not block in the
// destructor joining Gloo's worker threads or the store's server thread. destroyProcessGroup()
// frees it on the normal path.
Group* g_group = nullptr;

Group& current() {
  if (!g_group) throw std::runtime_error("no process group: call initProcessGroup first");
  return *g_group;
}

#ifdef DNAS_HAVE_GLOO
std::shared_ptr<::gloo::transport::Device> glooDevice(const std::string& interface, const std::string& hostname) {
  if (!interface.empty()) return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  if (!hostname.empty()) return c10d::ProcessGroupGloo::createDeviceForHostname(hostname);
  return c10d::ProcessGroupGloo::createDefaultDevice();
}
#endif

// Codes shared with src/torch/distributed.ts.
c10d::ReduceOp reduceOpFromCode(int64_t code) {
  switch (code) {
    case 0: return c10d::ReduceOp::SUM;
    case 1: return c10d::ReduceOp::PRODUCT;
    case 2: return c10d::ReduceOp::MIN;
    case 3: return c10d::ReduceOp::MAX;
    default: throw std::invalid_argument("unknown reduce op code " + std::to_string(code));
  }
}

// c10d logs a failure (a connect timeout, a lost peer) to stderr before throwing it; the exception
// reaches JS as an Error with the same text, so the log line would only print the message twice,
// and on ranks that must print nothing but their error. Silenced below FATAL while a call runs.
class QuietC10dLog {
 public:
  QuietC10dLog() : saved_(level()) { level() = std::max(saved_, 3); }
  ~QuietC10dLog() { level() = saved_; }

 private:
#ifdef C10_USE_GLOG
  static int& level() { return FLAGS_minloglevel; }
#else
  static int& level() { return FLAGS_caffe2_log_level; }
#endif
  int saved_;
};

// Waits for a collective; a failure stored in the Work is rethrown here.
void finish(const c10::intrusive_ptr<c10d::Work>& work) { work->wait(); }

}  // namespace

// initProcessGroup(backend, rank, worldSize, masterAddr, masterPort, timeoutMs, glooInterface, glooHostname)
DNAS_FN(initProcessGroup) {
  return guarded(info, [&]() -> Napi::Value {
    QuietC10dLog quiet;
    if (g_group) throw std::runtime_error("a process group is already initialised in this process; call destroyProcessGroup first");
    std::string backend = stringArg(info, 0);
    int rank = static_cast<int>(intArg(info, 1));
    int size = static_cast<int>(intArg(info, 2));
    std::string host = stringArg(info, 3);
    auto timeout = std::chrono::milliseconds(intArg(info, 5));

    c10d::TCPStoreOptions storeOptions;
    storeOptions.port = static_cast<std::uint16_t>(intArg(info, 4));
    storeOptions.isServer = rank == 0;
    storeOptions.numWorkers = static_cast<std::size_t>(size);
    storeOptions.waitWorkers = true;
    storeOptions.timeout = timeout;
    auto group = std::make_unique<Group>();
    group->store = c10::make_intrusive<c10d::TCPStore>(host, storeOptions);
    group->rank = rank;
    group->size = size;
    group->backend = backend;

    if (backend == "gloo") {
#ifdef DNAS_HAVE_GLOO
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      options->devices.push_back(glooDevice(stringArg(info, 6), stringArg(info, 7)));
      group->group = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, rank, size, options);
#else
      throw std::runtime_error(kNoGloo);
#endif
    } else if (backend == "nccl") {
#ifdef DNAS_HAVE_NCCL
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      group->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(group->store, rank, size, options);
#else
      throw std::runtime_error("this dnas addon was built without NCCL (it needs a CUDA libtorch and nccl.h at build time); use backend 'gloo'");
#endif
    } else {
      throw std::invalid_argument("unknown backend '" + backend + "'");
    }
    g_group = group.release();
    return info.Env().Undefined();
  });
}

DNAS_FN(destroyProcessGroup) {
  return guarded(info, [&]() -> Napi::Value {
    delete g_group;
    g_group = nullptr;
    return info.Env().Undefined();
  });
}

DNAS_FN(isProcessGroupInitialized) { return Napi::Boolean::New(info.Env(), g_group != nullptr); }

DNAS_FN(processGroupInfo) {
  return guarded(info, [&]() -> Napi::Value {
    Group& g = current();
    auto o = Napi::Object::New(info.Env());
    o.Set("rank", Napi::Number::New(info.Env(), g.rank));
    o.Set("worldSize", Napi::Number::New(info.Env(), g.size));
    o.Set("backend", Napi::String::New(info.Env(), g.backend));
    return o;
  });
}

// allReduce(tensor, opCode): in place.
DNAS_FN(allReduce) {
  return guarded(info, [&]() -> Napi::Value {
    QuietC10dLog quiet;
    std::vector<at::Tensor> tensors{tensorArg(info, 0)};
    c10d::AllreduceOptions options;
    options.reduceOp = reduceOpFromCode(intArg(info, 1));
    finish(current().group->allreduce(tensors, options));
    return info.Env().Undefined();
  });
}

// broadcast(tensor, src): in place.
DNAS_FN(broadcast) {
  return guarded(info, [&]() -> Napi::Value {
    QuietC10dLog quiet;
    std::vector<at::Tensor> tensors{tensorArg(info, 0)};
    c10d::BroadcastOptions options;
    options.rootRank = static_cast<int64_t>(intArg(info, 1));
    finish(current().group->broadcast(tensors, options));
    return info.Env().Undefined();
  });
}

DNAS_FN(barrier) {
  return guarded(info, [&]() -> Napi::Value {
    QuietC10dLog quiet;
    finish(current().group->barrier());
    return info.Env().Undefined();
  });
}

#else  // neither Gloo's headers nor NCCL at build time

static Napi::Value withoutC10d(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value { throw std::runtime_error(kNoGloo); });
}
DNAS_FN(initProcessGroup) { return withoutC10d(info); }
DNAS_FN(destroyProcessGroup) { return info.Env().Undefined(); }
DNAS_FN(isProcessGroupInitialized) { return Napi::Boolean::New(info.Env(), false); }
DNAS_FN(processGroupInfo) { return withoutC10d(info); }
DNAS_FN(allReduce) { return withoutC10d(info); }
DNAS_FN(broadcast) { return withoutC10d(info); }
DNAS_FN(barrier) { return withoutC10d(info); }
#endif

// Which backends this build has, whether or not it has any.
DNAS_FN(hasGloo) { return Napi::Boolean::New(info.Env(), kHaveGloo); }
DNAS_FN(hasNccl) { return Napi::Boolean::New(info.Env(), kHaveNccl); }

void registerDistributedOps(Napi::Env env, Napi::Object exports) {
  DNAS_EXPORT(initProcessGroup); DNAS_EXPORT(destroyProcessGroup); DNAS_EXPORT(isProcessGroupInitialized);
  DNAS_EXPORT(processGroupInfo); DNAS_EXPORT(hasGloo); DNAS_EXPORT(hasNccl); DNAS_EXPORT(allReduce); DNAS_EXPORT(broadcast); DNAS_EXPORT(barrier);
}

}  // namespace dnas
