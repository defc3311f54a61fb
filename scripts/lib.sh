# Shared functions of ./research. Sourced, not run.

# Debian packages the kit stands on; see environment.md for why each is here.
apt_packages=(
  libtorch-dev libopenblas0-pthread cmake g++   # tensor engine and the native shim
  libgloo-dev                                    # Gloo's headers, for c10d's process groups in the shim
  python3-torch                                  # the PyTorch oracle for tests and benchmarks
  python3-scipy                                  # the SciPy oracle for the statistics tests (tests/golden/statistics.py)
  libzmq5                                        # Jupyter kernel transport
  jupyter-notebook python3-nbclient jupyter-nbconvert python3-ipykernel python3-jupyter-kernel-test
  python3-plotly                                 # a fallback plotly.js (setup.d/plotly.sh installs the pinned, minified one)
  chromium                                       # headless browser for plot and notebook checks
  dataset-fashion-mnist                          # the default dataset
  zstd                                           # compresses the GPU bundle (./research bundle) 15% below gzip
  curl xz-utils                                  # Debian 13's libtorch-dev headers for the 2.x compile check (test.d/torch_headers.sh)
)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@";
  else echo "research: need root or sudo to run: $*" >&2; return 1; fi
}

install_packages() {
  local missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  # npm installs the pinned plotly.js (setup.d/plotly.sh). Only where none is on PATH: a Node.js from another
  # source (NodeSource's nodejs) brings its own npm and conflicts with Debian's package.
  command -v npm >/dev/null || missing+=(npm)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "research: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The shim is rebuilt only when its sources change; cmake and make decide that.
build_native() {
  local build="$root/build/native"
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root/src/native" -B "$build" -DCMAKE_BUILD_TYPE=Release ${RESEARCH_TORCH_PREFIX:+-DCMAKE_PREFIX_PATH="$RESEARCH_TORCH_PREFIX"} >/dev/null
  fi
  cmake --build "$build" -j"$(nproc)" 2>&1 | grep -vE '^\[|^-- |Consolidate compiler' || true
  test -f "$build/libresearch_native.so" || { echo "research: native shim did not build" >&2; return 1; }
}

build_dotnet() {
  dotnet build "$root/Research.sln" -c Release -nologo -v q -clp:ErrorsOnly
}

setup() {
  install_packages
  build_native
  build_dotnet
  for f in "$root"/scripts/setup.d/*.sh; do [ -e "$f" ] && source "$f"; done
  return 0
}

# Runs the .NET suites, then every scripts/test.d/*.sh; each part's counts are summed into
# one closing line "N passed, N failed" that CI reads.
run_tests() {
  local log failures passed=0 failed=0 skipped=0 status=0
  log=$(mktemp); failures=$(mktemp)
  dotnet test "$root/Research.sln" -c Release --no-build -nologo -v q "$@" 2>&1 | tee "$log" || status=1
  while read -r f p s; do
    failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s))
  done < <(sed -nE 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+),.*/\1 \2 \3/p' "$log")
  # A long log is often read from its end only: what failed is repeated there, each with its first lines of message.
  grep -A8 -E '^ +Failed [A-Za-z_]' "$log" >>"$failures" || true
  for f in "$root"/scripts/test.d/*.sh; do
    [ -e "$f" ] || continue
    echo "research: $(basename "$f")"
    bash "$f" 2>&1 | tee "$log" || status=1
    grep -E '^(FAIL|not ok|ERROR:|FAIL:)|^[^ ]+\.ipynb +FAILED|^[^ ]+\.ipynb: [^o]' "$log" | sed "s|^|$(basename "$f"): |" >>"$failures" || true
    # Each part ends with a line "N passed, N failed[, N skipped]".
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -n "$line" ]; then
      passed=$((passed + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")))
      failed=$((failed + $(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")))
      skipped=$((skipped + $(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line" | grep . || echo 0)))
    else
      echo "research: $(basename "$f") printed no count line" >&2; status=1
    fi
  done
  rm -f "$log"
  [ "$failed" -eq 0 ] || status=1
  if [ -s "$failures" ]; then echo; echo "research: what failed"; cat "$failures"; fi
  rm -f "$failures"
  echo
  echo "$passed passed, $failed failed, $skipped skipped"
  return $status
}

run_notebooks() {
  /usr/bin/python3 "$root/scripts/run_notebooks.py" "$@"
}

run_bench() {
  local what=${1:-all}
  local bench_dll="$root/bench/Research.Bench/bin/Release/net10.0/Research.Bench.dll"
  case "$what" in
    all) for b in torch threads; do dotnet "$bench_dll" "$b" "${@:2}"; done
         /usr/bin/python3 "$root/bench/kernel_roundtrip.py" --json "$root/out/bench/kernel.json" ;;
    kernel) /usr/bin/python3 "$root/bench/kernel_roundtrip.py" --json "$root/out/bench/kernel.json" ;;
    *) dotnet "$bench_dll" "$what" "${@:2}" ;;
  esac
}
