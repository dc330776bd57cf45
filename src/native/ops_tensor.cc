// Tensor creation, elementwise math, reductions, shape and indexing ops, in-place updates.
// Elementwise and reduction ops are tables indexed by a small integer so the native surface stays
// short; the names are exported with the tables and src/torch maps them once at load time. The
// tables hold plain function pointers (captureless lambdas): no std::function indirection or
// function-local static guard on the hot path of a small op.
#include "handle.h"
#include <ATen/Parallel.h>

namespace dnas {
namespace {

using Unary = at::Tensor (*)(const at::Tensor&);
using Binary = at::Tensor (*)(const at::Tensor&, const at::Tensor&);
using BinaryScalar = at::Tensor (*)(const at::Tensor&, const at::Scalar&);

struct UnaryOp {
  const char* name;
  Unary fn;
};

const UnaryOp kUnary[] = {
    {"neg", [](const at::Tensor& x) { return x.neg(); }},
    {"abs", [](const at::Tensor& x) { return x.abs(); }},
    {"exp", [](const at::Tensor& x) { return x.exp(); }},
    {"log", [](const at::Tensor& x) { return x.log(); }},
    {"sqrt", [](const at::Tensor& x) { return x.sqrt(); }},
    {"rsqrt", [](const at::Tensor& x) { return x.rsqrt(); }},
    {"sign", [](const at::Tensor& x) { return x.sign(); }},
    {"relu", [](const at::Tensor& x) { return x.relu(); }},
    {"sigmoid", [](const at::Tensor& x) { return x.sigmoid(); }},
    {"tanh", [](const at::Tensor& x) { return x.tanh(); }},
    {"isfinite", [](const at::Tensor& x) { return x.isfinite(); }},
    {"isnan", [](const at::Tensor& x) { return x.isnan(); }},
    {"floor", [](const at::Tensor& x) { return x.floor(); }},
    {"ceil", [](const at::Tensor& x) { return x.ceil(); }},
    {"round", [](const at::Tensor& x) { return x.round(); }},
    {"reciprocal", [](const at::Tensor& x) { return x.reciprocal(); }},
    {"square", [](const at::Tensor& x) { return x.square(); }},
    {"sin", [](const at::Tensor& x) { return x.sin(); }},
    {"cos", [](const at::Tensor& x) { return x.cos(); }},
    {"log1p", [](const at::Tensor& x) { return x.log1p(); }},
    {"logicalNot", [](const at::Tensor& x) { return x.logical_not(); }},
    {"relu_", [](const at::Tensor& x) { return at::relu_(const_cast<at::Tensor&>(x)); }},
};

struct BinaryOp {
  const char* name;
  Binary tt;
  BinaryScalar ts;
};

const BinaryOp kBinary[] = {
    {"mul", [](const at::Tensor& a, const at::Tensor& b) { return a.mul(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.mul(b); }},
    {"div", [](const at::Tensor& a, const at::Tensor& b) { return a.div(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.div(b); }},
    {"pow", [](const at::Tensor& a, const at::Tensor& b) { return a.pow(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.pow(b); }},
    {"maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.clamp_min(b); }},
    {"minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.clamp_max(b); }},
    {"eq", [](const at::Tensor& a, const at::Tensor& b) { return a.eq(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.eq(b); }},
    {"ne", [](const at::Tensor& a, const at::Tensor& b) { return a.ne(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.ne(b); }},
    {"lt", [](const at::Tensor& a, const at::Tensor& b) { return a.lt(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.lt(b); }},
    {"le", [](const at::Tensor& a, const at::Tensor& b) { return a.le(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.le(b); }},
    {"gt", [](const at::Tensor& a, const at::Tensor& b) { return a.gt(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.gt(b); }},
    {"ge", [](const at::Tensor& a, const at::Tensor& b) { return a.ge(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.ge(b); }},
    {"logicalAnd", [](const at::Tensor& a, const at::Tensor& b) { return a.logical_and(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.logical_and(at::scalar_tensor(b, a.options())); }},
    {"logicalOr", [](const at::Tensor& a, const at::Tensor& b) { return a.logical_or(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.logical_or(at::scalar_tensor(b, a.options())); }},
    {"remainder", [](const at::Tensor& a, const at::Tensor& b) { return a.remainder(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.remainder(b); }},
    {"atan2", [](const at::Tensor& a, const at::Tensor& b) { return a.atan2(b); }, [](const at::Tensor& a, const at::Scalar& b) { return a.atan2(at::scalar_tensor(b, a.options())); }},
};

constexpr int64_t kUnaryCount = sizeof(kUnary) / sizeof(kUnary[0]);
constexpr int64_t kBinaryCount = sizeof(kBinary) / sizeof(kBinary[0]);

Napi::Array names(Napi::Env env, const std::vector<const char*>& ns) {
  auto arr = Napi::Array::New(env, ns.size());
  for (size_t k = 0; k < ns.size(); ++k) arr.Set(static_cast<uint32_t>(k), Napi::String::New(env, ns[k]));
  return arr;
}

}  // namespace

DNAS_FN(unary) {
  return guarded(info, [&]() -> Napi::Value {
    auto code = intArg(info, 0);
    if (code < 0 || code >= kUnaryCount) throw std::invalid_argument("unknown unary op");
    return wrap(info.Env(), kUnary[code].fn(tensorArg(info, 1)));
  });
}

// binary(code, a, b): b is a tensor handle or a number.
DNAS_FN(binary) {
  return guarded(info, [&]() -> Napi::Value {
    auto code = intArg(info, 0);
    if (code < 0 || code >= kBinaryCount) throw std::invalid_argument("unknown binary op");
    const auto& a = tensorArg(info, 1);
    if (isTensor(info, 2)) return wrap(info.Env(), kBinary[code].tt(a, tensorArg(info, 2)));
    return wrap(info.Env(), kBinary[code].ts(a, scalarArg(info, 2)));
  });
}

// add(a, b, alpha) and sub(a, b, alpha) with PyTorch's alpha multiplier on b.
DNAS_FN(add) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& a = tensorArg(info, 0);
    at::Scalar alpha = isNullish(info, 2) ? at::Scalar(1) : scalarArg(info, 2);
    if (isTensor(info, 1)) return wrap(info.Env(), at::add(a, tensorArg(info, 1), alpha));
    return wrap(info.Env(), at::add(a, scalarArg(info, 1), alpha));
  });
}

DNAS_FN(sub) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& a = tensorArg(info, 0);
    at::Scalar alpha = isNullish(info, 2) ? at::Scalar(1) : scalarArg(info, 2);
    if (isTensor(info, 1)) return wrap(info.Env(), at::sub(a, tensorArg(info, 1), alpha));
    return wrap(info.Env(), at::sub(a, scalarArg(info, 1), alpha));
  });
}

// rsub(a, scalar): scalar - a, so `1 - p` needs no temporary scalar tensor.
DNAS_FN(rsub) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::rsub(tensorArg(info, 0), scalarArg(info, 1))); });
}

DNAS_FN(clamp) {
  return guarded(info, [&]() -> Napi::Value {
    c10::optional<at::Scalar> lo, hi;
    if (!isNullish(info, 1)) lo = scalarArg(info, 1);
    if (!isNullish(info, 2)) hi = scalarArg(info, 2);
    return wrap(info.Env(), at::clamp(tensorArg(info, 0), lo, hi));
  });
}

DNAS_FN(where) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& c = tensorArg(info, 0);
    bool aIsTensor = isTensor(info, 1), bIsTensor = isTensor(info, 2);
    if (aIsTensor && bIsTensor) return wrap(info.Env(), at::where(c, tensorArg(info, 1), tensorArg(info, 2)));
    if (aIsTensor) return wrap(info.Env(), at::where(c, tensorArg(info, 1), scalarArg(info, 2)));
    if (bIsTensor) return wrap(info.Env(), at::where(c, scalarArg(info, 1), tensorArg(info, 2)));
    return wrap(info.Env(), at::where(c, scalarArg(info, 1), scalarArg(info, 2)));
  });
}

// ---- reductions ----------------------------------------------------------------------------
// reduce(code, x, dims|null, keepdim): sum, mean, amax, amin, logsumexp, prod(all only), all, any
DNAS_FN(reduce) {
  return guarded(info, [&]() -> Napi::Value {
    auto code = intArg(info, 0);
    const auto& x = tensorArg(info, 1);
    auto dims = optionalIntListArg(info, 2);
    bool keep = boolArg(info, 3);
    std::vector<int64_t> all;
    if (!dims) { for (int64_t d = 0; d < x.dim(); ++d) all.push_back(d); }
    at::IntArrayRef ds = dims ? at::IntArrayRef(*dims) : at::IntArrayRef(all);
    switch (code) {
      case 0: return wrap(info.Env(), dims ? at::sum(x, ds, keep) : (keep ? at::sum(x, ds, true) : at::sum(x)));
      case 1: return wrap(info.Env(), dims ? at::mean(x, ds, keep) : (keep ? at::mean(x, ds, true) : at::mean(x)));
      case 2: return wrap(info.Env(), at::amax(x, ds, keep));
      case 3: return wrap(info.Env(), at::amin(x, ds, keep));
      case 4: return wrap(info.Env(), at::logsumexp(x, ds, keep));
      case 5: {
        at::Tensor r = x;
        for (auto it = ds.rbegin(); it != ds.rend(); ++it) r = at::prod(r, *it, keep);
        return wrap(info.Env(), r);
      }
      case 6: {
        at::Tensor r = x;
        for (auto it = ds.rbegin(); it != ds.rend(); ++it) r = at::all(r, *it, keep);
        return wrap(info.Env(), r);
      }
      case 7: {
        at::Tensor r = x;
        for (auto it = ds.rbegin(); it != ds.rend(); ++it) r = at::any(r, *it, keep);
        return wrap(info.Env(), r);
      }
    }
    throw std::invalid_argument("unknown reduction");
  });
}

DNAS_FN(reductionNames) {
  return names(info.Env(), {"sum", "mean", "amax", "amin", "logsumexp", "prod", "all", "any"});
}

// varStd(isStd, x, dims|null, correction, keepdim)
DNAS_FN(varStd) {
  return guarded(info, [&]() -> Napi::Value {
    bool isStd = boolArg(info, 0);
    const auto& x = tensorArg(info, 1);
    auto dims = optionalIntListArg(info, 2);
    c10::optional<int64_t> correction = intArg(info, 3);
    bool keep = boolArg(info, 4);
    at::OptionalIntArrayRef ds = dims ? at::OptionalIntArrayRef(*dims) : c10::nullopt;
    return wrap(info.Env(), isStd ? at::std(x, ds, correction, keep) : at::var(x, ds, correction, keep));
  });
}

// norm(x, p, dims|null, keepdim)
DNAS_FN(norm) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& x = tensorArg(info, 0);
    at::Scalar p = doubleArg(info, 1);
    auto dims = optionalIntListArg(info, 2);
    if (!dims) return wrap(info.Env(), boolArg(info, 3) ? at::norm(x, p, at::IntArrayRef(std::vector<int64_t>()), true) : at::norm(x, p));
    return wrap(info.Env(), at::norm(x, p, *dims, boolArg(info, 3)));
  });
}

