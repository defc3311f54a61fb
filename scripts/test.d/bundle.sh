#!/usr/bin/env bash
# Run by ./research test: the GPU bundle is built once, then checked as the GPU machine would meet it:
# size and contents, programs that start without the SDK, run-gpu.sh's --help, every preflight refusal
# (one line, exit 2, nothing left behind), a failed step (DIR.failed, no DIR), and a CPU run against
# Debian's libtorch that builds the shim and runs the steps this checkout has.
set -uo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0
ok() { passed=$((passed + 1)); echo "ok    $1"; }
bad() { failed=$((failed + 1)); echo "FAIL  $1${2:+: $2}"; }
skip() { skipped=$((skipped + 1)); echo "skip  $1: $2"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
summary() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

start=$SECONDS
if ! "$root/scripts/bundle/build.sh" "$work/dist" > "$work/build.log" 2>&1; then
  bad "the bundle builds" "$(tail -n 5 "$work/build.log")"; summary
fi
archive=$(ls "$work"/dist/research-gpu.tar.* 2>/dev/null | head -n1)
ok "the bundle builds in $((SECONDS - start)) s ($(grep '^bundle: /' "$work/build.log" | sed 's/^bundle: [^:]*: //'))"
size=$(stat -c %s "$archive")
check "the archive is under 60 MB ($size bytes)" test "$size" -lt 60000000

mkdir "$work/x"
case "$archive" in *.zst) zstd -dc "$archive" | tar -C "$work/x" -x ;; *) tar -C "$work/x" -xzf "$archive" ;; esac
b="$work/x/research-gpu"
for f in run-gpu.sh app/Research.Bench app/research-cli; do check "bundle has executable $f" test -x "$b/$f"; done
if [ -f "$root/src/Research.Runner/Research.Runner.csproj" ]; then check "bundle has executable app/research-run" test -x "$b/app/research-run"
else skip "bundle has app/research-run" "src/Research.Runner is not in this checkout"; fi
for f in src/native/CMakeLists.txt src/native/shim.cpp share/plotly.js README.md MANIFEST Research.sln; do check "bundle has $f" test -s "$b/$f"; done
for f in $(cd "$root" && git ls-files 'notebooks/*.ipynb' 'bench/*.py' 'src/native/*'); do
  cmp -s "$root/$f" "$b/$f" || bad "bundle has $f as committed"
done
ok "bundle has every committed notebook, bench script and shim source"
check "bundle carries no debug symbols" test -z "$(find "$b/app" -name '*.pdb')"
# Self-contained: the published program starts with no SDK or runtime to be found.
usage=$(env -i PATH=/nonexistent DOTNET_ROOT=/nonexistent "$b/app/Research.Bench" 2>&1)
check "Research.Bench starts without a .NET install" grep -q '^usage: Research.Bench' <<<"$usage"

run() { "$b/run-gpu.sh" "$@" > "$work/out.txt" 2> "$work/err.txt"; }
help=$("$b/run-gpu.sh" --help); status=$?
check "run-gpu.sh --help exits 0" test $status -eq 0
for o in --device --out --budget --notebooks --steps --quick --python --build-dir --help; do
  grep -q -- "$o" <<<"$help" || bad "--help lists $o"
done
ok "--help lists every option"

# A refusal: exit 2, one line on stderr containing the expected words, no output folder of any kind.
refuses() {
  local name=$1 expect=$2; shift 2
  local out="$work/refused"
  run --out "$out" "$@"; local status=$?
  if [ $status -eq 2 ] && [ "$(wc -l < "$work/err.txt")" -eq 1 ] && grep -q -- "$expect" "$work/err.txt" \
     && ! ls -d "$out" "$out".* >/dev/null 2>&1; then ok "refuses $name: $(cat "$work/err.txt")"
  else bad "refuses $name" "exit $status, stderr: $(head -c 300 "$work/err.txt")"; ls -d "$out"* 2>/dev/null && rm -rf "$out"*; fi
}
# A PATH with everything in /usr/bin but the named tools.
path_without() {
  local d="$work/path-without-$1"; mkdir -p "$d"
  for f in /usr/bin/* /usr/local/bin/*; do
    local n=${f##*/} skip=""
    for t in "$@"; do case "$n" in "$t"|"$t"-[0-9]*|x86_64-linux-gnu-"$t"*) skip=1 ;; esac; done
    [ -z "$skip" ] && ln -sf "$f" "$d/$n"
  done
  echo "$d"
}
# A Python that answers run-gpu.sh's one torch probe with what FAKE_* say.
cat > "$work/fake-python" <<'PY'
#!/usr/bin/env bash
cat > /dev/null
[ -n "${FAKE_ERROR:-}" ] && { echo "error=$FAKE_ERROR"; exit 0; }
printf 'version=%s\ncuda=%s\navailable=%s\ngpu=\nprefix=/nonexistent\nroot=/nonexistent\nabi=1\n' \
  "$FAKE_VERSION" "${FAKE_CUDA:-None}" "${FAKE_AVAILABLE:-False}"
PY
chmod +x "$work/fake-python"
py=/usr/bin/python3

