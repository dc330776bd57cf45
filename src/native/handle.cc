// Handles, argument conversion, accounting, and the ops that move data across the JS boundary.
#include "handle.h"
#include <cstring>
#include <memory>

namespace dnas {
namespace {

struct Slot {
  at::Tensor tensor;
  int64_t bytes = 0;
  uint32_t index = 0;
  uint32_t generation = 0;
  bool live = false;
};

// Slots live in fixed-size chunks so that a reference returned by tensorArg() stays valid while an
// op creates new handles; freed slots are reused last-in first-out (warm in cache).
class HandleTable {
 public:
  static constexpr uint32_t kChunk = 4096;

  Slot* find(uint64_t handle) {
    uint32_t index = static_cast<uint32_t>(handle);
    if (index >= size_) return nullptr;
    Slot* s = &chunks_[index / kChunk][index % kChunk];
    return s->live && s->generation == static_cast<uint32_t>(handle >> 32) ? s : nullptr;
  }

  uint64_t acquire(at::Tensor&& t, int64_t bytes) {
    uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      if (size_ % kChunk == 0) {
        chunks_.emplace_back(new Slot[kChunk]);
        for (uint32_t k = 0; k < kChunk; ++k) chunks_.back()[k].index = size_ + k;
      }
      index = size_++;
    }
    Slot& s = chunks_[index / kChunk][index % kChunk];
    s.tensor = std::move(t);
    s.bytes = bytes;
    s.live = true;
    return (static_cast<uint64_t>(s.generation) << 32) | index;
  }

  void release(Slot* s) {
    s->live = false;
    s->generation++;
    s->tensor = at::Tensor();
    free_.push_back(s->index);
  }

 private:
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::vector<uint32_t> free_;
  uint32_t size_ = 0;
};

HandleTable g_table;
int64_t g_liveTensors = 0;
int64_t g_liveBytes = 0;
// What V8 has been told the tensors hold outside its heap. It rises with the highest live total so
// far, and falls only by what the collector frees (tensors reclaimed through the JS
// FinalizationRegistry), each in steps of at least kReportThreshold (one napi_adjust_external_memory
// per call would cost more than a small op itself).
//
// Why not the live total: V8 starts a major collection whenever external memory grows by 64 MiB past
// its level at the last one. A training step allocates and disposes gigabytes of activations, and
// reporting each rise and fall made V8 run ~16 major collections a step (now 1), marking with helper
// threads that take the cores from libtorch's: a DARTS_V2 training step (batch 96, 2 threads) ran 7 %
// slower than with this scheme (interleaved processes). Tensors disposed explicitly
// need no collection to free them. Tensors left to the collector still push the figure up as they
// accumulate past the peak, and their collection brings it down, so V8 keeps collecting them.
int64_t g_reportedBytes = 0;
int64_t g_collectedUnreported = 0;
constexpr int64_t kReportThreshold = 1 << 20;

int64_t storageBytes(const at::Tensor& t) {
  // Through the TensorImpl: Tensor::storage() returns a copy, costing two atomic refcount updates.
  const c10::TensorImpl* impl = t.unsafeGetTensorImpl();
  if (!impl->has_storage()) return 0;
  return static_cast<int64_t>(impl->storage().nbytes());
}

// Called after g_liveBytes rose.
void reportPeak(napi_env env) {
  if (g_liveBytes <= g_reportedBytes + kReportThreshold) return;
  int64_t ignored;
  napi_adjust_external_memory(env, g_liveBytes - g_reportedBytes, &ignored);
  g_reportedBytes = g_liveBytes;
}

// Called when the collector freed `bytes`.
void reportCollected(napi_env env, int64_t bytes) {
  g_collectedUnreported += bytes;
  if (g_collectedUnreported < kReportThreshold) return;
  const int64_t drop = std::min(g_collectedUnreported, g_reportedBytes);
  int64_t ignored;
  napi_adjust_external_memory(env, -drop, &ignored);
  g_reportedBytes -= drop;
  g_collectedUnreported = 0;
}

// The handle in a JS value, or false when it is not a BigInt at all.
bool handleOf(napi_env env, napi_value v, uint64_t* handle) {
  bool lossless;
  return napi_get_value_bigint_uint64(env, v, handle, &lossless) == napi_ok && lossless;
}

std::string typeName(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_bigint: return "a bigint";
    case napi_function: return "a function";
    default: return v.IsArray() ? "an array" : "an object";
  }
}

