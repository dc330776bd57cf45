// Training-mode batch normalisation on CPU with our own forward and backward kernels.
//
// Why: libtorch 1.13's CPU batch norm in channels-last is slow and imprecise where it matters
// most to DARTS networks. Measured with Debian's python3-torch, 2 threads, 32×36×32×32
// channels-last: forward 3.8 ms and backward 5.9 ms, where a ReLU over the same tensor takes
// 0.18 ms (the contiguous kernel: 1.0 / 1.0 ms). In a DARTS_V2 training step (C=36, batch 32)
// batch norm was 42 % of all op time. Its float32 statistics also drift 10–30× more than the
// contiguous kernel's (issue 12).
//
// The kernels here make two passes over the input in the forward (per-channel sums, then the
// affine map) and two over the input and output gradient in the backward, accumulating in double
// in a fixed order: the result depends on the shape only, not on the thread count or the CPU's
// vector width. Channels-last and contiguous layouts each get a loop that runs along memory.
//
// Higher order: under create_graph the backward calls libtorch's native_batch_norm_backward,
// whose own derivative libtorch defines, so a Hessian-vector product can differentiate through it.
#pragma GCC optimize("O3")
#include "handle.h"
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cstdlib>

namespace dnas {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// A tensor seen as [N][C][S] (contiguous: S = spatial size) or as rows of C (channels-last,
// R = N·H·W rows). M = N·S values per channel either way.
struct Layout {
  bool channelsLast;
  int64_t N, C, S;
  int64_t perChannel() const { return N * S; }
};

// Chunks a channels-last reduction is split into: a function of the shape alone, so that the
// summation order (and so every bit of the result) does not depend on the thread count.
int64_t chunkCount(int64_t rows, int64_t channels) {
  const int64_t byWork = rows * channels / 16384;
  return std::max<int64_t>(1, std::min<int64_t>({rows, int64_t{64}, byWork}));
}

// s1[c] = Σ (p − kp[c]), s2[c] = Σ (p − kp[c])·(q − kq[c]) over the values of channel c.
// Forward: p = q = x, kp = kq = a shift (one value of the channel), giving mean and variance
// without the cancellation of Σx² − (Σx)²/M. Backward: p = dy, kp = 0, q = x, kq = mean.
//
// With a ReLU fused after the normalisation, p is the gradient of the ReLU's output and m that
// output: p counts where m > 0 and as 0 elsewhere, which is what ReLU's own backward
// (threshold_backward) hands on, so the sums equal those of the two ops bit for bit.
//
// Float inputs are summed in float over blocks of kBlock rows, and the blocks in double: the
// float partial sums hold at most kBlock terms (relative error ~kBlock·2⁻²⁴), and float lanes are
// twice as wide as double ones. Measured on one core, 96×36×32×32: 1.1 ms against 1.6 ms for
// double throughout. Double inputs stay in double.
constexpr int64_t kBlock = 16;
constexpr int64_t kMaxBlockChannels = 512;

template <typename T>
static inline T reluGradient(T g, T out) {
  return out <= T(0) ? T(0) : g;  // NaN outputs pass the gradient on, as threshold_backward does
}

template <typename T>
__attribute__((target_clones("avx2", "default"))) static void sumsRowsChannelsLast(const T* __restrict p, const T* __restrict m,
                                                                                    const T* __restrict kp, const T* __restrict q,
                                                                                    const T* __restrict kq, double* __restrict s1,
                                                                                    double* __restrict s2, int64_t rowBegin, int64_t rowEnd,
                                                                                    int64_t C, const T* __restrict pdiv, int64_t rowsPerSample) {
  for (int64_t c0 = 0; c0 < C; c0 += kMaxBlockChannels) {
    const int64_t cn = std::min(C - c0, kMaxBlockChannels);
    T b1[kMaxBlockChannels], b2[kMaxBlockChannels];  // float blocks for float, double for double
    for (int64_t r = rowBegin; r < rowEnd;) {
      const int64_t blockEnd = std::min(rowEnd, r + kBlock);
      for (int64_t c = 0; c < cn; c++) b1[c] = b2[c] = 0;
      for (; r < blockEnd; r++) {
        const T* __restrict pr = p + r * C + c0;
        const T* __restrict qr = q + r * C + c0;
        if (m) {
          const T* __restrict mr = m + r * C + c0;
          for (int64_t c = 0; c < cn; c++) {
            const T a = reluGradient(pr[c], mr[c]) - kp[c0 + c];
            b1[c] += a;
            b2[c] += a * (qr[c] - kq[c0 + c]);
          }
        } else if (pdiv) {
          const T dv = pdiv[r / rowsPerSample];
          for (int64_t c = 0; c < cn; c++) {
            const T a = pr[c] / dv - kp[c0 + c];
            b1[c] += a;
            b2[c] += a * (qr[c] - kq[c0 + c]);
          }
        } else {
          for (int64_t c = 0; c < cn; c++) {
            const T a = pr[c] - kp[c0 + c];
            b1[c] += a;
            b2[c] += a * (qr[c] - kq[c0 + c]);
          }
        }
      }
      for (int64_t c = 0; c < cn; c++) {
        s1[c0 + c] += static_cast<double>(b1[c]);
        s2[c0 + c] += static_cast<double>(b2[c]);
      }
    }
  }
}

// The same sums over one contiguous plane of one channel, in 8 lanes so that the loop vectorises
// without reordering additions the code does not spell out; each lane sums kBlock values in T
// before they join the double totals.
template <typename T>
__attribute__((target_clones("avx2", "default"))) static void sumsPlane(const T* __restrict p, const T* __restrict m, T kp,
                                                                         const T* __restrict q, T kq, int64_t S, double* s1, double* s2) {
  constexpr int64_t L = 8;
  double d1[L] = {}, d2[L] = {};
  int64_t i = 0;
  for (; i + L * kBlock <= S; i += L * kBlock) {
    T a1[L] = {}, a2[L] = {};
    for (int64_t k = 0; k < kBlock; k++) {
      for (int64_t l = 0; l < L; l++) {
        const int64_t j = i + k * L + l;
        const T a = (m ? reluGradient(p[j], m[j]) : p[j]) - kp;
        a1[l] += a;
        a2[l] += a * (q[j] - kq);
      }
    }
    for (int64_t l = 0; l < L; l++) {
      d1[l] += static_cast<double>(a1[l]);
      d2[l] += static_cast<double>(a2[l]);
    }
  }
  for (int64_t l = 0; i < S; i++, l = (l + 1) % L) {
    const T a = (m ? reluGradient(p[i], m[i]) : p[i]) - kp;
    d1[l] += static_cast<double>(a);
    d2[l] += static_cast<double>(a * (q[i] - kq));
  }
  for (int64_t l = 0; l < L; l++) {
    *s1 += d1[l];
    *s2 += d2[l];
  }
}

// pdiv (channels-last only): p counts as p / pdiv[n] in sample n (a drop-path node's gradient, see NodeTerms).
template <typename T>
void channelSums(const Layout& L, const T* p, const T* m, const std::vector<double>& kpD, const T* q, const std::vector<double>& kqD, double* s1,
                 double* s2, const T* pdiv = nullptr) {
  TORCH_CHECK(!pdiv || L.channelsLast, "batchNorm: a per-sample divisor needs a channels-last input");
  const int64_t C = L.C;
  const std::vector<T> kpV(kpD.begin(), kpD.end()), kqV(kqD.begin(), kqD.end());
  const T* kp = kpV.data();
  const T* kq = kqV.data();
  std::fill(s1, s1 + C, 0.0);
  std::fill(s2, s2 + C, 0.0);
  if (L.channelsLast) {
    const int64_t rows = L.N * L.S;
    const int64_t K = chunkCount(rows, C);
    std::vector<double> partial(static_cast<size_t>(2 * K * C), 0.0);
    at::parallel_for(0, K, 1, [&](int64_t kBegin, int64_t kEnd) {
      for (int64_t k = kBegin; k < kEnd; k++) {
        const int64_t r0 = rows * k / K, r1 = rows * (k + 1) / K;
        sumsRowsChannelsLast<T>(p, m, kp, q, kq, &partial[(2 * k) * C], &partial[(2 * k + 1) * C], r0, r1, C, pdiv, L.S);
      }
    });
    for (int64_t k = 0; k < K; k++) {
      for (int64_t c = 0; c < C; c++) {
        s1[c] += partial[(2 * k) * C + c];
        s2[c] += partial[(2 * k + 1) * C + c];
      }
    }
  } else {
    at::parallel_for(0, C, 1, [&](int64_t cBegin, int64_t cEnd) {
      for (int64_t c = cBegin; c < cEnd; c++) {
        for (int64_t n = 0; n < L.N; n++) {
          const int64_t offset = (n * C + c) * L.S;
          sumsPlane<T>(p + offset, m ? m + offset : nullptr, kp[c], q + offset, kq[c], L.S, &s1[c], &s2[c]);
        }
      }
    });
  }
}

// out = a[c]·p + b[c]·q + d[c] (q may be null: then out = a[c]·p + d[c]). With a mask m, p counts
// as reluGradient(p, m) (the backward of a fused ReLU); with relu, negative results become 0 (a
// fused ReLU's forward, NaN kept as clamp_min keeps it).
template <typename T>
static inline T relu(T v) {
  return v < T(0) ? T(0) : v;
}

template <typename T>
__attribute__((target_clones("avx2", "default"))) static void affineRows(const T* __restrict p, const T* __restrict m, const T* __restrict q,
                                                                          T* __restrict out, const T* __restrict a, const T* __restrict b,
                                                                          const T* __restrict d, bool withReLU, int64_t rowBegin, int64_t rowEnd,
                                                                          int64_t C, const T* __restrict pdiv, int64_t rowsPerSample) {
  for (int64_t r = rowBegin; r < rowEnd; r++) {
    const T* __restrict pr = p + r * C;
    T* __restrict o = out + r * C;
    if (pdiv && q) {
      const T* __restrict qr = q + r * C;
      const T dv = pdiv[r / rowsPerSample];
      for (int64_t c = 0; c < C; c++) o[c] = a[c] * (pr[c] / dv) + b[c] * qr[c] + d[c];
    } else if (m) {
      const T* __restrict mr = m + r * C;
      const T* __restrict qr = q + r * C;
      for (int64_t c = 0; c < C; c++) o[c] = a[c] * reluGradient(pr[c], mr[c]) + b[c] * qr[c] + d[c];
    } else if (q) {
      const T* __restrict qr = q + r * C;
      for (int64_t c = 0; c < C; c++) o[c] = a[c] * pr[c] + b[c] * qr[c] + d[c];
    } else if (withReLU) {
      for (int64_t c = 0; c < C; c++) o[c] = relu(a[c] * pr[c] + d[c]);
    } else {
      for (int64_t c = 0; c < C; c++) o[c] = a[c] * pr[c] + d[c];
    }
  }
}

template <typename T>
__attribute__((target_clones("avx2", "default"))) static void affinePlane(const T* __restrict p, const T* __restrict m, const T* __restrict q,
                                                                           T* __restrict out, T a, T b, T d, bool withReLU, int64_t S) {
  if (m) {
    for (int64_t i = 0; i < S; i++) out[i] = a * reluGradient(p[i], m[i]) + b * q[i] + d;
  } else if (q) {
    for (int64_t i = 0; i < S; i++) out[i] = a * p[i] + b * q[i] + d;
  } else if (withReLU) {
    for (int64_t i = 0; i < S; i++) out[i] = relu(a * p[i] + d);
  } else {
    for (int64_t i = 0; i < S; i++) out[i] = a * p[i] + d;
  }
}

// The masked form needs q (the backward always passes one).
template <typename T>
void channelAffine(const Layout& L, const T* p, const T* m, const T* q, T* out, const std::vector<T>& a, const std::vector<T>& b,
                   const std::vector<T>& d, bool withReLU = false, const T* pdiv = nullptr) {
  TORCH_CHECK(!pdiv || (L.channelsLast && q && !m), "batchNorm: a per-sample divisor needs a channels-last input");
  const int64_t C = L.C;
  if (L.channelsLast) {
    const int64_t rows = L.N * L.S;
    const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(C, 1));
    at::parallel_for(0, rows, grain,
                     [&](int64_t r0, int64_t r1) { affineRows<T>(p, m, q, out, a.data(), b.data(), d.data(), withReLU, r0, r1, C, pdiv, L.S); });
  } else {
    const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(L.S, 1));
    at::parallel_for(0, L.N * C, grain, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; i++) {
        const int64_t c = i % C;
        const int64_t o = i * L.S;
        affinePlane<T>(p + o, m ? m + o : nullptr, q ? q + o : nullptr, out + o, a[c], b[c], d[c], withReLU, L.S);
      }
    });
  }
}