nocxx=$(path_without c++ g++) nocmake=$(path_without cmake)
PATH=$nocxx CXX= refuses "a machine without a C++ compiler" "no C++ compiler" --device cpu --python "$py"
PATH=$nocmake refuses "a machine without cmake" "no cmake" --device cpu --python "$py"
refuses "a Python that is not there" "no Python" --device cpu --python /nonexistent/python
FAKE_ERROR="ModuleNotFoundError: No module named 'torch'" refuses "a Python without torch" "cannot import torch" --device cpu --python "$work/fake-python"
FAKE_VERSION=1.12.1 refuses "torch 1.12" "older than the shim supports" --device cpu --python "$work/fake-python"
FAKE_VERSION=2.99.0+cu130 FAKE_CUDA=13.0 FAKE_AVAILABLE=True refuses "torch 2.99" "newer than the shim supports" --python "$work/fake-python"
refuses "--device cuda with Debian's CPU-only libtorch" "libtorch without CUDA" --device cuda --python "$py"
FAKE_VERSION=2.11.0+cu130 FAKE_CUDA=13.0 refuses "--device cuda with a CUDA torch and no GPU" "sees no GPU" --python "$work/fake-python"
refuses "an unknown notebook" "no notebook 'no-such-notebook'" --device cpu --python "$py" --notebooks no-such-notebook
if [ -x "$b/app/research-run" ]; then
  # run-gpu.sh refuses a notebook that reads Fashion-MNIST with no stand-in when the files are absent; every bundled
  # notebook now loads its data through experiment.Data, which has the synthetic stand-in, so none may need refusing.
  check "every bundled notebook runs without Fashion-MNIST's files (the synthetic stand-in)" \
    bash -c '! grep -l "FashionMnist.Load(" "$0"/notebooks/*.ipynb | xargs -r grep -L "FashionMnist.IsAvailable(" | grep -q .' "$b"
else
  refuses "notebooks from a bundle without research-run" "has no research-run" --device cpu --python "$py" --steps notebooks --notebooks 00-quickstart
fi
refuses "an unknown step" "unknown step" --device cpu --python "$py" --steps "build-everything"
refuses "a bad budget" "--budget must be" --device cpu --python "$py" --budget huge
refuses "an unknown option" "unknown option" --device cpu --python "$py" --fast
mkdir "$work/taken"
run --out "$work/taken" --device cpu --python "$py"; status=$?
check "refuses an output folder that exists, leaving it as it was" test $status -eq 2 -a -z "$(ls -A "$work/taken")"
for c in device-check gpu; do
  if ! grep -qE "[<|]$c[|>]" <<<"$usage"; then
    step=$([ $c = gpu ] && echo bench || echo $c)
    refuses "the $step step when Research.Bench has no '$c'" "no '$c' command" --device cpu --python "$py" --steps "$step"
  fi
done

# A step that fails leaves DIR.failed with its log, and nothing at DIR.
CXX=/bin/false run --out "$work/broken" --device cpu --python "$py" --steps ""; status=$?
check "a failed build exits 1, leaves DIR.failed with the build log and no DIR" \
  test $status -eq 1 -a -s "$work/broken.failed/logs/build.log" -a -s "$work/broken.failed/summary.md" -a ! -e "$work/broken" -a ! -e "$work/broken.partial"

# The CPU run: the shim built against Debian's libtorch, then the steps this checkout's bundle can run,
# without Fashion-MNIST as on the GPU machine (the quickstart falls back to a synthetic task; at the smoke
# budget that task is smaller than one batch, so quick).
steps="" notebooks=""
for c in device-check gpu; do
  step=$([ $c = gpu ] && echo bench || echo $c)
  if grep -qE "[<|]$c[|>]" <<<"$usage"; then steps="$steps $step"; else skip "the $step step on the CPU" "Research.Bench has no '$c' command yet"; fi
done
if [ -x "$b/app/research-run" ]; then steps="$steps notebooks" notebooks="00-quickstart 01-shift-equivalence"
else skip "the notebooks step on the CPU" "the bundle has no research-run"; fi
start=$SECONDS
RESEARCH_FASHION_MNIST=$work/no-data run --out "$work/cpu" --device cpu --python "$py" --quick --budget quick \
  --steps "$steps" ${notebooks:+--notebooks "$notebooks"}; status=$?
took=$((SECONDS - start))
if [ $status -eq 0 ]; then ok "run-gpu.sh --device cpu --quick --steps \"${steps# }\" passes in $took s"
else bad "run-gpu.sh --device cpu --quick" "exit $status: $(tail -n 8 "$work/out.txt" "$work/err.txt")"; fi
check "the CPU run finishes in under 2 minutes ($took s)" test "$took" -lt 120
check "the CPU run leaves DIR only, with summary.md and the build's log" \
  test -s "$work/cpu/summary.md" -a -s "$work/cpu/logs/build.log" -a -f "$work/cpu/build/native/libresearch_native.so" -a ! -e "$work/cpu.partial" -a ! -e "$work/cpu.failed"
check "the summary says the build passed" grep -q '^| build | passed' "$work/cpu/summary.md"
case " $steps " in *" device-check "*)
  check "the device check wrote its report" test -s "$work/cpu/device-check/device-check.json" -a -s "$work/cpu/device-check/device-check.md" ;; esac
case " $steps " in *" bench "*)
  check "the benchmark wrote its report" test -s "$work/cpu/bench/gpu-bench.json" -a -s "$work/cpu/bench/gpu-bench.md" ;; esac
for n in $notebooks; do
  check "$n ran and was written" test -s "$work/cpu/notebooks/$n.ipynb"
  check "the summary says $n passed" grep -q "^| notebook-$n | passed" "$work/cpu/summary.md"
done
if [ -n "$notebooks" ]; then
  check "the quickstart trained on the synthetic fallback" grep -q 'headline: .* on stripes' "$work/cpu/notebooks/00-quickstart.ipynb"
  check "its figures embed the bundle's plotly.js" grep -q 'data-plotlyjs' "$work/cpu/notebooks/00-quickstart.ipynb"
fi

summary
