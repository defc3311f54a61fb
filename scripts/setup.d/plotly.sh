# Sourced by ./research setup (scripts/lib.sh sets $root) and by scripts/bundle/build.sh.
# Installs the plotly.js that figures embed, pinned by scripts/plotly/package-lock.json, into build/plotly
# (ignored by git), where Research.Plots.PlotlyJs and scripts/plotly/locate.sh look first. npm runs only when
# the installed copy is missing or was installed from another lock file.

plotly_install() {
  local src="$root/scripts/plotly" dest="$root/build/plotly"
  local file="$dest/node_modules/plotly.js-dist-min/plotly.min.js" stamp="$dest/installed-package-lock.json"
  if [ -f "$file" ] && cmp -s "$src/package-lock.json" "$stamp"; then return 0; fi
  if ! command -v npm >/dev/null; then
    echo "research: npm not found; it installs the plotly.js pinned in $src/package-lock.json into $dest" \
      "(apt-get install npm, which ./research setup does where no npm is on PATH)" >&2
    return 1
  fi
  echo "research: installing plotly.js $(sed -nE 's/.*"plotly\.js-dist-min": *"([^"]+)".*/\1/p' "$src/package.json") into $dest"
  mkdir -p "$dest"
  rm -f "$stamp"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  if ! npm ci --prefix "$dest" --no-audit --no-fund --loglevel=error >/dev/null || [ ! -f "$file" ]; then
    echo "research: npm ci in $dest failed to install $file from $src/package-lock.json" >&2
    return 1
  fi
  # Written last, so an interrupted install is retried by the next setup.
  cp "$src/package-lock.json" "$stamp"
}

plotly_install