// A trained DARTS cell's node with drop path, folded into the batch norm ending one of its ops:
// out = BN(x) / divisor[n] + addend, where divisor holds the op's per-sample drop-path divisor
// (nn.dropPath) and addend is the node's other term (an identity op's input, or the other op's
// output already divided by its own divisor). Each term is rounded as nn.dropPathSum rounds it, so
// the result is the unfolded node's bit for bit, without writing BN(x) out and reading it back; the
// backward divides the incoming gradient where it reads it instead of in a pass of its own.
struct NodeTerms {
  at::Tensor divisor, addend;  // each may be empty (absent)
};

template <typename T>
__attribute__((target_clones("avx2", "default"))) static void nodeRows(const T* __restrict x, T* __restrict out, const T* __restrict a,
                                                                        const T* __restrict d, const T* __restrict div,
                                                                        const T* __restrict addend, int64_t rowBegin, int64_t rowEnd, int64_t C,
                                                                        int64_t rowsPerSample) {
  for (int64_t r = rowBegin; r < rowEnd; r++) {
    const T* __restrict xr = x + r * C;
    T* __restrict o = out + r * C;
    const T dv = div ? div[r / rowsPerSample] : T(1);
    if (div && addend) {
      const T* __restrict ar = addend + r * C;
      for (int64_t c = 0; c < C; c++) {
        const T y = a[c] * xr[c] + d[c];
        o[c] = ar[c] + y / dv;
      }
    } else if (div) {
      for (int64_t c = 0; c < C; c++) {
        const T y = a[c] * xr[c] + d[c];
        o[c] = y / dv;
      }
    } else {
      const T* __restrict ar = addend + r * C;
      for (int64_t c = 0; c < C; c++) {
        const T y = a[c] * xr[c] + d[c];
        o[c] = ar[c] + y;
      }
    }
  }
}

