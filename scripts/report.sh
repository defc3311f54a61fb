#!/usr/bin/env bash
# Turns executed notebooks into HTML reports whose plots draw with no network.
#
#   scripts/report.sh <in.ipynb>... <outdir>
#
# Debian's nbconvert (6.5) puts require.js and MathJax from a CDN in every page and leaves
# plotly.js to the outputs. This script exports with a template that drops the CDN scripts,
# then gives each page exactly one inline copy of the kit's plotly.js (scripts/plotly/locate.sh)
# in its head (outputs that carried their own copy lose it), so every figure draws offline. MathJax comes from
# Debian's libjs-mathjax when installed (a local file: equations typeset on any machine that
# has the package); RESEARCH_REPORT_MATHJAX=off leaves it out.
set -euo pipefail

usage() { echo "usage: scripts/report.sh <in.ipynb>... <outdir>" >&2; }
if [ $# -lt 2 ]; then usage; exit 2; fi
outdir=${!#}
inputs=("${@:1:$#-1}")
for nb in "${inputs[@]}"; do
  [ -f "$nb" ] || { echo "report: no such notebook: $nb" >&2; exit 2; }
done

# The copy the kit's figures embed, found as Research.Plots.PlotlyJs finds it.
plotly_js=$("$(dirname "$(readlink -f "$0")")/plotly/locate.sh") || exit 1
[ -x /usr/bin/jupyter-nbconvert ] || { echo "report: /usr/bin/jupyter-nbconvert missing; install Debian's jupyter-nbconvert" >&2; exit 1; }

mathjax=""
if [ "${RESEARCH_REPORT_MATHJAX:-local}" != off ] && [ -f /usr/share/javascript/mathjax/MathJax.js ]; then
  mathjax="file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
fi

templates=$(mktemp -d)
trap 'rm -rf "$templates"' EXIT
mkdir -p "$templates/research_report"
cat > "$templates/research_report/conf.json" <<'JSON'
{"base_template": "lab", "mimetypes": {"text/html": true}}
JSON
cat > "$templates/research_report/index.html.j2" <<'J2'
{%- extends 'lab/index.html.j2' -%}
{% from 'mathjax.html.j2' import mathjax %}
{#- require.js only serves widgets and CDN libraries here; plotly.js is inlined after export. -#}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}
{%- if resources.mathjax_url -%}{{ mathjax(resources.mathjax_url) }}{%- endif -%}
{%- endblock html_head_js_mathjax -%}
J2

mkdir -p "$outdir"
# Debian's Jupyter lives under /usr/bin; a python3 earlier on PATH must not shadow it.
/usr/bin/jupyter-nbconvert --to html --template research_report \
  --TemplateExporter.extra_template_basedirs="$templates" \
  --HTMLExporter.mathjax_url="$mathjax" \
  --output-dir "$outdir" "${inputs[@]}"

pages=()
for nb in "${inputs[@]}"; do
  name=$(basename "$nb"); pages+=("$outdir/${name%.ipynb}.html")
done

/usr/bin/python3 - "$plotly_js" "${pages[@]}" <<'PY'
import os, re, sys

lib_path, pages = sys.argv[1], sys.argv[2:]
source = open(lib_path, encoding="utf-8").read()
version = re.search(r"plotly\.js v(\d+\.\d+\.\d+[\w.-]*)", source[:2000])
# Mirrors Research.Plots.PlotlyJs.ScriptTag: the bundle sees no AMD/CommonJS loader, so it
# always sets window.Plotly, and nothing in it can close the script element early.
source = re.sub(r"</(script)", r"<\\/\1", source, flags=re.I).replace("<!--", "<\\!--")
tag = ('<script type="text/javascript" data-plotlyjs="%s">\n'
       "if (!window.Plotly) {\n"
       "window.PlotlyConfig = window.PlotlyConfig || {MathJaxConfig: 'local'};\n"
       "(function (define, module, exports) {\n%s\n}).call(window);\n}\n</script>"
       % (version.group(1) if version else "unknown", source))
carrier = re.compile(r'<script type="text/javascript" data-plotlyjs="[^"]*">.*?</script>', re.S)

for page in pages:
    text = open(page, encoding="utf-8").read()
    text, carried = carrier.subn("", text)
    if carried or "research-plot" in text:
        head_end = text.index("</head>")
        text = text[:head_end] + tag + "\n" + text[head_end:]
    temp = "%s.%d.tmp" % (page, os.getpid())
    with open(temp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temp, page)
    print("report: wrote %s" % page)
PY
