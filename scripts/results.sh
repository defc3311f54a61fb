#!/usr/bin/env bash
# Fills the full-budget grids whose finished runs are committed under data/results/<notebook>/runs/, run by run.
# Every run is stored the moment it finishes, so the command can be stopped at any point and started again; it
# trains only what is missing. Passes: the first N seeds of every notebook, then the next, so a grid stopped early
# has every arm at a few seeds. --jobs J: J processes share each pass's seeds (RESEARCH_SEED_SHARD), each with
# cores/J threads: the notebooks' small models keep two single-threaded processes busier than one with two threads.
# Usage: scripts/results.sh [--passes "2 4 all"] [--jobs J] [notebook names...]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
passes="2 4 all"
jobs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --passes) passes=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2
            [[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "results: --jobs must be a positive number, not '$jobs'" >&2; exit 2; } ;;
    *) break ;;
  esac
done
notebooks=("$@")
[ ${#notebooks[@]} -gt 0 ] || notebooks=(04-pyramid-vs-flat 05-split-attention-vs-mean 14-metaformer-token-mixers 02-direction-ablation)
runner=${RESEARCH_RUNNER:-$root/src/Research.Runner/bin/Release/net10.0/research-run.dll}
out=$root/out/results
mkdir -p "$out"
threads=$(( $(nproc) / jobs )); [ "$threads" -ge 1 ] || threads=1
for pass in $passes; do
  for nb in "${notebooks[@]}"; do
    file=$root/notebooks/$nb.ipynb
    [ -f "$file" ] || { echo "results: no notebook $file" >&2; exit 2; }
    limit=$([ "$pass" = all ] && echo "" || echo "$pass")
    echo "results: $nb, seeds: ${limit:-all}, $jobs process(es) ($(date -u +%H:%M:%S))"
    for ((k = 0; k < jobs; k++)); do
      shard=$([ "$jobs" -gt 1 ] && echo "$k/$jobs" || echo "")
      # Each process writes its executed notebook to a folder of its own.
      dir=$out$([ "$jobs" -gt 1 ] && echo "/shard-$k" || echo "")
      # A notebook that fails after its runs are stored has still added them; go on to the next one.
      (RESEARCH_NUM_THREADS=$threads RESEARCH_BUDGET=full RESEARCH_SEED_LIMIT=$limit RESEARCH_SEED_SHARD=$shard \
        dotnet "$runner" "$file" --out "$dir" --timeout 0 || echo "results: $nb${shard:+ (shard $shard)} stopped with an error; its finished runs are kept" >&2) &
    done
    wait
  done
done