// Absent per-channel tensors are empty ones: libtorch's custom functions take only defined tensors.
bool present(const at::Tensor& t) { return t.defined() && t.numel() > 0; }

std::vector<double> channelValues(const at::Tensor& t, int64_t C, double fallback) {
  std::vector<double> v(static_cast<size_t>(C), fallback);
  if (!present(t)) return v;
  const at::Tensor d = t.detach().to(at::kDouble).contiguous();
  std::copy(d.data_ptr<double>(), d.data_ptr<double>() + C, v.begin());
  return v;
}

// The layout our kernels handle, or nullopt where libtorch's batch norm should run instead.
c10::optional<Layout> supportedLayout(const at::Tensor& x) {
  if (!x.device().is_cpu() || (x.scalar_type() != at::kFloat && x.scalar_type() != at::kDouble) || x.dim() < 2) return c10::nullopt;
  const int64_t N = x.size(0), C = x.size(1);
  const int64_t S = x.numel() / std::max<int64_t>(N * C, 1);
  if (N * S <= 1 || C == 0) return c10::nullopt;
  if (x.dim() == 4 && !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast)) return Layout{true, N, C, S};
  return Layout{false, N, C, S};
}

at::Tensor inLayout(const at::Tensor& t, const Layout& L) {
  return L.channelsLast ? t.contiguous(at::MemoryFormat::ChannelsLast) : t.contiguous();
}

// The batch-normalised input (and the input in the layout the kernels read), with each channel's
// mean and 1/σ; the running statistics are updated in place when given.
struct TrainingForward {
  at::Tensor out, x;
  std::vector<double> mean, invstd;
};

// Running statistics travel outside the autograd inputs: they are buffers, updated in place.
struct RunningStats {
  at::Tensor mean, var;
};

// Each channel's mean, variance and 1/σ from the shifted sums s1 = Σ(x − shift), s2 = Σ(x − shift)²
// over M values, and the affine map out = scale·x + offset they give with the weight and bias.
template <typename T>
struct ChannelStatistics {
  std::vector<double> mean, var, invstd;
  std::vector<T> scale, offset;
  ChannelStatistics(const std::vector<double>& shift, const std::vector<double>& s1, const std::vector<double>& s2, double M, double eps,
                    const std::vector<double>& w, const std::vector<double>& b)
      : mean(shift.size()), var(shift.size()), invstd(shift.size()), scale(shift.size()), offset(shift.size()) {
    for (size_t c = 0; c < shift.size(); c++) {
      const double d = s1[c] / M;
      mean[c] = shift[c] + d;
      var[c] = std::max(0.0, s2[c] / M - d * d);
      invstd[c] = 1.0 / std::sqrt(var[c] + eps);
      scale[c] = static_cast<T>(w[c] * invstd[c]);
      offset[c] = static_cast<T>(b[c] - mean[c] * w[c] * invstd[c]);
    }
  }
};

