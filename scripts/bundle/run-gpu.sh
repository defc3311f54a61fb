#!/usr/bin/env bash
# The kit's GPU run, from its self-contained bundle (./research bundle). The target machine has a
# PyTorch, CMake and a C++ compiler but no .NET and no network, so the .NET side comes published
# with its own runtime and only the shim is built here, against this machine's libtorch.
#
# Output rule: everything goes to DIR.partial while running. When every step passed it becomes DIR;
# otherwise it becomes DIR.failed (logs included) and DIR is never created, so a folder named DIR
# always holds a complete run. Bad input and a machine that cannot run (preflight) write nothing.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
app="$here/app"

# The libtorch versions the shim's sources are written for (src/native selects the c10d API by version).
min_torch=1.13 max_torch=2.11
all_steps="device-check bench notebooks"

usage() {
  cat <<USAGE
usage: run-gpu.sh [--device cuda|cpu] [--out DIR] [--budget smoke|quick|full] [--notebooks "NAME ..."]
                  [--steps "STEP ..."] [--quick] [--python PY] [--build-dir DIR] [--help]

Builds the native shim against this machine's PyTorch (libtorch $min_torch to $max_torch), then runs,
each step logged under DIR/logs:
  device-check   Research.Bench device-check: the device against the CPU (operators, every model, memory)
  bench          Research.Bench gpu: ours and PyTorch (bench/gpu.py on --python) side by side
  notebooks      research-run on each notebook named by --notebooks, at --budget

  --device D      cuda (default) or cpu
  --out DIR       the output folder; it must not exist (default ./gpu-run-DATE-TIME)
  --budget B      the notebooks' budget: smoke, quick (default) or full
  --notebooks L   notebooks to run, by name with or without .ipynb, e.g. "00-quickstart 01-shift-equivalence"
                  (default none; bundled: notebooks/)
  --steps L       which of "$all_steps" to run (default all); the build always runs
  --quick         the short device checks and benchmarks
  --python PY     the Python whose torch is benchmarked and whose libtorch the shim links
                  (default /opt/torch/.venv/bin/python when present, else python3 on PATH)
  --build-dir DIR build the shim there and reuse it in later runs (default DIR/build/native, fresh)
  --help          this text

While running, results go to DIR.partial; DIR appears only when every step passed, and a run with a
failed step is left as DIR.failed. One command may be limited in time (10 minutes on the GPU
machine): split the work with --steps and share one --build-dir.
Exit status: 0 all passed, 1 a step failed, 2 bad input or a machine that cannot run it.
USAGE
}

die() { echo "run-gpu: $*" >&2; exit 2; }

device=cuda out="" budget=quick notebooks="" steps=$all_steps quick="" python="" python_why="" build_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --device|--out|--budget|--notebooks|--steps|--python|--build-dir)
      [ $# -ge 2 ] || die "$1 needs a value (--help lists the options)"
      case "$1" in
        --device) device=$2 ;; --out) out=$2 ;; --budget) budget=$2 ;; --notebooks) notebooks=$2 ;;
        --steps) steps=$2 ;; --python) python=$2 ;; --build-dir) build_dir=$2 ;;
      esac
      shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (--help lists the options)" ;;
  esac
done

# ---- Preflight: every check before anything is written, each failure one line saying what to do.

case "$device" in cuda|cpu) ;; *) die "--device must be cuda or cpu, not '$device'" ;; esac
case "$budget" in smoke|quick|full) ;; *) die "--budget must be smoke, quick or full, not '$budget'" ;; esac
for s in $steps; do
  case " $all_steps " in *" $s "*) ;; *) die "unknown step '$s' in --steps (known: $all_steps)" ;; esac
done
wants() { case " $steps " in *" $1 "*) return 0 ;; esac; return 1; }

[ -n "$out" ] || out="$PWD/gpu-run-$(date +%Y%m%d-%H%M%S)"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
out=${out%/}
[ -e "$out" ] && die "the output folder $out exists: choose another --out, or remove it"
[ -e "$out.partial" ] && die "$out.partial exists (a run there is going on or was killed): remove it, or choose another --out"
mkdir -p "$(dirname "$out")" 2>/dev/null && [ -w "$(dirname "$out")" ] || die "cannot write in $(dirname "$out"): choose another --out"

