// Autograd (backward, grad, grad mode), RNG seeding and devices: the parts that need the
// torch C++ frontend rather than ATen alone.
#include "handle.h"
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/csrc/autograd/function.h>
#include <torch/cuda.h>
#include <torch/utils.h>

namespace dnas {

DNAS_FN(requiresGrad) {
  return guarded(info, [&]() -> Napi::Value { return Napi::Boolean::New(info.Env(), tensorArg(info, 0).requires_grad()); });
}

DNAS_FN(isLeaf) {
  return guarded(info, [&]() -> Napi::Value { return Napi::Boolean::New(info.Env(), tensorArg(info, 0).is_leaf()); });
}

DNAS_FN(gradFnName) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& fn = tensorArg(info, 0).grad_fn();
    if (!fn) return info.Env().Null();
    return Napi::String::New(info.Env(), fn->name());
  });
}

DNAS_FN(getGrad) {
  return guarded(info, [&]() -> Napi::Value { return wrapOptional(info.Env(), tensorArg(info, 0).grad()); });
}

// setGrad(x, grad|null)
DNAS_FN(setGrad) {
  return guarded(info, [&]() -> Napi::Value {
    auto g = optionalTensorArg(info, 1);
    tensorArg(info, 0).mutable_grad() = g ? *g : at::Tensor();
    return info.Env().Undefined();
  });
}

DNAS_FN(retainGrad) {
  return guarded(info, [&]() -> Napi::Value { tensorArg(info, 0).retain_grad(); return info.Env().Undefined(); });
}

// backward(x, gradient|null, retainGraph, createGraph)
DNAS_FN(backward) {
  return guarded(info, [&]() -> Napi::Value {
    auto g = optionalTensorArg(info, 1);
    c10::optional<bool> retain;
    if (!isNullish(info, 2)) retain = boolArg(info, 2);
    tensorArg(info, 0).backward(g ? *g : at::Tensor(), retain, boolArg(info, 3));
    return info.Env().Undefined();
  });
}

// grad(outputs[], inputs[], gradOutputs[]|null, retainGraph|null, createGraph, allowUnused)
DNAS_FN(grad) {
  return guarded(info, [&]() -> Napi::Value {
    auto outputs = tensorListArg(info, 0);
    auto inputs = tensorListArg(info, 1);
    std::vector<at::Tensor> gradOutputs;
    if (!isNullish(info, 2)) gradOutputs = tensorListArg(info, 2, true);
    c10::optional<bool> retain;
    if (!isNullish(info, 3)) retain = boolArg(info, 3);
    auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, retain, boolArg(info, 4), boolArg(info, 5));
    return wrapList(info.Env(), grads);
  });
}

DNAS_FN(isSecondOrderForward) { return Napi::Boolean::New(info.Env(), secondOrderForwardEnabled()); }
DNAS_FN(setSecondOrderForward) {
  return guarded(info, [&]() -> Napi::Value {
    enableSecondOrderForward(boolArg(info, 0));
    return info.Env().Undefined();
  });
}

DNAS_FN(isGradEnabled) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }

DNAS_FN(setGradEnabled) {
  at::GradMode::set_enabled(info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

DNAS_FN(manualSeed) {
  return guarded(info, [&]() -> Napi::Value {
    torch::manual_seed(static_cast<uint64_t>(intArg(info, 0)));
    return info.Env().Undefined();
  });
}

DNAS_FN(cudaIsAvailable) { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); }
DNAS_FN(cudaDeviceCount) { return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count())); }
DNAS_FN(cudaSynchronize) {
  return guarded(info, [&]() -> Napi::Value { torch::cuda::synchronize(); return info.Env().Undefined(); });
}

// cuDNN's TF32 switch for float32 convolutions (torch.backends.cudnn.allow_tf32; on by default in
// libtorch, as in PyTorch). Looked up by name so the addon builds against a libtorch that renamed it.
template <typename C>
static auto readTf32(C& c, int) -> decltype(bool(c.allowTF32CuDNN())) { return c.allowTF32CuDNN(); }
template <typename C>
static bool readTf32(C&, long) { throw std::runtime_error("this libtorch has no cuDNN TF32 switch"); }
template <typename C>
static auto writeTf32(C& c, bool on, int) -> decltype(c.setAllowTF32CuDNN(on), void()) { c.setAllowTF32CuDNN(on); }
template <typename C>
static void writeTf32(C&, bool, long) { throw std::runtime_error("this libtorch has no cuDNN TF32 switch"); }

// cudnnAllowTF32([on]): sets it when given; returns the value in force.
DNAS_FN(cudnnAllowTF32) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() > 0 && !isNullish(info, 0)) writeTf32(at::globalContext(), boolArg(info, 0), 0);
    return Napi::Boolean::New(info.Env(), readTf32(at::globalContext(), 0));
  });
}

// libtorch's own op profiler, so a step's time can be broken down by aten op exactly as
// torch.autograd.profiler does it for the Python reference. Writes a chrome://tracing file.
static std::unique_ptr<torch::autograd::profiler::RecordProfile> activeProfile;

DNAS_FN(profilerStart) {
  return guarded(info, [&]() -> Napi::Value {
    if (activeProfile) throw std::runtime_error("the profiler is already running: call profilerStop() first");
    activeProfile = std::make_unique<torch::autograd::profiler::RecordProfile>(stringArg(info, 0));
    return info.Env().Undefined();
  });
}

DNAS_FN(profilerStop) {
  return guarded(info, [&]() -> Napi::Value {
    activeProfile.reset();  // the destructor writes the trace
    return info.Env().Undefined();
  });
}

void registerAutogradOps(Napi::Env env, Napi::Object exports) {
  DNAS_EXPORT(profilerStart); DNAS_EXPORT(profilerStop);
  DNAS_EXPORT(requiresGrad); DNAS_EXPORT(isLeaf); DNAS_EXPORT(gradFnName); DNAS_EXPORT(getGrad); DNAS_EXPORT(setGrad);
  DNAS_EXPORT(retainGrad); DNAS_EXPORT(backward); DNAS_EXPORT(grad); DNAS_EXPORT(isGradEnabled); DNAS_EXPORT(setGradEnabled);
  DNAS_EXPORT(isSecondOrderForward); DNAS_EXPORT(setSecondOrderForward);
  DNAS_EXPORT(manualSeed); DNAS_EXPORT(cudaIsAvailable); DNAS_EXPORT(cudaDeviceCount); DNAS_EXPORT(cudaSynchronize); DNAS_EXPORT(cudnnAllowTF32);
}

}  // namespace dnas