// running ← (1 − momentum)·running + momentum·batch value, for channels [from, from + running.numel()):
// the mean, and the variance made unbiased (·M/(M − 1)).
void updateRunningStats(const RunningStats& running, const std::vector<double>& mean, const std::vector<double>& var, int64_t from, double M,
                        double momentum) {
  const auto doubles = at::TensorOptions().dtype(at::kDouble);
  for (const at::Tensor& t : {running.mean, running.var})
    TORCH_CHECK(!t.defined() || from + t.numel() <= static_cast<int64_t>(mean.size()), "batchNorm: running statistics have ", t.numel(),
                " values but the input has ", static_cast<int64_t>(mean.size()) - from, " channels");
  if (running.mean.defined()) {
    const std::vector<double> m(mean.begin() + from, mean.begin() + from + running.mean.numel());
    running.mean.mul_(1 - momentum).add_(at::tensor(m, doubles).to(running.mean.scalar_type()), momentum);
  }
  if (running.var.defined()) {
    std::vector<double> unbiased(var.begin() + from, var.begin() + from + running.var.numel());
    for (double& v : unbiased) v *= M / (M - 1);
    running.var.mul_(1 - momentum).add_(at::tensor(unbiased, doubles).to(running.var.scalar_type()), momentum);
  }
}

// The weight's and bias's gradients, Σ dy·x̂ and Σ dy per channel, into grads[1] and grads[2].
void parameterGradients(torch::autograd::variable_list& grads, const std::vector<double>& sumG, const std::vector<double>& sumGX,
                        const std::vector<double>& invstd, at::ScalarType weightType, at::ScalarType biasType, bool wantWeight, bool wantBias) {
  const int64_t C = static_cast<int64_t>(sumG.size());
  const auto opts = at::TensorOptions().dtype(at::kDouble);
  if (wantWeight) {
    at::Tensor dw = at::empty({C}, opts);
    for (int64_t c = 0; c < C; c++) dw.data_ptr<double>()[c] = sumGX[c] * invstd[c];
    grads[1] = dw.to(weightType);
  }
  if (wantBias) {
    at::Tensor db = at::empty({C}, opts);
    std::copy(sumG.begin(), sumG.end(), db.data_ptr<double>());
    grads[2] = db.to(biasType);
  }
}

TrainingForward trainingForward(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias, RunningStats running,
                                double momentum, double eps, bool withReLU, const NodeTerms& node = {}) {
  const Layout L = *supportedLayout(input);
  const at::Tensor x = inLayout(input, L);
  const int64_t C = L.C;
  const double M = static_cast<double>(L.perChannel());
  std::vector<double> shift(static_cast<size_t>(C)), s1(static_cast<size_t>(C)), s2(static_cast<size_t>(C));
  std::vector<double> mean, var, invstd;
  at::Tensor out = at::empty_like(x);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "batchNorm forward", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    // Shift by one value of each channel (its first): the sums then stay near zero.
    for (int64_t c = 0; c < C; c++) shift[c] = static_cast<double>(L.channelsLast ? xp[c] : xp[c * L.S]);
    channelSums<scalar_t>(L, xp, nullptr, shift, xp, shift, s1.data(), s2.data());
    ChannelStatistics<scalar_t> st(shift, s1, s2, M, eps, channelValues(weight, C, 1.0), channelValues(bias, C, 0.0));
    const std::vector<scalar_t>& scale = st.scale;
    const std::vector<scalar_t>& offset = st.offset;
    const std::vector<scalar_t> zero(static_cast<size_t>(C), 0);
    mean = std::move(st.mean);
    var = std::move(st.var);
    invstd = std::move(st.invstd);
    if (present(node.divisor) || present(node.addend)) {
      const scalar_t* div = present(node.divisor) ? node.divisor.data_ptr<scalar_t>() : nullptr;
      const scalar_t* addend = present(node.addend) ? node.addend.data_ptr<scalar_t>() : nullptr;
      scalar_t* o = out.data_ptr<scalar_t>();
      const int64_t rows = L.N * L.S;
      at::parallel_for(0, rows, std::max<int64_t>(1, 32768 / C),
                       [&](int64_t r0, int64_t r1) { nodeRows<scalar_t>(xp, o, scale.data(), offset.data(), div, addend, r0, r1, C, L.S); });
    } else {
      channelAffine<scalar_t>(L, xp, nullptr, nullptr, out.data_ptr<scalar_t>(), scale, zero, offset, withReLU);
    }
  });
  updateRunningStats(running, mean, var, 0, M, momentum);
  return {out, x, mean, invstd};
}

// What the backward reads besides the output gradient. The normalised values x̂ = (x − mean)·σ⁻¹
// come from the input, or, without an affine map or a fused ReLU, from the output itself, which
// is x̂: a DARTS supernet's BN output is kept anyway by what follows it (the weighted sum of an
// edge), so keeping it instead of the input spares an activation per BN. With a fused ReLU the
// output is the ReLU's, kept for its mask (the op after it keeps it too).
// The output alone cannot give an exact second derivative (σ⁻¹ depends on the input's scale,
// which x̂ has lost), so a forward declared second-order keeps the input.
enum class Saved { Input, NormalizedOutput };