// maxMin(isMax, x, dim, keepdim) -> [values, indices]
DNAS_FN(maxMinDim) {
  return guarded(info, [&]() -> Napi::Value {
    bool isMax = boolArg(info, 0);
    auto r = isMax ? at::max(tensorArg(info, 1), intArg(info, 2), boolArg(info, 3)) : at::min(tensorArg(info, 1), intArg(info, 2), boolArg(info, 3));
    return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
  });
}

// argMaxMin(isMax, x, dim|null, keepdim)
DNAS_FN(argMaxMin) {
  return guarded(info, [&]() -> Napi::Value {
    bool isMax = boolArg(info, 0);
    c10::optional<int64_t> dim;
    if (!isNullish(info, 2)) dim = intArg(info, 2);
    const auto& x = tensorArg(info, 1);
    return wrap(info.Env(), isMax ? at::argmax(x, dim, boolArg(info, 3)) : at::argmin(x, dim, boolArg(info, 3)));
  });
}

DNAS_FN(softmax) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::softmax(tensorArg(info, 0), intArg(info, 1))); });
}

DNAS_FN(logSoftmax) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::log_softmax(tensorArg(info, 0), intArg(info, 1))); });
}

// ---- creation ------------------------------------------------------------------------------
// full(shape, value|null (empty), dtype, device)
DNAS_FN(full) {
  return guarded(info, [&]() -> Napi::Value {
    auto shape = intListArg(info, 0);
    auto opts = optionsArg(info, 2, 3);
    if (isNullish(info, 1)) return wrap(info.Env(), at::empty(shape, opts));
    return wrap(info.Env(), at::full(shape, scalarArg(info, 1), opts));
  });
}

