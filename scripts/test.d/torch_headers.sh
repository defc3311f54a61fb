#!/usr/bin/env bash
# Run by ./research test: the shim's sources also compile against a libtorch 2.x, not only against
# Debian 12's 1.13 that the rest of the suite links. The GPU machine's pip PyTorch is a 2.x, and its
# API differences (autocast by device type, the allocator interface, c10d's process groups) sit
# behind version guards that 1.13 never takes. Debian 13's libtorch-dev (2.6) comes from Debian's
# own mirror, the one network this project may use; its headers are kept under build/ after the
# first run. Each source is checked as the C++ standard CMake would pick for that version, and as
# C++20, which libtorch 2.10 and later need.
set -uo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cache="$root/build/torch-headers"
mirror=${RESEARCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
version_h="$cache/usr/include/torch/csrc/api/include/torch/version.h"

if [ ! -f "$version_h" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # The package's file name is read from the index, so a new Debian revision does not break the check.
  file=""
  if curl -sf --max-time 120 -o "$tmp/Packages.xz" "$mirror/dists/trixie/main/binary-amd64/Packages.xz"; then
    file=$(xz -dc "$tmp/Packages.xz" | awk '/^Package: libtorch-dev$/ { p = 1 } p && /^Filename: / { print $2; exit }')
  fi
  if [ -z "$file" ] || ! curl -sf --max-time 300 -o "$tmp/libtorch-dev.deb" "$mirror/$file"; then
    echo "skip  Debian 13's libtorch-dev could not be fetched from $mirror: the 2.x header check did not run"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
  fi
  rm -rf "$cache.partial" && mkdir -p "$cache.partial"
  dpkg-deb -x "$tmp/libtorch-dev.deb" "$cache.partial" && rm -rf "$cache" && mv "$cache.partial" "$cache"
fi

major=$(sed -nE 's/^#define TORCH_VERSION_MAJOR ([0-9]+)/\1/p' "$version_h")
minor=$(sed -nE 's/^#define TORCH_VERSION_MINOR ([0-9]+)/\1/p' "$version_h")
native="$root/src/native"
includes=(-I"$cache/usr/include" -I"$cache/usr/include/torch/csrc/api/include")
if [ "$major" -gt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -ge 10 ]; }; then standards="20"; else standards="17 20"; fi
# One compiler per core; each writes its result line to its own file, read back in order.
results=$(mktemp -d)
check() {
  local std=$1 src=$2 name flags=()
  name=$(basename "$src")
  # distributed.cpp is compiled with Gloo's process group, as on a machine that has Gloo's headers.
  [ "$name" = distributed.cpp ] && flags=(-DRESEARCH_DISTRIBUTED -DRESEARCH_GLOO -DUSE_C10D_GLOO -idirafter "$native/compat")
  if output=$(g++ -std=c++"$std" -fsyntax-only "${includes[@]}" "${flags[@]}" "$src" 2>&1); then
    echo "ok    $name compiles against libtorch $major.$minor as C++$std"
  else
    echo "FAIL  $name against libtorch $major.$minor as C++$std:"
    grep -E "error" <<<"$output" | head -n 3 | sed 's/^/      /'
  fi > "$results/$std-$name"
}
jobs_max=$(nproc)
for std in $standards; do
  for src in "$native"/*.cpp; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
    check "$std" "$src" &
  done
done
wait
cat "$results"/*
passed=$(cat "$results"/* | grep -c '^ok')
failed=$(cat "$results"/* | grep -c '^FAIL')
rm -rf "$results"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