nb_paths=()
for n in $notebooks; do
  n=${n%.ipynb}
  [ -f "$here/notebooks/$n.ipynb" ] || die "no notebook '$n' in $here/notebooks (bundled: $(cd "$here/notebooks" && ls *.ipynb | sed 's/\.ipynb$//' | tr '\n' ' '))"
  nb_paths+=("$here/notebooks/$n.ipynb")
done

if [ -n "${CXX:-}" ]; then
  command -v "$CXX" >/dev/null || die "CXX=$CXX is not an executable compiler: unset CXX, or point it at g++"
  cxx=$(command -v "$CXX")
else
  cxx=$(command -v c++ || command -v g++ || true)
  [ -n "$cxx" ] || die "no C++ compiler (c++ or g++) on PATH, needed to build the shim: install g++ (Debian/Ubuntu: apt-get install g++), or set CXX"
fi
command -v cmake >/dev/null || die "no cmake on PATH, needed to build the shim: install CMake 3.18 or newer (apt-get install cmake, or pip install cmake)"
cmake_version=$(cmake --version | sed -nE '1s/.* ([0-9]+\.[0-9]+(\.[0-9]+)?).*/\1/p')
[ "$(printf '%s\n' 3.18 "$cmake_version" | sort -V | head -n1)" = 3.18 ] \
  || die "cmake $cmake_version is older than the 3.18 the shim needs: install a newer CMake (pip install cmake)"

if [ -z "$python" ]; then
  if [ -x /opt/torch/.venv/bin/python ]; then python=/opt/torch/.venv/bin/python python_why="the default: /opt/torch/.venv exists"
  else python=python3 python_why="the default: python3 on PATH, since /opt/torch/.venv is absent"; fi
else
  python_why="--python"
fi
python_path=$(command -v "$python") || die "no Python '$python' (${python_why}): pass --python with the interpreter of a PyTorch install"