DNAS_FN(arange) {
  return guarded(info, [&]() -> Napi::Value {
    return wrap(info.Env(), at::arange(scalarArg(info, 0), scalarArg(info, 1), scalarArg(info, 2), optionsArg(info, 3, 4)));
  });
}

DNAS_FN(linspace) {
  return guarded(info, [&]() -> Napi::Value {
    return wrap(info.Env(), at::linspace(scalarArg(info, 0), scalarArg(info, 1), intArg(info, 2), optionsArg(info, 3, 4)));
  });
}

DNAS_FN(eye) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::eye(intArg(info, 0), intArg(info, 1), optionsArg(info, 2, 3))); });
}

// random(kind, shape, a, b, dtype, device): 0 rand U[0,1), 1 randn, 2 randint [a, b)
DNAS_FN(random) {
  return guarded(info, [&]() -> Napi::Value {
    auto kind = intArg(info, 0);
    auto shape = intListArg(info, 1);
    if (kind == 2) {
      auto opts = isNullish(info, 4) ? optionsArg(info, 4, 5).dtype(at::kLong) : optionsArg(info, 4, 5);
      return wrap(info.Env(), at::randint(intArg(info, 2), intArg(info, 3), shape, opts));
    }
    auto opts = optionsArg(info, 4, 5);
    return wrap(info.Env(), kind == 0 ? at::rand(shape, opts) : at::randn(shape, opts));
  });
}

