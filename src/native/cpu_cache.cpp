// glibc's malloc keeps a freed block for reuse only below its mmap threshold, and that threshold
// tops out at 32 MB. A larger block (one [128, 16, 16, 384] float activation is 50 MB) is mapped
// fresh at each allocation and unmapped at its free, so every training step faulted its large
// activations in again page by page, each page zeroed by the kernel: in the S2-MLPv2 benchmark
// that was ~118 thousand faults and over a second of system time per step. PyTorch's CUDA
// allocator keeps freed blocks for exactly this reason; its CPU allocator does not.
//
// This allocator serves requests of 32 MB and more from a cache of idle blocks, keyed by size
// rounded up to whole huge pages, and hands smaller ones to libtorch's default allocator. Idle
// memory is bounded (RESEARCH_CPU_CACHE_MB, 0 turns the cache off); past the bound the blocks
// idle the longest are unmapped first. It is installed when the shim loads, before any tensor
// of the process is allocated through it; blocks carry their own deleter, so tensors made
// before it was installed are freed by the allocator that made them.

#include "cpu_cache.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include "version.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>

namespace research {
namespace {

constexpr size_t kLargeBlock = size_t(32) << 20;   // glibc's largest M_MMAP_THRESHOLD
constexpr size_t kHugePage = size_t(2) << 20;

struct Block {
  void* ptr;
  size_t size;
};

// Idle blocks by size, and the sizes of the blocks in use (a freed pointer must find its size:
// oneDNN frees through raw_deleter(), which receives the pointer alone).
class BlockCache {
 public:
  explicit BlockCache(size_t limit) : limit_(limit) {}

  void* Take(size_t size) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = by_size_.find(size);
      if (found != by_size_.end()) {
        ++hits_;
        void* ptr = found->second->ptr;
        idle_bytes_ -= size;
        lru_.erase(found->second);
        by_size_.erase(found);
        in_use_.emplace(ptr, size);
        return ptr;
      }
      ++misses_;
    }
    void* ptr = Map(size);   // outside the lock: mapping and its retry are slow
    std::lock_guard<std::mutex> lock(mutex_);
    in_use_.emplace(ptr, size);
    return ptr;
  }

  // False when ptr is not one of this cache's blocks.
  bool Put(void* ptr) {
    std::list<Block> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto used = in_use_.find(ptr);
      if (used == in_use_.end()) return false;
      Block block{ptr, used->second};
      in_use_.erase(used);
      if (block.size > limit_) {
        evicted.push_back(block);
      } else {
        while (idle_bytes_ + block.size > limit_) EvictOldest(evicted);
        lru_.push_front(block);
        by_size_.emplace(block.size, lru_.begin());
        idle_bytes_ += block.size;
      }
    }
    Unmap(evicted);
    return true;
  }

  void Empty() {
    std::list<Block> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (!lru_.empty()) EvictOldest(evicted);
    }
    Unmap(evicted);
  }

  CpuCacheStats Stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {static_cast<int64_t>(limit_), static_cast<int64_t>(idle_bytes_), static_cast<int64_t>(lru_.size()), hits_,
            misses_};
  }

 private:
  void* Map(size_t size) {
    void* ptr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ptr == MAP_FAILED) {
      Empty();   // idle blocks of other sizes may be what stands in the way
      ptr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    TORCH_CHECK(ptr != MAP_FAILED, "CPU memory exhausted: could not allocate ", size, " bytes");
    // Huge pages: one fault per 2 MB on first touch, and fewer TLB misses while a GEMM streams it.
    madvise(ptr, size, MADV_HUGEPAGE);
    return ptr;
  }

  // Outside the lock: unmapping is slow.
  static void Unmap(const std::list<Block>& blocks) {
    for (const auto& b : blocks) munmap(b.ptr, b.size);
  }

  void EvictOldest(std::list<Block>& evicted) {
    auto oldest = std::prev(lru_.end());
    auto range = by_size_.equal_range(oldest->size);
    for (auto it = range.first; it != range.second; ++it)
      if (it->second == oldest) {
        by_size_.erase(it);
        break;
      }
    idle_bytes_ -= oldest->size;
    evicted.splice(evicted.end(), lru_, oldest);
  }

  std::mutex mutex_;
  const size_t limit_;
  size_t idle_bytes_ = 0;
  int64_t hits_ = 0, misses_ = 0;
  std::list<Block> lru_;   // most recently freed first
  std::multimap<size_t, std::list<Block>::iterator> by_size_;
  std::unordered_map<void*, size_t> in_use_;
};

// Never destroyed: tensors may still be freed during the process's exit.
BlockCache* cache = nullptr;
c10::Allocator* small_blocks = nullptr;

void Release(void* ptr) {
  if (!cache->Put(ptr)) small_blocks->raw_deleter()(ptr);
}

// PyTorch 2.3 changed the allocator interface: allocate is no longer const, and copy_data (what
// Allocator::clone copies with) is new and must be given.
class CachingCpuAllocator final : public c10::Allocator {
 public:
#if RESEARCH_TORCH_AT_LEAST(2, 3)
  c10::DataPtr allocate(size_t n) override { return Allocate(n); }
  void copy_data(void* dest, const void* src, size_t count) const override { std::memcpy(dest, src, count); }
#else
  c10::DataPtr allocate(size_t n) const override { return Allocate(n); }
#endif

  c10::DeleterFnPtr raw_deleter() const override { return &Release; }

 private:
  static c10::DataPtr Allocate(size_t n) {
    if (n < kLargeBlock) return small_blocks->allocate(n);
    void* ptr = cache->Take((n + kHugePage - 1) / kHugePage * kHugePage);
    return {ptr, ptr, &Release, c10::Device(c10::DeviceType::CPU)};
  }
};

size_t LimitFromEnvironment() {
  const char* mb = std::getenv("RESEARCH_CPU_CACHE_MB");
  if (mb != nullptr && *mb != '\0') return static_cast<size_t>(std::strtoull(mb, nullptr, 10)) << 20;
  // An eighth of physical memory, at most 4 GB: room for a step's large activations several times over.
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  size_t eighth = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) / 8 : 0;
  return std::min(eighth, size_t(4) << 30);
}

struct Installer {
  Installer() {
    size_t limit = LimitFromEnvironment();
    if (limit == 0) return;
    small_blocks = c10::GetDefaultCPUAllocator();
    if (small_blocks->raw_deleter() == nullptr) return;   // Release could not hand small blocks back
    cache = new BlockCache(limit);
    c10::SetCPUAllocator(new CachingCpuAllocator(), /*priority=*/1);
  }
} installer;

}  // namespace

CpuCacheStats cpu_cache_stats() { return cache ? cache->Stats() : CpuCacheStats{0, 0, 0, 0, 0}; }

void cpu_cache_empty() {
  if (cache) cache->Empty();
}

}  // namespace research
