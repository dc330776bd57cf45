// The one place where a libtorch tensor meets JavaScript: how a tensor is boxed into a JS value,
// how arguments are read back, and how libtorch exceptions become JS errors.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <c10/util/Optional.h>
#include <string>
#include <vector>

namespace dnas {

// A heap box around at::Tensor; the JS side holds it as an External without a native finalizer
// (an N-API finalizer cost ~0.9 µs per tensor here, as much as a small op). dispose() frees the
// tensor and the box; tensors that no memory scope will dispose are covered by a JS
// FinalizationRegistry in src/torch/tensor.ts, which calls dispose() when they are collected.
struct Box {
  at::Tensor tensor;
  int64_t bytes = 0;
  bool live = false;
};

Napi::Value wrap(Napi::Env env, at::Tensor t);
Napi::Value wrapOptional(Napi::Env env, const at::Tensor& t);  // undefined tensor -> null
Napi::Array wrapList(Napi::Env env, const std::vector<at::Tensor>& ts);
void release(Box* box);

at::Tensor& tensorArg(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::Tensor> optionalTensorArg(const Napi::CallbackInfo& info, size_t i);
std::vector<at::Tensor> tensorListArg(const Napi::CallbackInfo& info, size_t i);
std::vector<int64_t> intListArg(const Napi::CallbackInfo& info, size_t i);
c10::optional<std::vector<int64_t>> optionalIntListArg(const Napi::CallbackInfo& info, size_t i);
int64_t intArg(const Napi::CallbackInfo& info, size_t i);
double doubleArg(const Napi::CallbackInfo& info, size_t i);
bool boolArg(const Napi::CallbackInfo& info, size_t i);
std::string stringArg(const Napi::CallbackInfo& info, size_t i);
bool isNullish(const Napi::CallbackInfo& info, size_t i);
at::Scalar scalarArg(const Napi::CallbackInfo& info, size_t i);  // integral numbers stay integral

at::ScalarType dtypeFromCode(int64_t code);
int64_t dtypeCode(at::ScalarType t);
at::TensorOptions optionsArg(const Napi::CallbackInfo& info, size_t dtypeIndex, size_t deviceIndex);

// Live-handle accounting for torch.memory() and V8's external-memory pressure.
int64_t liveTensors();
int64_t liveBytes();

// Runs `body`, turning libtorch's c10::Error and std::exception into a JS Error carrying the first
// line of the message (libtorch appends a long C++ backtrace that helps nobody in JS).
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg = msg.substr(0, nl);
    throw Napi::Error::New(info.Env(), msg);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg = msg.substr(0, nl);
    throw Napi::Error::New(info.Env(), msg);
  }
}

using Registrar = void (*)(Napi::Env, Napi::Object);
void registerTensorOps(Napi::Env env, Napi::Object exports);
void registerNnOps(Napi::Env env, Napi::Object exports);
void registerAutogradOps(Napi::Env env, Napi::Object exports);
void registerHandleOps(Napi::Env env, Napi::Object exports);

}  // namespace dnas

// Declares an exported function whose body runs under `guarded`.
#define DNAS_FN(name) static Napi::Value name(const Napi::CallbackInfo& info)
#define DNAS_EXPORT(name) exports.Set(#name, Napi::Function::New(env, name, #name))
