// Boxing, argument conversion, accounting, and the ops that move data across the JS boundary.
#include "handle.h"
#include <cstring>

namespace dnas {
namespace {

int64_t g_liveTensors = 0;
int64_t g_liveBytes = 0;
// External-memory reports are batched: one napi_adjust_external_memory per call would cost more
// than a small op itself, and V8 only needs the pressure to be roughly right.
int64_t g_unreportedBytes = 0;
constexpr int64_t kReportThreshold = 1 << 20;

int64_t storageBytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return 0;
  return static_cast<int64_t>(t.storage().nbytes());
}

void account(napi_env env, int64_t delta) {
  g_unreportedBytes += delta;
  if (g_unreportedBytes > kReportThreshold || g_unreportedBytes < -kReportThreshold) {
    int64_t ignored;
    napi_adjust_external_memory(env, g_unreportedBytes, &ignored);
    g_unreportedBytes = 0;
  }
}

napi_env g_env = nullptr;

}  // namespace

void release(Box* box) {
  if (!box->live) return;
  box->live = false;
  g_liveTensors--;
  g_liveBytes -= box->bytes;
  if (g_env) account(g_env, -box->bytes);
  box->tensor = at::Tensor();
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  g_env = env;
  auto* box = new Box();
  box->bytes = storageBytes(t);
  box->tensor = std::move(t);
  box->live = true;
  g_liveTensors++;
  g_liveBytes += box->bytes;
  account(env, box->bytes);
  return Napi::External<Box>::New(env, box);
}

Napi::Value wrapOptional(Napi::Env env, const at::Tensor& t) {
  if (!t.defined()) return env.Null();
  return wrap(env, t);
}

Napi::Array wrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto arr = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); ++i) arr.Set(static_cast<uint32_t>(i), wrapOptional(env, ts[i]));
  return arr;
}

int64_t liveTensors() { return g_liveTensors; }
int64_t liveBytes() { return g_liveBytes; }

static Box* boxArg(const Napi::Value& v, size_t i) {
  if (!v.IsExternal()) throw Napi::TypeError::New(v.Env(), "argument " + std::to_string(i) + " is not a tensor handle");
  auto* box = v.As<Napi::External<Box>>().Data();
  if (!box->live) throw Napi::Error::New(v.Env(), "tensor was disposed");
  return box;
}

at::Tensor& tensorArg(const Napi::CallbackInfo& info, size_t i) { return boxArg(info[i], i)->tensor; }

c10::optional<at::Tensor> optionalTensorArg(const Napi::CallbackInfo& info, size_t i) {
  if (isNullish(info, i)) return c10::nullopt;
  return boxArg(info[i], i)->tensor;
}

std::vector<at::Tensor> tensorListArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "expected an array of tensors");
  auto arr = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr.Get(k);
    if (v.IsNull() || v.IsUndefined()) out.emplace_back();
    else out.push_back(boxArg(v, k)->tensor);
  }
  return out;
}

std::vector<int64_t> intListArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "expected an array of integers");
  auto arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) out[k] = arr.Get(k).As<Napi::Number>().Int64Value();
  return out;
}

c10::optional<std::vector<int64_t>> optionalIntListArg(const Napi::CallbackInfo& info, size_t i) {
  if (isNullish(info, i)) return c10::nullopt;
  return intListArg(info, i);
}

int64_t intArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
double doubleArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
bool boolArg(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }
std::string stringArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::String>().Utf8Value(); }
bool isNullish(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || info[i].IsNull() || info[i].IsUndefined();
}

at::Scalar scalarArg(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsBoolean()) return at::Scalar(info[i].As<Napi::Boolean>().Value());
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (std::isfinite(v) && v == static_cast<double>(static_cast<int64_t>(v)) && std::abs(v) < 9.0e15)
    return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

// Codes shared with src/torch/dtype.ts.
static const at::ScalarType kDtypes[] = {at::kFloat, at::kDouble, at::kLong, at::kInt, at::kByte, at::kBool, at::kHalf, at::kBFloat16};

at::ScalarType dtypeFromCode(int64_t code) {
  if (code < 0 || code >= static_cast<int64_t>(sizeof(kDtypes) / sizeof(kDtypes[0]))) throw std::invalid_argument("unknown dtype code");
  return kDtypes[code];
}

int64_t dtypeCode(at::ScalarType t) {
  for (size_t k = 0; k < sizeof(kDtypes) / sizeof(kDtypes[0]); ++k)
    if (kDtypes[k] == t) return static_cast<int64_t>(k);
  return -1;
}

at::TensorOptions optionsArg(const Napi::CallbackInfo& info, size_t dtypeIndex, size_t deviceIndex) {
  auto opts = at::TensorOptions().dtype(isNullish(info, dtypeIndex) ? at::kFloat : dtypeFromCode(intArg(info, dtypeIndex)));
  if (!isNullish(info, deviceIndex)) opts = opts.device(c10::Device(stringArg(info, deviceIndex)));
  return opts;
}