Napi::TypeError notATensor(const Napi::Value& v, const std::string& what) {
  return Napi::TypeError::New(v.Env(), "expected a Tensor" + what + ", got " + typeName(v));
}

Slot* slotArg(const Napi::CallbackInfo& info, size_t i) {
  uint64_t handle;
  if (i >= info.Length()) throw Napi::TypeError::New(info.Env(), "expected a Tensor, got undefined");
  if (!handleOf(info.Env(), info[i], &handle)) throw notATensor(info[i], "");
  Slot* s = g_table.find(handle);
  if (!s) throw Napi::Error::New(info.Env(), "tensor was disposed");
  return s;
}

void releaseSlot(Slot* s) {
  g_liveTensors--;
  g_liveBytes -= s->bytes;
  g_table.release(s);
}

}  // namespace

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  int64_t bytes = storageBytes(t);
  g_liveTensors++;
  g_liveBytes += bytes;
  reportPeak(env);
  return Napi::BigInt::New(env, g_table.acquire(std::move(t), bytes));
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

at::Tensor& tensorArg(const Napi::CallbackInfo& info, size_t i) { return slotArg(info, i)->tensor; }

bool isTensor(const Napi::CallbackInfo& info, size_t i) { return i < info.Length() && info[i].IsBigInt(); }

c10::optional<at::Tensor> optionalTensorArg(const Napi::CallbackInfo& info, size_t i) {
  if (isNullish(info, i)) return c10::nullopt;
  return tensorArg(info, i);
}

std::vector<at::Tensor> tensorListArg(const Napi::CallbackInfo& info, size_t i, bool allowNull) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "expected an array of tensors, got " + typeName(info[i]));
  auto arr = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr.Get(k);
    if (allowNull && (v.IsNull() || v.IsUndefined())) {
      out.emplace_back();
      continue;
    }
    uint64_t handle;
    if (!handleOf(info.Env(), v, &handle)) throw notATensor(v, " at index " + std::to_string(k) + " of the list");
    Slot* s = g_table.find(handle);
    if (!s) throw Napi::Error::New(info.Env(), "tensor at index " + std::to_string(k) + " of the list was disposed");
    out.push_back(s->tensor);
  }
  return out;
}

std::vector<int64_t> intListArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "expected an array of integers, got " + typeName(info[i]));
  auto arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr.Get(k);
    if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "expected an array of integers, got " + typeName(v) + " at position " + std::to_string(k));
    out[k] = v.As<Napi::Number>().Int64Value();
  }
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

// dispose(handle, collected?): frees the tensor now; collected is true when the garbage collector
// reclaimed it (src/torch's safety net). Idempotent: a handle already disposed (or not a handle) is
// ignored, so that safety net may fire for a tensor disposed long before.
DNAS_FN(dispose) {
  uint64_t handle;
  if (info.Length() > 0 && handleOf(info.Env(), info[0], &handle)) {
    if (Slot* s = g_table.find(handle)) {
      const int64_t bytes = s->bytes;
      releaseSlot(s);
      if (info.Length() > 1 && info[1].ToBoolean().Value()) reportCollected(info.Env(), bytes);
    }
  }
  return info.Env().Undefined();
}

DNAS_FN(isLive) {
  uint64_t handle;
  return Napi::Boolean::New(info.Env(), info.Length() > 0 && handleOf(info.Env(), info[0], &handle) && g_table.find(handle) != nullptr);
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
