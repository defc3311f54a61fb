#!/usr/bin/env bash
# Prints the path of the plotly.js that figures embed, walking the list of Research.Plots.PlotlyJs.SearchPaths:
# RESEARCH_PLOTLY_JS when set (a missing file is an error, not a reason to draw with another version), this
# checkout's pinned copy (build/plotly, installed by ./research setup), then the system's copies.
#
#   scripts/plotly/locate.sh        (report.sh, the GPU bundle and figure_png.py take their copy from here)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
if [ -n "${RESEARCH_PLOTLY_JS:-}" ] && [ ! -f "$RESEARCH_PLOTLY_JS" ]; then
  echo "plotly.js: RESEARCH_PLOTLY_JS names $RESEARCH_PLOTLY_JS, which does not exist" >&2
  exit 1
fi
candidates=(${RESEARCH_PLOTLY_JS:+"$RESEARCH_PLOTLY_JS"} "$root/build/plotly/node_modules/plotly.js-dist-min/plotly.min.js"
  /usr/share/python3-plotly/plotly.js /usr/share/javascript/plotly/plotly.min.js
  /usr/lib/python3/dist-packages/plotly/package_data/plotly.min.js /usr/local/lib/node_modules/plotly.js-dist-min/plotly.min.js)
for p in "${candidates[@]}"; do
  if [ -f "$p" ]; then echo "$p"; exit 0; fi
done
echo "plotly.js was not found. Tried: ${candidates[*]}. Run ./research setup, which installs the version pinned in" \
  "scripts/plotly/package-lock.json into build/plotly (it needs npm), or install Debian's python3-plotly, or set RESEARCH_PLOTLY_JS" >&2
exit 1