// ---- ops on the handle itself --------------------------------------------------------------

// Frees the tensor now. An untracked box is deleted with it: the JS side drops the handle on
// dispose and never passes it again.
DNAS_FN(dispose) {
  if (info[0].IsExternal()) {
    auto* box = info[0].As<Napi::External<Box>>().Data();
    release(box);
    delete box;
  }
  return info.Env().Undefined();
}

DNAS_FN(isLive) {
  return Napi::Boolean::New(info.Env(), info[0].IsExternal() && info[0].As<Napi::External<Box>>().Data()->live);
}

DNAS_FN(shape) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& t = tensorArg(info, 0);
    auto sizes = t.sizes();
    auto arr = Napi::Array::New(info.Env(), sizes.size());
    for (size_t k = 0; k < sizes.size(); ++k) arr.Set(static_cast<uint32_t>(k), Napi::Number::New(info.Env(), static_cast<double>(sizes[k])));
    return arr;
  });
}

DNAS_FN(strides) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& t = tensorArg(info, 0);
    auto st = t.strides();
    auto arr = Napi::Array::New(info.Env(), st.size());
    for (size_t k = 0; k < st.size(); ++k) arr.Set(static_cast<uint32_t>(k), Napi::Number::New(info.Env(), static_cast<double>(st[k])));
    return arr;
  });
}

DNAS_FN(dtype) {
  return guarded(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), static_cast<double>(dtypeCode(tensorArg(info, 0).scalar_type()))); });
}

DNAS_FN(device) {
  return guarded(info, [&]() -> Napi::Value { return Napi::String::New(info.Env(), tensorArg(info, 0).device().str()); });
}

DNAS_FN(numel) {
  return guarded(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), static_cast<double>(tensorArg(info, 0).numel())); });
}

DNAS_FN(isContiguous) {
  return guarded(info, [&]() -> Napi::Value {
    auto fmt = intArg(info, 1) == 1 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    return Napi::Boolean::New(info.Env(), tensorArg(info, 0).is_contiguous(fmt));
  });
}

DNAS_FN(item) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& t = tensorArg(info, 0);
    if (t.numel() != 1) throw std::invalid_argument("item() needs a tensor with exactly one element, got " + std::to_string(t.numel()));
    return Napi::Number::New(info.Env(), t.item().toDouble());
  });
}

// Copies the tensor's elements (row-major, on the CPU) into a fresh ArrayBuffer.
DNAS_FN(data) {
  return guarded(info, [&]() -> Napi::Value {
    at::Tensor t = tensorArg(info, 0).detach().to(at::kCPU).contiguous();
    size_t n = t.numel() * t.element_size();
    auto buf = Napi::ArrayBuffer::New(info.Env(), n);
    if (n) std::memcpy(buf.Data(), t.data_ptr(), n);
    return buf;
  });
}

// fromBuffer(arrayBufferView, shape, dtypeCode, device?)
DNAS_FN(fromBuffer) {
  return guarded(info, [&]() -> Napi::Value {
    if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "fromBuffer expects a typed array");
    auto view = info[0].As<Napi::TypedArray>();
    auto shape = intListArg(info, 1);
    auto dt = dtypeFromCode(intArg(info, 2));
    int64_t numel = 1;
    for (auto s : shape) numel *= s;
    size_t need = numel * c10::elementSize(dt);
    if (view.ByteLength() != need)
      throw std::invalid_argument("data has " + std::to_string(view.ByteLength()) + " bytes but shape needs " + std::to_string(need));
    auto* base = static_cast<uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dt));
    if (need) std::memcpy(t.data_ptr(), base, need);
    if (!isNullish(info, 3)) t = t.to(c10::Device(stringArg(info, 3)));
    return wrap(info.Env(), t);
  });
}

DNAS_FN(memory) {
  auto o = Napi::Object::New(info.Env());
  o.Set("tensors", Napi::Number::New(info.Env(), static_cast<double>(g_liveTensors)));
  o.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(g_liveBytes)));
  return o;
}

void registerHandleOps(Napi::Env env, Napi::Object exports) {
  DNAS_EXPORT(dispose);
  DNAS_EXPORT(isLive);
  DNAS_EXPORT(shape);
  DNAS_EXPORT(strides);
  DNAS_EXPORT(dtype);
  DNAS_EXPORT(device);
  DNAS_EXPORT(numel);
  DNAS_EXPORT(isContiguous);
  DNAS_EXPORT(item);
  DNAS_EXPORT(data);
  DNAS_EXPORT(fromBuffer);
  DNAS_EXPORT(memory);
}

}  // namespace dnas