class BatchNormTraining : public torch::autograd::Function<BatchNormTraining> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                            RunningStats running, double momentum, double eps, bool withReLU, const at::Tensor& divisor,
                            const at::Tensor& addend) {
    const bool node = present(divisor) || present(addend);
    TrainingForward r = trainingForward(input, weight, bias, running, momentum, eps, withReLU, {divisor, addend});
    // The output of a node is not x̂, so a node keeps the input.
    const bool keepOutput = !withReLU && !node && !present(weight) && !present(bias) && !secondOrderForwardEnabled();
    if (keepOutput) {
      ctx->save_for_backward({r.out, weight, at::Tensor(), divisor});
    } else {
      ctx->save_for_backward({r.x, weight, withReLU ? r.out : at::Tensor(), divisor});
    }
    ctx->saved_data["saved"] = static_cast<int64_t>(keepOutput ? Saved::NormalizedOutput : Saved::Input);
    ctx->saved_data["mean"] = r.mean;  // doubles, one per channel
    ctx->saved_data["invstd"] = r.invstd;
    ctx->saved_data["eps"] = eps;
    return r.out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& kept = saved[0];  // the input, or the normalised output (see Saved)
    const at::Tensor& weight = saved[1];
    const at::Tensor& reluOut = saved[2];
    const at::Tensor& divisor = saved[3];  // a node's per-sample divisor, or empty
    const bool fromOutput = static_cast<Saved>(ctx->saved_data["saved"].toInt()) == Saved::NormalizedOutput;
    const std::vector<double> mean = ctx->saved_data["mean"].toDoubleVector();
    const std::vector<double> invstd = ctx->saved_data["invstd"].toDoubleVector();
    const bool wantInput = ctx->needs_input_grad(0), wantWeight = ctx->needs_input_grad(1), wantBias = ctx->needs_input_grad(2);
    variable_list grads(9);  // one per forward argument
    if (!gradOutputs[0].defined()) return grads;
    // A node's addend reaches the output unchanged: its gradient is the output's. (needs_input_grad
    // counts tensor arguments only: input, weight, bias, divisor, addend; grads has one per argument.)
    if (ctx->needs_input_grad(4)) grads[8] = gradOutputs[0];
    const Layout L = *supportedLayout(kept);
    const at::Tensor g = inLayout(gradOutputs[0], L);
    const int64_t C = L.C;
    const double M = static_cast<double>(L.perChannel());

    if (at::GradMode::is_enabled()) {
      // create_graph: differentiable ops only, so the gradient records a graph.
      TORCH_CHECK(!fromOutput,
                  "batch norm without affine parameters kept its output, not its input, for backward, and a create_graph gradient needs "
                  "the input: run the forward inside torch.autograd.forSecondOrder(() => ...)");
      // libtorch's backward (its derivative is batchnorm_double_backward), after the ReLU's.
      at::Tensor gIn = reluOut.defined() ? at::threshold_backward(g, reluOut, 0) : g;
      if (present(divisor)) gIn = gIn.div(divisor.view({-1, 1, 1, 1}));
      const c10::optional<at::Tensor> w = present(weight) ? c10::optional<at::Tensor>(weight) : c10::nullopt;
      const auto asInput = at::TensorOptions().dtype(at::kDouble);
      auto r = at::native_batch_norm_backward(gIn, kept, w, {}, {}, at::tensor(mean, asInput).to(kept.scalar_type()),
                                              at::tensor(invstd, asInput).to(kept.scalar_type()), true,
                                              ctx->saved_data["eps"].toDouble(), {wantInput, wantWeight, wantBias});
      grads[0] = std::get<0>(r);
      grads[1] = std::get<1>(r);
      grads[2] = std::get<2>(r);
      return grads;
    }

    const std::vector<double> w = channelValues(weight, C, 1.0);
    const std::vector<double> zeros(static_cast<size_t>(C), 0.0);
    // Centre of the kept values: the mean for the input, 0 for x̂.
    const std::vector<double>& centre = fromOutput ? zeros : mean;
    std::vector<double> sumG(static_cast<size_t>(C)), sumGX(static_cast<size_t>(C));
    AT_DISPATCH_FLOATING_TYPES(kept.scalar_type(), "batchNorm backward", [&] {
      const scalar_t* xp = kept.data_ptr<scalar_t>();
      const scalar_t* gp = g.data_ptr<scalar_t>();
      const scalar_t* mp = reluOut.defined() ? inLayout(reluOut, L).data_ptr<scalar_t>() : nullptr;
      const scalar_t* div = present(divisor) ? divisor.data_ptr<scalar_t>() : nullptr;  // dy = g / div[n]
      // Σ dy and Σ dy·(x − mean) per channel (Σ dy·x̂ from the output).
      channelSums<scalar_t>(L, gp, mp, zeros, xp, centre, sumG.data(), sumGX.data(), div);
      if (wantInput) {
        // dx = w·σ⁻¹·(dy − Σdy/M − x̂·Σ(dy·x̂)/M), with x̂ = (x − mean)·σ⁻¹, as a·dy + b·x + d
        // (from the output: w = 1, b·x̂ + d with Σ(dy·x̂) taken directly).
        std::vector<scalar_t> a(static_cast<size_t>(C)), b(static_cast<size_t>(C)), d(static_cast<size_t>(C));
        for (int64_t c = 0; c < C; c++) {
          const double ac = w[c] * invstd[c];
          const double bc = fromOutput ? -ac * sumGX[c] / M : -ac * invstd[c] * invstd[c] * sumGX[c] / M;
          a[c] = static_cast<scalar_t>(ac);
          b[c] = static_cast<scalar_t>(bc);
          d[c] = static_cast<scalar_t>(-ac * sumG[c] / M - bc * centre[c]);
        }
        at::Tensor dx = at::empty_like(kept);
        channelAffine<scalar_t>(L, gp, mp, xp, dx.data_ptr<scalar_t>(), a, b, d, false, div);
        grads[0] = dx;
      }
    });
    parameterGradients(grads, sumG, sumGX, invstd, weight.scalar_type(), kept.scalar_type(), wantWeight, wantBias);
    return grads;
  }
};

