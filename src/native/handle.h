// The one place where a libtorch tensor meets JavaScript: how a tensor is boxed into a JS value,
// how arguments are read back, and how libtorch exceptions become JS errors.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
// c10::optional became an alias of std::optional in libtorch 2; a libtorch without the old header
// gets the alias here, so the same sources build against Debian's 1.13 and a current pip torch.
#if __has_include(<c10/util/Optional.h>)
#include <c10/util/Optional.h>
#else
#include <optional>
namespace c10 {
using std::nullopt;
using std::optional;
}  // namespace c10
#endif
#include <string>
#include <vector>

namespace dnas {

// A tensor reaches JavaScript as a BigInt naming a slot of a handle table: the slot's index in the
// low 32 bits, its generation in the high 32. Node 20's napi_create_external registers a weak
// reference for every External even without a finalizer: measured ~140 ns to create one against
// ~27 ns for a BigInt, plus the scavenger's weak-handle pass. A BigInt is also told apart from a
// scalar argument (a JS number) by its type. dispose() bumps the slot's generation, so a stale or
// forged handle reads as "tensor was disposed", never as a dangling pointer; freed slots are
// reused, so a new handle allocates nothing beyond the tensor itself. Tensors that no memory scope
// will dispose are covered by a JS FinalizationRegistry (src/torch/tensor.ts).
Napi::Value wrap(Napi::Env env, at::Tensor t);
Napi::Value wrapOptional(Napi::Env env, const at::Tensor& t);  // undefined tensor -> null
Napi::Array wrapList(Napi::Env env, const std::vector<at::Tensor>& ts);

at::Tensor& tensorArg(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::Tensor> optionalTensorArg(const Napi::CallbackInfo& info, size_t i);
// Null entries become undefined tensors only where `allowNull` (autograd's optional gradients).
std::vector<at::Tensor> tensorListArg(const Napi::CallbackInfo& info, size_t i, bool allowNull = false);
std::vector<int64_t> intListArg(const Napi::CallbackInfo& info, size_t i);
c10::optional<std::vector<int64_t>> optionalIntListArg(const Napi::CallbackInfo& info, size_t i);
int64_t intArg(const Napi::CallbackInfo& info, size_t i);
double doubleArg(const Napi::CallbackInfo& info, size_t i);
bool boolArg(const Napi::CallbackInfo& info, size_t i);
std::string stringArg(const Napi::CallbackInfo& info, size_t i);
bool isNullish(const Napi::CallbackInfo& info, size_t i);
bool isTensor(const Napi::CallbackInfo& info, size_t i);  // a handle (BigInt), as opposed to a scalar
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
void registerDepthwiseOps(Napi::Env env, Napi::Object exports);
void registerDistributedOps(Napi::Env env, Napi::Object exports);
void registerAllocatorOps(Napi::Env env, Napi::Object exports);
void registerWeightedSumOps(Napi::Env env, Napi::Object exports);
void registerSeparableOps(Napi::Env env, Napi::Object exports);
void registerCatOps(Napi::Env env, Napi::Object exports);
void registerDropPathSumOps(Napi::Env env, Napi::Object exports);
void registerFactorizedReduceOps(Napi::Env env, Napi::Object exports);

// Batch normalisation, optionally followed by a ReLU in the same pass, or ending a drop-path node
// (out = BN(x) / divisor[n] + addend): our CPU kernels in training mode (ops_batchnorm.cc),
// libtorch's otherwise.
at::Tensor batchNormForward(const at::Tensor& x, const c10::optional<at::Tensor>& weight, const c10::optional<at::Tensor>& bias,
                            const c10::optional<at::Tensor>& runningMean, const c10::optional<at::Tensor>& runningVar, bool training,
                            double momentum, double eps, bool withReLU, const c10::optional<at::Tensor>& divisor = c10::nullopt,
                            const c10::optional<at::Tensor>& addend = c10::nullopt);

// Batch norm over x's channels as one, output split into dense pieces of the given widths, or nullopt
// where its kernel does not apply (ops_batchnorm.cc).
c10::optional<std::vector<at::Tensor>> batchNormPiecesForward(const at::Tensor& x, const std::vector<at::Tensor>& weights, const std::vector<at::Tensor>& biases,
                                                        const std::vector<at::Tensor>& runningMeans, const std::vector<at::Tensor>& runningVars,
                                                        double momentum, double eps, const std::vector<int64_t>& widths);

// Whether forwards record graphs whose create_graph backward must be exact (see
// torch.autograd.forSecondOrder): ops that keep less for a first-order backward keep more then.
bool secondOrderForwardEnabled();
void enableSecondOrderForward(bool on);

// Depthwise convolution (weight [C, 1, kh, kw]) with its faster backward (ops_depthwise.cc), and that
// backward on its own for ops that recompute a depthwise output instead of keeping it.
at::Tensor depthwiseConvolution(const at::Tensor& input, const at::Tensor& weight, at::IntArrayRef stride, at::IntArrayRef padding,
                                at::IntArrayRef dilation);
std::pair<at::Tensor, at::Tensor> depthwiseConvolutionBackward(const at::Tensor& gradOutput, const at::Tensor& input, const at::Tensor& weight,
                                                               at::IntArrayRef inputSize, at::IntArrayRef stride, at::IntArrayRef padding,
                                                               at::IntArrayRef dilation, bool needInput, bool needWeight);

}  // namespace dnas

// Declares an exported function whose body runs under `guarded`.
#define DNAS_FN(name) static Napi::Value name(const Napi::CallbackInfo& info)
#define DNAS_EXPORT(name) exports.Set(#name, Napi::Function::New(env, name, #name))
