// A caching allocator for CPU tensors, the CPU counterpart of PyTorch's CUDA caching allocator.
// A training step frees and reallocates gigabytes of activations of the same sizes every step;
// glibc serves blocks above 32 MiB with fresh mappings and unmaps them on free, so each step faulted
// all their pages in again, zero-filled by the kernel (0.3–0.7 million minor faults per DARTS_V2
// training step). Tuning glibc (no trimming, no mmap) helped only where its free lists happened not
// to fragment.
//
// Here requests of 1 MiB or more are served from segments this allocator keeps. A request takes
// the smallest free block that fits (best fit); a block with at least 1 MiB to spare is split, and a
// freed block merges with its free neighbours in the segment. Smaller requests go to the default
// allocator, which serves them well. Splitting matters for the peak: with whole blocks reused only
// for requests of about their size, a DARTS_V2 training step held 0.4 GB of blocks at its peak that
// only the backward's sizes could use (6.24 GB reserved against 5.86 GB live). What is kept is
// bounded by the process's own peak; emptyCache() returns every segment with nothing live in it.
#include "handle.h"
#include <c10/core/CPUAllocator.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <unordered_map>
#ifdef __GLIBC__  // defined once a C library header is in
#include <malloc.h>
#endif

namespace dnas {
namespace {

constexpr size_t kMinCached = size_t(1) << 20;
constexpr size_t kAlignment = 64;     // c10's own CPU alignment
constexpr size_t kRounding = 4096;    // block sizes are whole pages
constexpr size_t kMinSplit = kMinCached;  // a remainder smaller than any cached request stays with its block

struct Block {
  char* ptr;
  size_t size;
  bool live = false;
  Block* prev = nullptr;  // neighbours in the same segment, by address
  Block* next = nullptr;
};

struct BySizeThenAddress {
  bool operator()(const Block* a, const Block* b) const { return a->size != b->size ? a->size < b->size : a->ptr < b->ptr; }
};

class CachingCpuAllocator final : public c10::Allocator {
 public:
  // libtorch 2.3 made c10::Allocator::allocate non-const and added a pure copy_data; 1.13 has the
  // const allocate and no copy_data. Declaring both forms (without `override`) overrides whichever
  // the linked libtorch declares and leaves the other an ordinary overload.
  c10::DataPtr allocate(size_t n) const { return self().allocateBlock(n); }
  c10::DataPtr allocate(size_t n) { return allocateBlock(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  void install() {
    fallback_ = c10::GetDefaultCPUAllocator();
    c10::SetCPUAllocator(this, /*priority=*/1);
    installed_ = true;
  }
  bool installed() const { return installed_; }

  // Frees every segment that holds no live tensor; returns the bytes released.
  size_t emptyCache() {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t released = 0;
    for (auto it = free_.begin(); it != free_.end();) {
      Block* b = *it;
      if (b->prev == nullptr && b->next == nullptr) {  // the whole segment is this one free block
        std::free(b->ptr);
        released += b->size;
        reservedBytes_ -= b->size;
        it = free_.erase(it);
        delete b;
      } else {
        ++it;
      }
    }
    return released;
  }

  struct Stats { size_t allocated, cached, hits, misses, peakAllocated, peakReserved; };
  Stats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {allocatedBytes_, reservedBytes_ - allocatedBytes_, hits_, misses_, peakAllocated_, peakReserved_};
  }
  void resetPeaks() {
    std::lock_guard<std::mutex> lock(mutex_);
    peakAllocated_ = allocatedBytes_;
    peakReserved_ = reservedBytes_;
  }

  static CachingCpuAllocator& instance() {
    static CachingCpuAllocator* allocator = new CachingCpuAllocator();  // never destroyed: tensors may outlive exit handlers
    return *allocator;
  }

 private:
  // c10::Allocator::allocate is const; the cache is this object's mutable state.
  CachingCpuAllocator& self() const { return const_cast<CachingCpuAllocator&>(*this); }
  static void release(void* ptr) { instance().giveBack(ptr); }

  c10::DataPtr allocateBlock(size_t n) {
    if (n < kMinCached) return fallback_->allocate(n);
    void* ptr = take((n + kRounding - 1) / kRounding * kRounding);
    return {ptr, ptr, &release, c10::Device(c10::DeviceType::CPU)};
  }

  void* take(size_t size) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Block probe{nullptr, size};
      auto it = free_.lower_bound(&probe);
      if (it != free_.end()) {
        Block* b = *it;
        free_.erase(it);
        if (b->size - size >= kMinSplit) {
          auto* rest = new Block{b->ptr + size, b->size - size, false, b, b->next};
          if (b->next) b->next->prev = rest;
          b->next = rest;
          b->size = size;
          free_.insert(rest);
        }
        ++hits_;
        return markLive(b);
      }
      ++misses_;
    }
    void* ptr = nullptr;
    if (posix_memalign(&ptr, kAlignment, size) != 0) {
      // Out of memory with free segments kept: give those back and try once more.
      emptyCache();
      if (posix_memalign(&ptr, kAlignment, size) != 0)
        throw c10::Error({__func__, __FILE__, static_cast<uint32_t>(__LINE__)}, "out of CPU memory allocating " + std::to_string(size) + " bytes");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    reservedBytes_ += size;
    return markLive(new Block{static_cast<char*>(ptr), size});
  }

  // Under the lock.
  void* markLive(Block* b) {
    b->live = true;
    live_[b->ptr] = b;
    allocatedBytes_ += b->size;
    peakAllocated_ = std::max(peakAllocated_, allocatedBytes_);
    peakReserved_ = std::max(peakReserved_, reservedBytes_);
    return b->ptr;
  }

  void giveBack(void* ptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) {  // not ours (cannot happen through allocate); never leak or double-free
      std::free(ptr);
      return;
    }
    Block* b = it->second;
    live_.erase(it);
    allocatedBytes_ -= b->size;
    b->live = false;
    if (b->prev && !b->prev->live) {  // merge into the free block before
      Block* before = b->prev;
      free_.erase(before);
      absorbNext(before);
      b = before;
    }
    if (b->next && !b->next->live) {  // absorb the free block after
      free_.erase(b->next);
      absorbNext(b);
    }
    free_.insert(b);
  }

  // Joins b's next neighbour (out of free_) onto b. Under the lock.
  static void absorbNext(Block* b) {
    Block* n = b->next;
    b->size += n->size;
    b->next = n->next;
    if (n->next) n->next->prev = b;
    delete n;
  }

  c10::Allocator* fallback_ = nullptr;
  bool installed_ = false;
  mutable std::mutex mutex_;
  std::set<Block*, BySizeThenAddress> free_;
  std::unordered_map<void*, Block*> live_;
  size_t allocatedBytes_ = 0, reservedBytes_ = 0, hits_ = 0, misses_ = 0, peakAllocated_ = 0, peakReserved_ = 0;
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