DNAS_FN(randperm) {
  return guarded(info, [&]() -> Napi::Value {
    auto opts = isNullish(info, 1) ? optionsArg(info, 1, 2).dtype(at::kLong) : optionsArg(info, 1, 2);
    return wrap(info.Env(), at::randperm(intArg(info, 0), opts));
  });
}

DNAS_FN(bernoulli) {
  return guarded(info, [&]() -> Napi::Value {
    if (info[1].IsNumber()) return wrap(info.Env(), at::bernoulli(tensorArg(info, 0), doubleArg(info, 1)));
    return wrap(info.Env(), at::bernoulli(tensorArg(info, 0)));
  });
}

DNAS_FN(multinomial) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::multinomial(tensorArg(info, 0), intArg(info, 1), boolArg(info, 2))); });
}

// to(x, dtype|null, device|null, copy)
DNAS_FN(to) {
  return guarded(info, [&]() -> Napi::Value {
    at::Tensor x = tensorArg(info, 0);
    bool copy = boolArg(info, 3);
    at::ScalarType dt = isNullish(info, 1) ? x.scalar_type() : dtypeFromCode(intArg(info, 1));
    c10::Device dev = isNullish(info, 2) ? x.device() : c10::Device(stringArg(info, 2));
    return wrap(info.Env(), x.to(dev, dt, false, copy));
  });
}

