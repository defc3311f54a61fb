"""Adds a PNG beside every plotly figure of a notebook, drawn by plotly.js in headless Chromium.

A committed notebook keeps its figures as `application/vnd.plotly.v1+json` (and HTML that
needs plotly.js, which the committed copy does not carry). Viewers without a plotly renderer,
GitHub's among them, show the richest output they understand: with an `image/png` beside the
figure they show the chart instead of nothing. Used by `run_notebooks.py --in-place`; usable
alone on committed notebooks, without executing them again:

    /usr/bin/python3 scripts/figure_png.py notebooks/*.ipynb
"""
import base64
import html
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import nbformat

PLOTLY = "application/vnd.plotly.v1+json"
PNG = "image/png"
# Prints the kit's plotly.js, found as Research.Plots.PlotlyJs finds it (RESEARCH_PLOTLY_JS, the pinned copy, Debian's).
LOCATE_PLOTLY_JS = pathlib.Path(__file__).resolve().parent / "plotly" / "locate.sh"
CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
DEFAULT_WIDTH, DEFAULT_HEIGHT = 900, 450

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><script src="{lib}"></script></head>
<body><div id="plot"></div><pre id="out"></pre>
<script>
var figures = {figures};
var results = [];
var chain = Promise.resolve();
figures.forEach(function (f) {{
  chain = chain.then(function () {{
    var div = document.getElementById("plot");
    return Plotly.newPlot(div, f.data, f.layout, {{staticPlot: true}})
      .then(function (gd) {{
        return Plotly.toImage(gd, {{format: "png", width: f.width, height: f.height, scale: 1}});
      }})
      .then(function (url) {{ results.push(url); Plotly.purge(div); }},
            function (e) {{ results.push("error: " + e); }});
  }});
}});
chain.then(function () {{ document.getElementById("out").textContent = JSON.stringify(results); }});
</script></body></html>
"""


def first_existing(paths, what):
    for p in paths:
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"{what} not found; tried {', '.join(paths)} (./research setup installs it)")


def plotly_js():
    found = subprocess.run(["bash", str(LOCATE_PLOTLY_JS)], capture_output=True, text=True)
    if found.returncode != 0:
        raise FileNotFoundError(found.stderr.strip() or f"{LOCATE_PLOTLY_JS} exited with {found.returncode}")
    return found.stdout.strip()


def figure_outputs(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if PLOTLY in out.get("data", {}):
                yield out


def render(figures, timeout=300):
    """PNG bytes of each plotly figure (a dict with data and layout), in one Chromium run."""
    lib = pathlib.Path(plotly_js()).as_uri()
    chromium = first_existing(CHROMIUM, "Chromium")
    specs = []
    for f in figures:
        layout = dict(f.get("layout", {}))
        specs.append({"data": f.get("data", []), "layout": layout,
                      "width": int(layout.get("width") or DEFAULT_WIDTH),
                      "height": int(layout.get("height") or DEFAULT_HEIGHT)})
    workdir = tempfile.mkdtemp(prefix="research-figure-png-")
    try:
        page = pathlib.Path(workdir) / "figures.html"
        # "</" inside the JSON would end the script element early.
        page.write_text(PAGE.format(lib=lib, figures=json.dumps(specs).replace("</", "<\\/")), encoding="utf-8")
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={workdir}/profile",
                 "--virtual-time-budget=120000", "--dump-dom", page.as_uri()]
        done = subprocess.run([chromium, *flags], capture_output=True, text=True, timeout=timeout)
        match = re.search(r'<pre id="out">(.*?)</pre>', done.stdout, re.S)
        if not match or not match.group(1):
            raise RuntimeError(f"Chromium drew no figures (exit {done.returncode}): {done.stderr[-300:]}")
        urls = json.loads(html.unescape(match.group(1)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    prefix = "data:image/png;base64,"
    images = []
    for url in urls:
        if not url.startswith(prefix):
            raise RuntimeError(f"plotly.js did not draw a figure: {url[:200]}")
        images.append(base64.b64decode(url[len(prefix):]))
    return images


def add_png_fallbacks(nb):
    """Puts a PNG beside every plotly figure of `nb` (in place); returns how many."""
    outputs = list(figure_outputs(nb))
    if not outputs:
        return 0
    images = render([out["data"][PLOTLY] for out in outputs])
    for out, png in zip(outputs, images):
        out["data"][PNG] = base64.b64encode(png).decode("ascii")
    return len(outputs)


def main(paths):
    for name in paths:
        path = pathlib.Path(name)
        nb = nbformat.read(path, as_version=4)
        n = add_png_fallbacks(nb)
        tmp = path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, path)
        print(f"{path.name}: {n} figures drawn as PNG")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
