#!/usr/bin/env bash
# Builds out/bundle/research-gpu.tar.zst (.tar.gz where zstd is missing): the kit for a GPU machine that
# has PyTorch, CMake and g++ but no .NET, no Jupyter and no network, and takes at most 64 MiB of files.
# Layout and use: scripts/bundle/README.md (the bundle's own README).
#
#   scripts/bundle/build.sh [--gzip] [OUTDIR]      (./research bundle)
#
# --gzip writes .tar.gz even where zstd is here: for a target machine that may have no zstd to unpack with
# (tar and gzip are everywhere), at about 4 MB more.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
gzip_only=""
if [ "${1:-}" = --gzip ]; then gzip_only=1; shift; fi
dest=${1:-$root/out/bundle}
limit=$((60 * 1000 * 1000))   # under 60 MB, leaving room in the 64 MiB that can be carried
name=research-gpu
start=$SECONDS

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dir="$stage/$name"
mkdir -p "$dir/app" "$dir/share"

apps=(bench/Research.Bench src/Research.Cli)
if [ -f "$root/src/Research.Runner/Research.Runner.csproj" ]; then apps+=(src/Research.Runner)
else echo "bundle: src/Research.Runner is not in this checkout, so the bundle has no research-run and runs no notebooks" >&2; fi

# Every app goes into one folder, so they share one copy of the runtime (about 75 MB of the 90).
# Not trimmed: the runner compiles notebook cells with Roslyn, which reaches any framework type.
# Without F# cells: the F# compiler (21 MB) would take the archive over its limit, and the notebooks are C#.
# A separate artifacts path keeps this RID-specific restore out of the checkout's obj/ folders.
for p in "${apps[@]}"; do
  dotnet publish "$root/$p" -c Release -r linux-x64 --self-contained \
    --artifacts-path "$root/build/bundle-artifacts" -o "$dir/app" \
    -p:DebugType=none -p:DebugSymbols=false -p:GenerateDocumentationFile=false \
    -p:SatelliteResourceLanguages=en -p:ResearchFSharpCells=false -nologo -v q -clp:ErrorsOnly
done
publish_s=$((SECONDS - start))

# Sources as git tracks them, so build folders and caches in the checkout stay out.
# Notebook 01 reads its fixture from tests/golden/, as in a checkout.
git -C "$root" ls-files -z src/native notebooks 'bench/*.py' tests/golden/seed-shift-5x5.json \
  | tar -C "$root" --null -T - -cf - | tar -C "$dir" -xf -
# The bundle root is a partial checkout: Research.sln marks it for the lookups that find bench/ and data/
# (the benchmarks' root, ResearchPaths).
cp "$root/Research.sln" "$dir/"
cp "$root/scripts/bundle/run-gpu.sh" "$root/scripts/bundle/README.md" "$dir/"
chmod +x "$dir/run-gpu.sh"

# Figures embed plotly.js, which the GPU machine has no package for: the pinned copy (installed here if missing),
# or whichever copy the kit would use (RESEARCH_PLOTLY_JS wins).
[ -n "${RESEARCH_PLOTLY_JS:-}" ] || source "$root/scripts/setup.d/plotly.sh"
plotly=$("$root/scripts/plotly/locate.sh")
cp "$plotly" "$dir/share/plotly.js"

{
  echo "commit: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "runtime: .NET $(sed -nE 's/.*"Microsoft.NETCore.App": *"([^"]+)".*/\1/p; s/.*"version": *"([0-9][^"]*)".*/\1/p' "$dir/app/Research.Bench.runtimeconfig.json" | head -n1) linux-x64, self-contained"
  echo "apps: $(for p in "${apps[@]}"; do sed -nE 's:.*<AssemblyName>(.*)</AssemblyName>.*:\1:p' "$root/$p/"*.csproj | grep . || basename "$p"; done | tr '\n' ' ')"
  echo "torch: 1.13 to 2.11"
} > "$dir/MANIFEST"

mkdir -p "$dest"
rm -f "$dest/$name.tar.zst" "$dest/$name.tar.gz"
# zstd's level 9 is within 15% of level 19 here at a twentieth of its time (3 s against 60 s on 2 cores).
if [ -z "$gzip_only" ] && command -v zstd >/dev/null; then archive="$dest/$name.tar.zst"; tar -C "$stage" -cf - "$name" | zstd -9 -T0 -q -o "$archive.tmp"
else archive="$dest/$name.tar.gz"; tar -C "$stage" -cf - "$name" | gzip -9 > "$archive.tmp"; fi
mv "$archive.tmp" "$archive"

size=$(stat -c %s "$archive")
unpacked=$(du -sb "$dir" | cut -f1)
echo "bundle: $archive: $((size / 1000000)).$(((size % 1000000) / 100000)) MB ($((unpacked / 1000000)) MB unpacked, $(find "$dir" -type f | wc -l) files); publish ${publish_s} s, all $((SECONDS - start)) s"
if [ "$size" -ge "$limit" ]; then
  rm -f "$archive"
  echo "bundle: $size bytes is over the $limit-byte limit; removed" >&2
  exit 1
fi