// contiguous(x, format): 0 contiguous, 1 channels-last
DNAS_FN(contiguous) {
  return guarded(info, [&]() -> Napi::Value {
    auto fmt = intArg(info, 1) == 1 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    return wrap(info.Env(), tensorArg(info, 0).contiguous(fmt));
  });
}

// clone(x, format): -1 preserve, 0 contiguous, 1 channels-last
DNAS_FN(clone) {
  return guarded(info, [&]() -> Napi::Value {
    auto f = isNullish(info, 1) ? -1 : intArg(info, 1);
    auto fmt = f == 1 ? at::MemoryFormat::ChannelsLast : f == 0 ? at::MemoryFormat::Contiguous : at::MemoryFormat::Preserve;
    return wrap(info.Env(), tensorArg(info, 0).clone(fmt));
  });
}

DNAS_FN(detach) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).detach()); });
}

// ---- shape ---------------------------------------------------------------------------------
DNAS_FN(view) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).view(intListArg(info, 1))); });
}
DNAS_FN(reshape) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).reshape(intListArg(info, 1))); });
}
DNAS_FN(permute) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).permute(intListArg(info, 1))); });
}
DNAS_FN(transpose) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).transpose(intArg(info, 1), intArg(info, 2))); });
}
DNAS_FN(flatten) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).flatten(intArg(info, 1), intArg(info, 2))); });
}
DNAS_FN(squeeze) {
  return guarded(info, [&]() -> Napi::Value {
    if (isNullish(info, 1)) return wrap(info.Env(), tensorArg(info, 0).squeeze());
    return wrap(info.Env(), tensorArg(info, 0).squeeze(intArg(info, 1)));
  });
}
DNAS_FN(unsqueeze) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).unsqueeze(intArg(info, 1))); });
}
DNAS_FN(expand) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).expand(intListArg(info, 1))); });
}
DNAS_FN(repeat) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).repeat(intListArg(info, 1))); });
}
DNAS_FN(stack) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::stack(tensorListArg(info, 0), intArg(info, 1))); });
}
DNAS_FN(narrow) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).narrow(intArg(info, 1), intArg(info, 2), intArg(info, 3))); });
}
// slice(x, dim, start, end, step)
DNAS_FN(slice) {
  return guarded(info, [&]() -> Napi::Value {
    c10::optional<int64_t> start, end;
    if (!isNullish(info, 2)) start = intArg(info, 2);
    if (!isNullish(info, 3)) end = intArg(info, 3);
    return wrap(info.Env(), tensorArg(info, 0).slice(intArg(info, 1), start, end, intArg(info, 4)));
  });
}
DNAS_FN(select) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).select(intArg(info, 1), intArg(info, 2))); });
}
DNAS_FN(indexSelect) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).index_select(intArg(info, 1), tensorArg(info, 2))); });
}
DNAS_FN(gather) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).gather(intArg(info, 1), tensorArg(info, 2))); });
}
// scatter(x, dim, index, src|value)
DNAS_FN(scatter) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& x = tensorArg(info, 0);
    if (isTensor(info, 3)) return wrap(info.Env(), x.scatter(intArg(info, 1), tensorArg(info, 2), tensorArg(info, 3)));
    return wrap(info.Env(), x.scatter(intArg(info, 1), tensorArg(info, 2), scalarArg(info, 3)));
  });
}
DNAS_FN(maskedFill) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).masked_fill(tensorArg(info, 1), scalarArg(info, 2))); });
}
DNAS_FN(flip) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), tensorArg(info, 0).flip(intListArg(info, 1))); });
}
// topk(x, k, dim, largest, sorted) -> [values, indices]
DNAS_FN(topk) {
  return guarded(info, [&]() -> Napi::Value {
    auto r = at::topk(tensorArg(info, 0), intArg(info, 1), intArg(info, 2), boolArg(info, 3), boolArg(info, 4));
    return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
  });
}
// sort(x, dim, descending, stable) -> [values, indices]
DNAS_FN(sort) {
  return guarded(info, [&]() -> Napi::Value {
    auto r = at::sort(tensorArg(info, 0), boolArg(info, 3), intArg(info, 1), boolArg(info, 2));
    return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
  });
}
DNAS_FN(oneHot) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::one_hot(tensorArg(info, 0), intArg(info, 1))); });
}
// pad(x, pads, mode, value)
DNAS_FN(pad) {
  return guarded(info, [&]() -> Napi::Value {
    auto mode = stringArg(info, 2);
    c10::optional<double> value;
    if (!isNullish(info, 3)) value = doubleArg(info, 3);
    return wrap(info.Env(), at::pad(tensorArg(info, 0), intListArg(info, 1), mode, value));
  });
}