# One interpreter start for every fact about torch; each line is key=value.
probe=$("$python_path" - 2>/dev/null <<'PY'
try:
    import torch
except Exception as e:
    print("error=%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
    raise SystemExit(0)
print("version=" + torch.__version__)
print("cuda=" + str(torch.version.cuda))
available = torch.cuda.is_available()
print("available=" + str(available))
print("gpu=" + (torch.cuda.get_device_name(0) if available else ""))
print("prefix=" + torch.utils.cmake_prefix_path)
import os
print("root=" + os.path.dirname(torch.__file__))
print("abi=%d" % int(torch.compiled_with_cxx11_abi()))
PY
) || die "$python_path did not run (exit $?): pass --python with the interpreter of a PyTorch install"
field() { sed -n "s/^$1=//p" <<<"$probe" | head -n1; }
[ -z "$(field error)" ] || die "$python_path cannot import torch ($(field error)): pass --python with the interpreter of a PyTorch install"
torch_version=$(field version)
[ -n "$torch_version" ] || die "$python_path printed no torch version: pass --python with the interpreter of a PyTorch install"
torch_mm=$(sed -nE 's/^([0-9]+)\.([0-9]+).*/\1.\2/p' <<<"$torch_version")
[ -n "$torch_mm" ] || die "cannot read torch's version '$torch_version' from $python_path: pass --python with a PyTorch $min_torch to $max_torch"
older() { [ "$1" != "$2" ] && [ "$(printf '%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }
older "$torch_mm" "$min_torch" && die "torch $torch_version ($python_path) is older than the shim supports ($min_torch to $max_torch): pass --python with a PyTorch $min_torch to $max_torch"
older "$max_torch" "$torch_mm" && die "torch $torch_version ($python_path) is newer than the shim supports ($min_torch to $max_torch): pass --python with a PyTorch $min_torch to $max_torch, or use a bundle of a newer kit"
torch_cuda=$(field cuda)
if [ "$device" = cuda ]; then
  [ "$torch_cuda" != None ] || die "torch $torch_version ($python_path) is a libtorch without CUDA (torch.version.cuda is None): pass --python with a CUDA PyTorch, or run with --device cpu"
  [ "$(field available)" = True ] || die "torch $torch_version has CUDA $torch_cuda but sees no GPU (torch.cuda.is_available() is false): check nvidia-smi, the driver and CUDA_VISIBLE_DEVICES, or run with --device cpu"
fi

# What the bundle itself must hold for the steps asked for: a bundle built from an older checkout
# lacks commands or apps, and finding that out after the build would waste the build.
if wants device-check || wants bench; then
  [ -x "$app/Research.Bench" ] || die "this bundle has no app/Research.Bench: rebuild it with ./research bundle"
  bench_usage=$("$app/Research.Bench" 2>&1)
  for c in device-check gpu; do
    { [ $c = device-check ] && ! wants device-check; } || { [ $c = gpu ] && ! wants bench; } && continue
    grep -qE "[<|]$c[|>]" <<<"$bench_usage" \
      || die "this bundle's Research.Bench has no '$c' command (built from a checkout before it): rebuild the bundle with ./research bundle, or leave the step out with --steps"
  done
fi
if wants notebooks && [ ${#nb_paths[@]} -gt 0 ]; then
  [ -x "$app/research-run" ] || die "this bundle has no research-run (it was built from a checkout without src/Research.Runner): rebuild it with ./research bundle, or leave out --notebooks"
  # Notebooks that read Fashion-MNIST with no synthetic fallback need its files; the bundle has no room for them (30 MB).
  fashion=${RESEARCH_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
  for nb in "${nb_paths[@]}"; do
    if grep -q 'FashionMnist.Load(' "$nb" && ! grep -q 'FashionMnist.IsAvailable(' "$nb"; then
      for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        [ -f "$fashion/$f.gz" ] || [ -f "$fashion/$f" ] \
          || die "$(basename "$nb" .ipynb) needs Fashion-MNIST, and $fashion has no $f(.gz): set RESEARCH_FASHION_MNIST to a folder with the four IDX files, or leave the notebook out"
      done
    fi
  done
fi

# ---- The run: all under $partial, renamed at the end.

partial="$out.partial"
mkdir -p "$partial/logs" || die "cannot create $partial"
if [ -n "$build_dir" ]; then
  case "$build_dir" in /*) ;; *) build_dir="$PWD/$build_dir" ;; esac
  build_where=$build_dir
else
  build_dir=$partial/build/native build_where=build/native
fi
results=()   # "step|status|seconds|where"

finish() {
  local status=$1 dest
  {
    echo "# GPU run"
    echo
    echo "- bundle: $(sed -n 's/^commit: //p' "$here/MANIFEST" 2>/dev/null)"
    echo "- device: $device${gpu_name:+ ($gpu_name)}"
    echo "- python: $python_path ($python_why), torch $torch_version, CUDA $torch_cuda"
    echo "- budget: $budget${quick:+, --quick}"
    echo
    echo "| step | result | seconds | files |"
    echo "| --- | --- | --- | --- |"
    for r in "${results[@]}"; do IFS='|' read -r s st sec where <<<"$r"; echo "| $s | $st | $sec | $where |"; done
  } > "$partial/summary.md"
  if [ "$status" -eq 0 ]; then dest=$out; else dest=$out.failed; rm -rf "$dest"; fi
  mv "$partial" "$dest"
  echo
  sed -n '/^| step/,$p' "$dest/summary.md"
  if [ "$status" -eq 0 ]; then echo "run-gpu: every step passed; results in $dest"
  else echo "run-gpu: ${2:-a step failed}; nothing at $out, the run and its logs are in $dest" >&2; fi
  exit "$status"
}
trap 'results+=("interrupted|failed|-|-"); finish 1 interrupted' INT TERM

gpu_name=$(field gpu)
exec 3>&1
log() { echo "run-gpu: $*" | tee -a "$partial/logs/run.log" >&3; }
log "python: $python_path ($python_why): torch $torch_version, CUDA $torch_cuda${gpu_name:+, GPU $gpu_name}"
log "compiler: $cxx; cmake $cmake_version; output: $partial (becomes $out when every step passes)"

# step NAME WHERE CMD...: runs CMD with its output in logs/NAME.log, records the result.
failed=0
step() {
  local name=$1 where=$2 start status; shift 2
  log "$name ..."
  start=$SECONDS
  ( cd "$partial" && "$@" ) > "$partial/logs/$name.log" 2>&1
  status=$?
  if [ $status -eq 0 ]; then results+=("$name|passed|$((SECONDS - start))|$where"); log "$name passed ($((SECONDS - start)) s)"
  else results+=("$name|failed (exit $status)|$((SECONDS - start))|logs/$name.log"); failed=1
       log "$name failed (exit $status), last lines of logs/$name.log:"; tail -n 5 "$partial/logs/$name.log" | sed 's/^/    /' >&3; fi
  return $status
}

build_shim() {
  local torch_args=() gen_args=() root prefix
  root=$(field root) prefix=$(field prefix)
  # A pip wheel's own folder has the headers and libraries: built from there, a CUDA wheel needs no CUDA
  # toolkit (torch's CMake config would insist on one). Debian's python3-torch has neither there, and its
  # libtorch-dev's config is found by CMake without a prefix.
  if [ -f "$root/include/torch/csrc/api/include/torch/version.h" ] && [ -f "$root/lib/libtorch.so" ]; then
    torch_args=(-DRESEARCH_TORCH_ROOT="$root" -DRESEARCH_TORCH_CXX11_ABI="$(field abi)")
  elif [ -f "$prefix/Torch/TorchConfig.cmake" ]; then
    torch_args=(-DCMAKE_PREFIX_PATH="$prefix")
  fi
  command -v ninja >/dev/null && [ ! -f "$build_dir/CMakeCache.txt" ] && gen_args=(-G Ninja)
  cmake -S "$here/src/native" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" "${gen_args[@]}" "${torch_args[@]}" || return $?
  cmake --build "$build_dir" -j"$(nproc)" || return $?
  test -f "$build_dir/libresearch_native.so"
}
if ! step build "$build_where" build_shim; then
  # The usual cause on a CUDA machine has a known cure; say it in one line as well.
  if grep -qiE "uses CUDA but I cannot find|Could NOT find CUDA|Failed to find nvcc|CUDA_TOOLKIT_ROOT_DIR" "$partial/logs/build.log"; then
    log "CMake's Torch config for a CUDA libtorch needs the CUDA toolkit (nvcc and headers): put nvcc on PATH or set CUDAToolkit_ROOT / CUDA_HOME to it"
  fi
  finish 1
fi

export RESEARCH_NATIVE="$build_dir/libresearch_native.so"
export RESEARCH_CACHE="$partial/cache"
export RESEARCH_BUDGET="$budget"
# The notebooks' trainers and graphs take their default device from here, so they run on the GPU unchanged.
export RESEARCH_DEVICE="$device"
# Figures embed plotly.js; the bundle carries the kit's copy, since the GPU machine has none.
[ -n "${RESEARCH_PLOTLY_JS:-}" ] || export RESEARCH_PLOTLY_JS="$here/share/plotly.js"

if wants device-check; then
  step device-check device-check/ "$app/Research.Bench" device-check --device "$device" --out "$partial/device-check" ${quick:+--quick}
fi
if wants bench; then
  step bench bench/ "$app/Research.Bench" gpu --device "$device" --python "$python_path" --out "$partial/bench" ${quick:+--quick}
fi
if wants notebooks; then
  if [ ${#nb_paths[@]} -eq 0 ]; then
    results+=("notebooks|not asked (no --notebooks)|-|-")
    log "notebooks: none named (--notebooks \"NAME ...\" runs some)"
  fi
  for nb in "${nb_paths[@]}"; do
    name=$(basename "$nb" .ipynb)
    step "notebook-$name" notebooks/ "$app/research-run" "$nb" --budget "$budget" --out "$partial/notebooks"
  done
fi

finish $failed