// Batch norm over the channels of x as one, its output split into contiguous pieces along the
// channels: several batch norms reading adjacent channel ranges of one tensor (the joined 1×1
// preprocessing convs of two cells, runReLUConvBNsTogether). Each channel's statistics and map are
// its own, so the values are those of the separate batch norms (up to the order in which the double
// statistics are summed), and the pieces come out dense where a split would copy them out first;
// the backward reads the pieces' gradients where they lie and writes x's gradient once. Channels-
// last only; src/nn/batchnorm.ts splits then normalises otherwise.
template <typename T>
__attribute__((target_clones("avx2", "default"))) static void affineRowsToPieces(const T* __restrict x, T* const* outs, const int64_t* widths,
                                                                                  size_t pieces, const T* __restrict a, const T* __restrict d,
                                                                                  int64_t r0, int64_t r1, int64_t C) {
  for (int64_t r = r0; r < r1; r++) {
    const T* __restrict xr = x + r * C;
    for (size_t i = 0, off = 0; i < pieces; off += widths[i], i++) {
      T* __restrict o = outs[i] + r * widths[i];
      for (int64_t c = 0; c < widths[i]; c++) o[c] = a[off + c] * xr[off + c] + d[off + c];
    }
  }
}

// Σ g and Σ g·(x − centre) per channel, g read from the pieces (float blocks of kBlock rows, then
// double, as sumsRowsChannelsLast sums).
template <typename T>
__attribute__((target_clones("avx2", "default"))) static void sumsRowsFromPieces(const T* const* gs, const int64_t* widths, size_t pieces,
                                                                                  const T* __restrict x, const T* __restrict centre,
                                                                                  double* __restrict s1, double* __restrict s2, int64_t r0, int64_t r1,
                                                                                  int64_t C) {
  std::vector<T> b1(static_cast<size_t>(C)), b2(static_cast<size_t>(C));
  for (int64_t r = r0; r < r1;) {
    const int64_t blockEnd = std::min(r1, r + kBlock);
    std::fill(b1.begin(), b1.end(), T(0));
    std::fill(b2.begin(), b2.end(), T(0));
    for (; r < blockEnd; r++) {
      const T* __restrict xr = x + r * C;
      for (size_t i = 0, off = 0; i < pieces; off += widths[i], i++) {
        const T* __restrict gr = gs[i] + r * widths[i];
        T* __restrict p1 = b1.data() + off;
        T* __restrict p2 = b2.data() + off;
        for (int64_t c = 0; c < widths[i]; c++) {
          const T g = gr[c];
          p1[c] += g;
          p2[c] += g * (xr[off + c] - centre[off + c]);
        }
      }
    }
    for (int64_t c = 0; c < C; c++) {
      s1[c] += static_cast<double>(b1[c]);
      s2[c] += static_cast<double>(b2[c]);
    }
  }
}

// dx = a·g + b·x + d, g read from the pieces.
template <typename T>
__attribute__((target_clones("avx2", "default"))) static void affineRowsFromPieces(const T* const* gs, const int64_t* widths, size_t pieces,
                                                                                    const T* __restrict x, T* __restrict dx, const T* __restrict a,
                                                                                    const T* __restrict b, const T* __restrict d, int64_t r0,
                                                                                    int64_t r1, int64_t C) {
  for (int64_t r = r0; r < r1; r++) {
    const T* __restrict xr = x + r * C;
    T* __restrict o = dx + r * C;
    for (size_t i = 0, off = 0; i < pieces; off += widths[i], i++) {
      const T* __restrict gr = gs[i] + r * widths[i];
      for (int64_t c = 0; c < widths[i]; c++) o[off + c] = a[off + c] * gr[c] + b[off + c] * xr[off + c] + d[off + c];
    }
  }
}

