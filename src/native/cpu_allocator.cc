// A caching allocator for CPU tensors, the CPU counterpart of PyTorch's CUDA caching allocator.
// A training step frees and reallocates gigabytes of activations of the same sizes every step;
// glibc serves blocks above 32 MiB with fresh mappings and unmaps them on free, so each step faulted
// all their pages in again, zero-filled by the kernel (0.3–0.7 million minor faults per DARTS_V2
// training step). Tuning glibc (no trimming, no mmap) helped only where its free lists happened not
// to fragment. Here a freed block of 1 MiB or more is kept and handed to the next request of its size
// class (or up to twice as large); smaller blocks go to the default allocator, which serves them well.
// What is cached is bounded by the process's own peak; emptyCache() returns it to the system.
#include "handle.h"
#include <c10/core/CPUAllocator.h>
#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>
#ifdef __GLIBC__  // defined once a C library header is in
#include <malloc.h>
#endif

namespace dnas {
namespace {

constexpr size_t kMinCached = size_t(1) << 20;
constexpr size_t kAlignment = 64;  // c10's own CPU alignment
// A cached block serves a request up to half its size: measured on a DARTS_V2 training step, 1×,
// 4× and unbounded gave the same or a higher peak (6.24–6.44 GB reserved against 6.24 GB).
constexpr size_t kMaxOversize = 2;

// Eight size classes per power of two: at most 12.5 % rounding, which costs address space only,
// since the tail of a block that is never written is never faulted in.
size_t sizeClass(size_t n) {
  size_t p = size_t(1) << (63 - __builtin_clzll(n));
  size_t step = p / 8;
  return (n + step - 1) / step * step;
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const override {
    if (n < kMinCached) return fallback_->allocate(n);
    const size_t size = sizeClass(n);
    void* ptr = takeCached(size);
    if (!ptr) ptr = allocateFresh(size);
    return {ptr, ptr, &release, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  void install() {
    fallback_ = c10::GetDefaultCPUAllocator();
    c10::SetCPUAllocator(this, /*priority=*/1);
    installed_ = true;
  }
  bool installed() const { return installed_; }

  // Frees every cached block; returns the bytes released.
  size_t emptyCache() {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t released = 0;
    for (auto& [size, ptr] : free_) {
      std::free(ptr);
      released += size;
    }
    free_.clear();
    cachedBytes_ = 0;
    return released;
  }

  struct Stats { size_t allocated, cached, hits, misses, peakAllocated, peakReserved; };
  Stats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {allocatedBytes_, cachedBytes_, hits_, misses_, peakAllocated_, peakReserved_};
  }
  void resetPeaks() {
    std::lock_guard<std::mutex> lock(mutex_);
    peakAllocated_ = allocatedBytes_;
    peakReserved_ = allocatedBytes_ + cachedBytes_;
  }

  static CachingCpuAllocator& instance() {
    static CachingCpuAllocator* allocator = new CachingCpuAllocator();  // never destroyed: tensors may outlive exit handlers
    return *allocator;
  }

 private:
  static void release(void* ptr) { instance().giveBack(ptr); }

  void* takeCached(size_t size) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.lower_bound(size);
    if (it == free_.end() || it->first > kMaxOversize * size) {
      ++misses_;
      return nullptr;
    }
    void* ptr = it->second;
    const size_t blockSize = it->first;
    free_.erase(it);
    cachedBytes_ -= blockSize;
    live_[ptr] = blockSize;
    allocatedBytes_ += blockSize;
    peakAllocated_ = std::max(peakAllocated_, allocatedBytes_);
    ++hits_;
    return ptr;
  }

  void* allocateFresh(size_t size) const {
    void* ptr = nullptr;
    if (posix_memalign(&ptr, kAlignment, size) != 0) {
      // Out of memory with blocks cached: give those back and try once more.
      const_cast<CachingCpuAllocator*>(this)->emptyCache();
      if (posix_memalign(&ptr, kAlignment, size) != 0)
        throw c10::Error({__func__, __FILE__, static_cast<uint32_t>(__LINE__)}, "out of CPU memory allocating " + std::to_string(size) + " bytes");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    live_[ptr] = size;
    allocatedBytes_ += size;
    peakAllocated_ = std::max(peakAllocated_, allocatedBytes_);
    peakReserved_ = std::max(peakReserved_, allocatedBytes_ + cachedBytes_);
    return ptr;
  }

  void giveBack(void* ptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) {  // not ours (cannot happen through allocate); never leak or double-free
      std::free(ptr);
      return;
    }
    const size_t size = it->second;
    live_.erase(it);
    allocatedBytes_ -= size;
    free_.emplace(size, ptr);
    cachedBytes_ += size;
  }

  c10::Allocator* fallback_ = nullptr;
  bool installed_ = false;
  mutable std::mutex mutex_;
  mutable std::multimap<size_t, void*> free_;
  mutable std::unordered_map<void*, size_t> live_;
  mutable size_t allocatedBytes_ = 0, cachedBytes_ = 0, hits_ = 0, misses_ = 0, peakAllocated_ = 0, peakReserved_ = 0;
};

}  // namespace

// Installs the caching allocator for CPU tensors allocated from now on (once per process).
DNAS_FN(cpuCachingAllocatorInstall) {
  return guarded(info, [&]() -> Napi::Value {
    auto& allocator = CachingCpuAllocator::instance();
    if (!allocator.installed()) allocator.install();
    return Napi::Boolean::New(info.Env(), true);
  });
}

// Frees the cached blocks and trims the C heap; returns the bytes the cache released.
DNAS_FN(cpuEmptyCache) {
  return guarded(info, [&]() -> Napi::Value {
    const size_t released = CachingCpuAllocator::instance().emptyCache();
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    return Napi::Number::New(info.Env(), static_cast<double>(released));
  });
}

DNAS_FN(cpuCacheStats) {
  const auto s = CachingCpuAllocator::instance().stats();
  auto o = Napi::Object::New(info.Env());
  o.Set("installed", CachingCpuAllocator::instance().installed());
  o.Set("allocatedBytes", static_cast<double>(s.allocated));
  o.Set("cachedBytes", static_cast<double>(s.cached));
  o.Set("hits", static_cast<double>(s.hits));
  o.Set("misses", static_cast<double>(s.misses));
  o.Set("peakAllocatedBytes", static_cast<double>(s.peakAllocated));
  o.Set("peakReservedBytes", static_cast<double>(s.peakReserved));
  return o;
}

DNAS_FN(cpuResetPeakStats) {
  CachingCpuAllocator::instance().resetPeaks();
  return info.Env().Undefined();
}

void registerAllocatorOps(Napi::Env env, Napi::Object exports) {
  DNAS_EXPORT(cpuCachingAllocatorInstall); DNAS_EXPORT(cpuEmptyCache); DNAS_EXPORT(cpuCacheStats); DNAS_EXPORT(cpuResetPeakStats);
}

}  // namespace dnas
