// What every file that exports C functions to the kit's C# layer shares: tensor handles and their live
// count, error strings, and the try/catch that keeps C++ exceptions from crossing into .NET.
#pragma once

#include <ATen/ATen.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#define RT_EXPORT extern "C" __attribute__((visibility("default")))

namespace research {

// Handles made and not yet freed; the memory tests read it.
inline std::atomic<int64_t> live_tensors{0};

inline char* copy_string(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

inline void* new_handle(const at::Tensor& t) {
  if (!t.defined()) return nullptr;
  live_tensors.fetch_add(1, std::memory_order_relaxed);
  return new at::Tensor(t);
}

inline at::Tensor& T(void* h) { return *static_cast<at::Tensor*>(h); }

}  // namespace research

#define RT_TRY try {
#define RT_CATCH                                                   \
  }                                                                \
  catch (const c10::Error& e) {                                    \
    return research::copy_string(e.what_without_backtrace());      \
  }                                                                \
  catch (const std::exception& e) {                                \
    return research::copy_string(e.what());                        \
  }                                                                \
  catch (...) {                                                    \
    return research::copy_string("unknown C++ exception");         \
  }                                                                \
  return nullptr;
