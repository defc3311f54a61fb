#!/usr/bin/env bash
# Fills the full-budget grids whose finished runs are committed under data/results/<notebook>/runs/, run by run.
# Every run is stored the moment it finishes, so the command can be stopped at any point and started again; it
# trains only what is missing. Passes: the first N seeds of every notebook, then the next, so a grid stopped early
# has every arm at a few seeds. Usage: scripts/results.sh [--passes "2 4 all"] [notebook names...]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
passes="2 4 all"
if [ "${1:-}" = "--passes" ]; then passes=$2; shift 2; fi
notebooks=("$@")
[ ${#notebooks[@]} -gt 0 ] || notebooks=(04-pyramid-vs-flat 05-split-attention-vs-mean 14-metaformer-token-mixers 02-direction-ablation)
runner=${RESEARCH_RUNNER:-$root/src/Research.Runner/bin/Release/net10.0/research-run.dll}
out=$root/out/results
mkdir -p "$out"
for pass in $passes; do
  for nb in "${notebooks[@]}"; do
    file=$root/notebooks/$nb.ipynb
    [ -f "$file" ] || { echo "results: no notebook $file" >&2; exit 2; }
    limit=$([ "$pass" = all ] && echo "" || echo "$pass")
    echo "results: $nb, seeds: ${limit:-all} ($(date -u +%H:%M:%S))"
    # A notebook that fails after its runs are stored has still added them; go on to the next one.
    RESEARCH_BUDGET=full RESEARCH_SEED_LIMIT=$limit dotnet "$runner" "$file" --out "$out" --timeout 0 || echo "results: $nb stopped with an error; its finished runs are kept" >&2
  done
done