// ---- in place (optimizers, initialisation) -------------------------------------------------
// inplace(code, x, args...) — one entry keeps the table short, and a code rather than a name keeps
// an optimizer's per-parameter updates free of string conversions; libtorch itself refuses
// in-place writes to a leaf that requires grad while grad mode is on.
namespace {
const char* const kInplace[] = {"add_", "sub_", "mul_", "div_", "addcmul_", "addcdiv_", "copy_", "zero_", "fill_", "clamp_",
                                "normal_", "uniform_", "sqrt_", "maximum_", "lerp_", "bernoulli_", "exponential_", "requiresGrad_"};
}  // namespace

DNAS_FN(inplace) {
  return guarded(info, [&]() -> Napi::Value {
    auto code = intArg(info, 0);
    at::Tensor& x = tensorArg(info, 1);
    auto other = [&](size_t i) -> bool { return isTensor(info, i); };
    auto alpha = [&](size_t i) { return isNullish(info, i) ? at::Scalar(1) : scalarArg(info, i); };
    switch (code) {
      case 0: if (other(2)) x.add_(tensorArg(info, 2), alpha(3)); else x.add_(scalarArg(info, 2), alpha(3)); break;
      case 1: if (other(2)) x.sub_(tensorArg(info, 2), alpha(3)); else x.sub_(scalarArg(info, 2), alpha(3)); break;
      case 2: if (other(2)) x.mul_(tensorArg(info, 2)); else x.mul_(scalarArg(info, 2)); break;
      case 3: if (other(2)) x.div_(tensorArg(info, 2)); else x.div_(scalarArg(info, 2)); break;
      case 4: x.addcmul_(tensorArg(info, 2), tensorArg(info, 3), scalarArg(info, 4)); break;
      case 5: x.addcdiv_(tensorArg(info, 2), tensorArg(info, 3), scalarArg(info, 4)); break;
      case 6: x.copy_(tensorArg(info, 2)); break;
      case 7: x.zero_(); break;
      case 8: x.fill_(scalarArg(info, 2)); break;
      case 9: {
        c10::optional<at::Scalar> lo, hi;
        if (!isNullish(info, 2)) lo = scalarArg(info, 2);
        if (!isNullish(info, 3)) hi = scalarArg(info, 3);
        x.clamp_(lo, hi);
        break;
      }
      case 10: x.normal_(doubleArg(info, 2), doubleArg(info, 3)); break;
      case 11: x.uniform_(doubleArg(info, 2), doubleArg(info, 3)); break;
      case 12: x.sqrt_(); break;
      case 13: at::maximum_out(x, x, tensorArg(info, 2)); break;
      case 14: x.lerp_(tensorArg(info, 2), scalarArg(info, 3)); break;
      case 15: x.bernoulli_(doubleArg(info, 2)); break;
      case 16: x.exponential_(doubleArg(info, 2)); break;
      case 17: x.requires_grad_(boolArg(info, 2)); break;
      default: throw std::invalid_argument("unknown in-place op");
    }
    return info.Env().Undefined();
  });
}