class BatchNormPieces : public torch::autograd::Function<BatchNormPieces> {
 public:
  static variable_list forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                               std::vector<RunningStats> running, double momentum, double eps, std::vector<int64_t> widths) {
    const Layout L = *supportedLayout(input);
    const at::Tensor x = inLayout(input, L);
    const int64_t C = L.C, rows = L.N * L.S;
    const double M = static_cast<double>(L.perChannel());
    std::vector<double> shift(static_cast<size_t>(C)), s1(static_cast<size_t>(C)), s2(static_cast<size_t>(C));
    std::vector<double> mean, var, invstd;
    variable_list outs;
    for (int64_t w : widths) outs.push_back(at::empty({L.N, w, x.size(2), x.size(3)}, x.options().memory_format(at::MemoryFormat::ChannelsLast)));
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "batchNorm pieces forward", [&] {
      const scalar_t* xp = x.data_ptr<scalar_t>();
      for (int64_t c = 0; c < C; c++) shift[c] = static_cast<double>(xp[c]);
      channelSums<scalar_t>(L, xp, nullptr, shift, xp, shift, s1.data(), s2.data());
      ChannelStatistics<scalar_t> st(shift, s1, s2, M, eps, channelValues(weight, C, 1.0), channelValues(bias, C, 0.0));
      const std::vector<scalar_t>& scale = st.scale;
      const std::vector<scalar_t>& offset = st.offset;
      mean = std::move(st.mean);
      var = std::move(st.var);
      invstd = std::move(st.invstd);
      std::vector<scalar_t*> dests;
      for (auto& o : outs) dests.push_back(o.data_ptr<scalar_t>());
      at::parallel_for(0, rows, std::max<int64_t>(1, 32768 / C), [&](int64_t r0, int64_t r1) {
        affineRowsToPieces<scalar_t>(xp, dests.data(), widths.data(), widths.size(), scale.data(), offset.data(), r0, r1, C);
      });
    });
    int64_t off = 0;
    for (size_t i = 0; i < widths.size(); off += widths[i], i++) updateRunningStats(running[i], mean, var, off, M, momentum);
    ctx->save_for_backward({x, weight});
    ctx->saved_data["mean"] = mean;
    ctx->saved_data["invstd"] = invstd;
    ctx->saved_data["eps"] = eps;
    ctx->saved_data["widths"] = widths;
    return outs;
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& weight = saved[1];
    const std::vector<double> mean = ctx->saved_data["mean"].toDoubleVector();
    const std::vector<double> invstd = ctx->saved_data["invstd"].toDoubleVector();
    const std::vector<int64_t> widths = ctx->saved_data["widths"].toIntVector();
    const bool wantInput = ctx->needs_input_grad(0), wantWeight = ctx->needs_input_grad(1), wantBias = ctx->needs_input_grad(2);
    variable_list grads(7);  // one per forward argument
    const at::Tensor* like = nullptr;
    for (const at::Tensor& g : gradOutputs)
      if (g.defined()) like = &g;
    if (!like) return grads;
    const auto layout = at::MemoryFormat::ChannelsLast;
    std::vector<at::Tensor> gs;
    for (size_t i = 0; i < widths.size(); i++) {
      const at::Tensor& g = gradOutputs[i];
      gs.push_back(g.defined() ? g.contiguous(layout) : at::zeros({x.size(0), widths[i], x.size(2), x.size(3)}, like->options().memory_format(layout)));
    }
    const Layout L = *supportedLayout(x);
    const int64_t C = L.C, rows = L.N * L.S;
    const double M = static_cast<double>(L.perChannel());
    if (at::GradMode::is_enabled()) {
      // create_graph: libtorch's differentiable backward on the joined gradient.
      const auto asInput = at::TensorOptions().dtype(at::kDouble);
      const c10::optional<at::Tensor> w = present(weight) ? c10::optional<at::Tensor>(weight) : c10::nullopt;
      auto r = at::native_batch_norm_backward(at::cat(gs, 1), x, w, {}, {}, at::tensor(mean, asInput).to(x.scalar_type()),
                                              at::tensor(invstd, asInput).to(x.scalar_type()), true, ctx->saved_data["eps"].toDouble(),
                                              {wantInput, wantWeight, wantBias});
      grads[0] = std::get<0>(r);
      grads[1] = std::get<1>(r);
      grads[2] = std::get<2>(r);
      return grads;
    }
    const std::vector<double> w = channelValues(weight, C, 1.0);
    std::vector<double> sumG(static_cast<size_t>(C), 0.0), sumGX(static_cast<size_t>(C), 0.0);
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "batchNorm pieces backward", [&] {
      const scalar_t* xp = x.data_ptr<scalar_t>();
      std::vector<const scalar_t*> gp;
      for (const at::Tensor& g : gs) gp.push_back(g.data_ptr<scalar_t>());
      const std::vector<scalar_t> centre(mean.begin(), mean.end());
      // Chunks of rows by shape alone, as channelSums splits them: the sums do not depend on the thread count.
      const int64_t K = chunkCount(rows, C);
      std::vector<double> partial(static_cast<size_t>(2 * K * C), 0.0);
      at::parallel_for(0, K, 1, [&](int64_t k0, int64_t k1) {
        for (int64_t k = k0; k < k1; k++)
          sumsRowsFromPieces<scalar_t>(gp.data(), widths.data(), widths.size(), xp, centre.data(), &partial[(2 * k) * C], &partial[(2 * k + 1) * C],
                                       rows * k / K, rows * (k + 1) / K, C);
      });
      for (int64_t k = 0; k < K; k++) {
        for (int64_t c = 0; c < C; c++) {
          sumG[c] += partial[(2 * k) * C + c];
          sumGX[c] += partial[(2 * k + 1) * C + c];
        }
      }
      if (wantInput) {
        std::vector<scalar_t> a(static_cast<size_t>(C)), b(static_cast<size_t>(C)), d(static_cast<size_t>(C));
        for (int64_t c = 0; c < C; c++) {
          const double ac = w[c] * invstd[c];
          const double bc = -ac * invstd[c] * invstd[c] * sumGX[c] / M;
          a[c] = static_cast<scalar_t>(ac);
          b[c] = static_cast<scalar_t>(bc);
          d[c] = static_cast<scalar_t>(-ac * sumG[c] / M - bc * mean[c]);
        }
        at::Tensor dx = at::empty_like(x);
        scalar_t* dp = dx.data_ptr<scalar_t>();
        at::parallel_for(0, rows, std::max<int64_t>(1, 32768 / C), [&](int64_t r0, int64_t r1) {
          affineRowsFromPieces<scalar_t>(gp.data(), widths.data(), widths.size(), xp, dp, a.data(), b.data(), d.data(), r0, r1, C);
        });
        grads[0] = dx;
      }
    });
    parameterGradients(grads, sumG, sumGX, invstd, weight.scalar_type(), x.scalar_type(), wantWeight, wantBias);
    return grads;
  }
};

bool secondOrder = false;

}  // namespace

bool secondOrderForwardEnabled() { return secondOrder; }
void enableSecondOrderForward(bool on) { secondOrder = on; }

namespace {

// DNAS_LIBTORCH_BATCHNORM=1 routes every call to libtorch's kernel (for A/B measurements).
bool libtorchBatchNormForced() {
  static const bool forced = [] {
    const char* v = std::getenv("DNAS_LIBTORCH_BATCHNORM");
    return v != nullptr && std::string(v) == "1";
  }();
  return forced;
}

}  // namespace

