// Debian's libtorch-dev 1.13 ships c10d's reducer.hpp but not the distributed-autograd header it
// includes. reducer.hpp needs only two names from it, declared here with the same types, so that the
// Reducer's layout is the library's. Searched after every real include directory (-idirafter), so a
// libtorch that has the real header (a pip wheel) uses that one.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