DNAS_FN(inplaceNames) {
  return names(info.Env(), std::vector<const char*>(std::begin(kInplace), std::end(kInplace)));
}

DNAS_FN(unaryNames) {
  std::vector<const char*> ns;
  for (const auto& e : kUnary) ns.push_back(e.name);
  return names(info.Env(), ns);
}

DNAS_FN(binaryNames) {
  std::vector<const char*> ns;
  for (const auto& e : kBinary) ns.push_back(e.name);
  return names(info.Env(), ns);
}

// ---- rng and threads -----------------------------------------------------------------------
DNAS_FN(getRngState) {
  return guarded(info, [&]() -> Napi::Value {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return wrap(info.Env(), gen.get_state());
  });
}

DNAS_FN(setRngState) {
  return guarded(info, [&]() -> Napi::Value {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(tensorArg(info, 0));
    return info.Env().Undefined();
  });
}

DNAS_FN(setNumThreads) {
  return guarded(info, [&]() -> Napi::Value { at::set_num_threads(static_cast<int>(intArg(info, 0))); return info.Env().Undefined(); });
}

DNAS_FN(getNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

void registerTensorOps(Napi::Env env, Napi::Object exports) {
  DNAS_EXPORT(unary); DNAS_EXPORT(binary); DNAS_EXPORT(add); DNAS_EXPORT(sub); DNAS_EXPORT(rsub);
  DNAS_EXPORT(clamp); DNAS_EXPORT(where);
  DNAS_EXPORT(reduce); DNAS_EXPORT(reductionNames); DNAS_EXPORT(varStd); DNAS_EXPORT(norm);
  DNAS_EXPORT(maxMinDim); DNAS_EXPORT(argMaxMin); DNAS_EXPORT(softmax); DNAS_EXPORT(logSoftmax);
  DNAS_EXPORT(full); DNAS_EXPORT(arange); DNAS_EXPORT(linspace); DNAS_EXPORT(eye); DNAS_EXPORT(random);
  DNAS_EXPORT(randperm); DNAS_EXPORT(bernoulli); DNAS_EXPORT(multinomial);
  DNAS_EXPORT(to); DNAS_EXPORT(contiguous); DNAS_EXPORT(clone); DNAS_EXPORT(detach);
  DNAS_EXPORT(view); DNAS_EXPORT(reshape); DNAS_EXPORT(permute); DNAS_EXPORT(transpose); DNAS_EXPORT(flatten);
  DNAS_EXPORT(squeeze); DNAS_EXPORT(unsqueeze); DNAS_EXPORT(expand); DNAS_EXPORT(repeat);
  DNAS_EXPORT(stack); DNAS_EXPORT(narrow); DNAS_EXPORT(slice); DNAS_EXPORT(select); DNAS_EXPORT(indexSelect);
  DNAS_EXPORT(gather); DNAS_EXPORT(scatter); DNAS_EXPORT(maskedFill); DNAS_EXPORT(flip); DNAS_EXPORT(topk);
  DNAS_EXPORT(sort); DNAS_EXPORT(oneHot); DNAS_EXPORT(pad);
  DNAS_EXPORT(inplace); DNAS_EXPORT(inplaceNames); DNAS_EXPORT(unaryNames); DNAS_EXPORT(binaryNames);
  DNAS_EXPORT(getRngState); DNAS_EXPORT(setRngState);
  DNAS_EXPORT(setNumThreads); DNAS_EXPORT(getNumThreads);
}

}  // namespace dnas
