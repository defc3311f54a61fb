// A CPU allocator that keeps freed large blocks for the next request of the same size.
#pragma once

#include <cstddef>
#include <cstdint>

namespace research {

struct CpuCacheStats {
  int64_t limit_bytes;   // idle memory the cache may hold; 0 when the cache is off
  int64_t idle_bytes;    // held now, waiting for reuse
  int64_t idle_blocks;
  int64_t hits;          // large requests served from the cache
  int64_t misses;        // large requests that mapped fresh memory
};

CpuCacheStats cpu_cache_stats();

// Returns every idle block to the operating system; blocks in use are untouched.
void cpu_cache_empty();

}  // namespace research
