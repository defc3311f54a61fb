// The libtorch versions the shim is written for, and the guard that picks an API by version.
#pragma once

#include <torch/version.h>

#define RESEARCH_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// Older than 1.13 lacks operators and schemas the C# layer names; newer than 2.11 has not been built
// against. run-gpu.sh checks the same range before it builds, so a mismatch is one clear line, not a
// page of compile errors.
static_assert(RESEARCH_TORCH_AT_LEAST(1, 13), "the shim needs libtorch 1.13 or later");
#if RESEARCH_TORCH_AT_LEAST(2, 12) && !defined(RESEARCH_ALLOW_NEWER_TORCH)
#error "the shim is written for libtorch 1.13 to 2.11; define RESEARCH_ALLOW_NEWER_TORCH to try a newer one"
#endif