at::Tensor batchNormForward(const at::Tensor& x, const c10::optional<at::Tensor>& weight, const c10::optional<at::Tensor>& bias,
                            const c10::optional<at::Tensor>& runningMean, const c10::optional<at::Tensor>& runningVar, bool training,
                            double momentum, double eps, bool withReLU, const c10::optional<at::Tensor>& divisor,
                            const c10::optional<at::Tensor>& addend) {
  const bool node = (divisor && divisor->defined()) || (addend && addend->defined());
  if (node) {
    TORCH_CHECK(!withReLU, "batchNorm: a drop-path node (divisor, addend) cannot also take a ReLU");
    TORCH_CHECK(!divisor || !divisor->defined() || (divisor->numel() == x.size(0) && !divisor->requires_grad()), "batchNorm: the divisor needs one value per sample (",
                x.size(0), ") and no gradient, got ", divisor ? divisor->numel() : 0, " values");
    TORCH_CHECK(!addend || !addend->defined() || addend->sizes() == x.sizes(), "batchNorm: the addend's shape ", addend ? addend->sizes() : at::IntArrayRef{},
                " differs from the input's ", x.sizes());
  }
  const auto layout = supportedLayout(x);
  // The node's kernel runs along channels-last rows, with its terms in the input's dtype and layout.
  const bool nodeKernel = !node || (layout && layout->channelsLast &&
                                    (!divisor || !divisor->defined() || (divisor->device().is_cpu() && divisor->scalar_type() == x.scalar_type())) &&
                                    (!addend || !addend->defined() ||
                                     (addend->device().is_cpu() && addend->scalar_type() == x.scalar_type() && addend->is_contiguous(at::MemoryFormat::ChannelsLast))));
  if (training && !libtorchBatchNormForced() && layout && nodeKernel) {
    RECORD_FUNCTION("dnas::batch_norm", std::vector<c10::IValue>({x}));  // our kernel is not an aten op: name it in profiles
    TORCH_CHECK(!weight || !weight->defined() || weight->numel() == x.size(1), "batchNorm: weight has ", weight->numel(),
                " values but the input has ", x.size(1), " channels");
    TORCH_CHECK(!bias || !bias->defined() || bias->numel() == x.size(1), "batchNorm: bias has ", bias->numel(), " values but the input has ",
                x.size(1), " channels");
    const at::Tensor none = at::empty({0}, x.options());
    const at::Tensor w = weight && weight->defined() ? *weight : none, b = bias && bias->defined() ? *bias : none;
    const at::Tensor div = divisor && divisor->defined() ? divisor->reshape({-1}).contiguous() : none;
    const at::Tensor add = addend && addend->defined() ? *addend : none;
    const bool recordGraph = at::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad() || b.requires_grad() || add.requires_grad());
    const RunningStats running{runningMean.value_or(at::Tensor()), runningVar.value_or(at::Tensor())};
    if (!recordGraph) return trainingForward(x, w, b, running, momentum, eps, withReLU, {div, add}).out;
    return BatchNormTraining::apply(x, w, b, running, momentum, eps, withReLU, div, add);
  }
  if (node) {
    // A node composed from tensor ops, as nn.dropPathSum composes it, after the batch norm that
    // would run without the node's terms (our kernel where it applies).
    at::Tensor out = batchNormForward(x, weight, bias, runningMean, runningVar, training, momentum, eps, false);
    if (divisor && divisor->defined()) {
      std::vector<int64_t> perSample(static_cast<size_t>(x.dim()), 1);  // N×1×…×1, broadcast over each sample
      perSample[0] = x.size(0);
      out = out.div(divisor->reshape(perSample));
    }
    return addend && addend->defined() ? addend->add(out) : out;
  }
  const at::Tensor out = at::batch_norm(x, weight, bias, runningMean, runningVar, training, momentum, eps, true);
  return withReLU ? at::relu(out) : out;
}

// Training-mode batch norm of x's channels as one, split into pieces of the given widths; null where
// the kernel does not apply (not channels-last CPU float, libtorch's batch norm forced, or a forward
// declared second-order: the caller splits and normalises piece by piece then).
c10::optional<std::vector<at::Tensor>> batchNormPiecesForward(const at::Tensor& x, const std::vector<at::Tensor>& weights, const std::vector<at::Tensor>& biases,
                                                        const std::vector<at::Tensor>& runningMeans, const std::vector<at::Tensor>& runningVars,
                                                        double momentum, double eps, const std::vector<int64_t>& widths) {
  const auto layout = supportedLayout(x);
  if (!layout || !layout->channelsLast || libtorchBatchNormForced() || secondOrderForwardEnabled()) return c10::nullopt;
  int64_t total = 0;
  for (int64_t w : widths) total += w;
  TORCH_CHECK(total == x.size(1), "batchNormPieces: widths add up to ", total, " but the input has ", x.size(1), " channels");
  const size_t k = widths.size();
  TORCH_CHECK(weights.size() == k && biases.size() == k && runningMeans.size() == k && runningVars.size() == k,
              "batchNormPieces: expected one weight, bias and running statistics per piece");
  RECORD_FUNCTION("dnas::batch_norm_pieces", std::vector<c10::IValue>({x}));  // not an aten op: name it in profiles
  // One weight (bias) over all channels; a piece without one takes the identity map's 1 (0).
  auto joined = [&](const std::vector<at::Tensor>& ts, double fill) {
    bool any = false;
    std::vector<at::Tensor> parts;
    for (size_t i = 0; i < k; i++) {
      if (!ts[i].defined()) {
        parts.push_back(at::full({widths[i]}, fill, x.options()));
        continue;
      }
      TORCH_CHECK(ts[i].numel() == widths[i], "batchNormPieces: piece ", i, " has ", widths[i], " channels but ", ts[i].numel(), " parameters");
      parts.push_back(ts[i].reshape({-1}));
      any = true;
    }
    return any ? at::cat(parts, 0) : at::empty({0}, x.options());
  };
  const at::Tensor w = joined(weights, 1.0), b = joined(biases, 0.0);
  std::vector<RunningStats> running;
  for (size_t i = 0; i < k; i++) running.push_back({runningMeans[i], runningVars[i]});
  const bool recordGraph = at::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad() || b.requires_grad());
  if (!recordGraph) {
    at::NoGradGuard noGrad;
    return BatchNormPieces::apply(x, w, b, running, momentum, eps, widths);
  }
  return BatchNormPieces::apply(x, w, b, running, momentum, eps, widths);
}

}  // namespace dnas
