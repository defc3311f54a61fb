"""Converts a Polyglot Notebooks (.NET Interactive) notebook into one for the kit's kernel, research-csharp.

    /usr/bin/python3 scripts/import_polyglot.py FILE.dib|FILE.ipynb [--out PATH] [--force]

Input: a `.dib` (Polyglot's plain-text format: cells introduced by `#!csharp`, `#!fsharp`, `#!markdown`, ... lines,
and a `#!meta` cell holding the kernel information as JSON), or an `.ipynb` whose kernelspec is `.net-csharp`,
`.net-fsharp` or `.net-pwsh` (or that carries Polyglot's cell metadata).

Output (default: FILE.ipynb beside a .dib, FILE.research.ipynb beside an .ipynb): an nbformat 4.5 notebook whose
kernelspec is research-csharp. Every cell keeps its language: C# cells as they are, any other language's cell with
its magic (`#!fsharp`, `#!html`, `#!javascript`, ...) on its first line, as Polyglot writes a cell in another language
inside a C# notebook. Polyglot's metadata stay (the notebook's `polyglot_notebook.kernelInfo` and each cell's
`polyglot_notebook.kernelName`), so VS Code's Polyglot extension still opens the file with the right languages. Outputs
and execution counts are dropped: they came from another kernel, and the notebook is to be run again here.

Bad input (unknown extension, unreadable file, not a Polyglot notebook, an output that exists without --force) is one
line on stderr and exit status 2; nothing is written. The output is written to a temporary file and renamed.
"""
import argparse
import json
import os
import pathlib
import re
import sys
import tempfile

import nbformat

KERNELSPEC = {"display_name": "C# (Research)", "language": "C#", "name": "research-csharp"}
LANGUAGE_INFO = {"codemirror_mode": "text/x-csharp", "file_extension": ".cs", "mimetype": "text/x-csharp", "name": "C#",
                 "pygments_lexer": "csharp", "version": "15.0"}
POLYGLOT_KERNELSPECS = {".net-csharp": "csharp", ".net-fsharp": "fsharp", ".net-pwsh": "pwsh"}
# Polyglot's spellings of a cell's language, by kernel name (the magics it accepts, and the names in its metadata)
ALIASES = {"c#": "csharp", "cs": "csharp", "f#": "fsharp", "fs": "fsharp", "js": "javascript", "powershell": "pwsh",
           "md": "markdown"}
MAGIC_LINE = re.compile(r"^#!(?P<name>[A-Za-z#][\w#-]*)\s*$")
# the kernels that open a cell in a .dib (Polyglot's subkernels, its metadata cell and markdown)
CELL_KERNELS = {"meta", "markdown", "csharp", "fsharp", "pwsh", "javascript", "html", "sql", "kql", "mermaid", "http",
                "value"}


class BadInput(Exception):
    """Bad input: the message names the file and what is wrong with it."""


def kernel_name(name):
    name = (name or "").strip()
    return ALIASES.get(name.lower(), name.lower())


def code_cell(source, language, polyglot_name=None):
    """A code cell for research-csharp: C# as it is, another language behind its magic on the first line."""
    source = source.strip("\n")
    if language != "csharp" and not source.startswith(f"#!{language}"):
        source = f"#!{language}\n{source}"
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["polyglot_notebook"] = {"kernelName": polyglot_name or language}
    return cell


def markdown_cell(source):
    return nbformat.v4.new_markdown_cell(source.strip("\n"))


def from_dib(path, text):
    """Cells of a .dib: each `#!name` line alone on its line opens a cell in that kernel (Polyglot writes the magic
    before every cell); `#!meta` holds the notebook's kernel information."""
    kernel_info = {"defaultKernelName": "csharp", "items": [{"aliases": [], "languageName": "C#", "name": "csharp"}]}
    sections, current, lines = [], None, []
    for line in text.splitlines():
        match = MAGIC_LINE.match(line)
        # a magic that names a kernel opens a cell; any other (#!time, #!set) belongs to the cell it is in
        if match and kernel_name(match["name"]) in CELL_KERNELS:
            if current is not None:
                sections.append((current, "\n".join(lines)))
            current, lines = kernel_name(match["name"]), []
            continue
        if current is None:
            if not line.strip():
                continue
            current = "csharp"
        lines.append(line)
    if current is not None:
        sections.append((current, "\n".join(lines)))
    if not sections:
        raise BadInput(f"{path}: no cells (a .dib opens each cell with a line such as #!csharp or #!markdown)")
    cells = []
    for name, body in sections:
        if name == "meta":
            try:
                meta = json.loads(body)
            except json.JSONDecodeError as e:
                raise BadInput(f"{path}: the #!meta cell is not JSON ({e.msg}, line {e.lineno})") from None
            kernel_info = meta.get("kernelInfo", kernel_info)
            continue
        if not body.strip():
            continue
        cells.append(markdown_cell(body) if name == "markdown" else code_cell(body, name))
    return cells, kernel_info


def from_ipynb(path, text):
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as e:  # nbformat raises several kinds for a broken file
        raise BadInput(f"{path}: not a readable notebook ({str(e).splitlines()[0]})") from None
    spec = nb.metadata.get("kernelspec", {}).get("name", "")
    polyglot = nb.metadata.get("polyglot_notebook", {})
    if spec not in POLYGLOT_KERNELSPECS and not polyglot:
        raise BadInput(f"{path}: its kernelspec is '{spec or 'none'}', not a Polyglot one "
                           f"({', '.join(POLYGLOT_KERNELSPECS)}), and it has no polyglot_notebook metadata")
    default = kernel_name(polyglot.get("kernelInfo", {}).get("defaultKernelName") or POLYGLOT_KERNELSPECS.get(spec, "csharp"))
    kernel_info = polyglot.get("kernelInfo") or {"defaultKernelName": default, "items": [{"aliases": [], "name": default}]}
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            new = markdown_cell(cell.source)
        elif cell.cell_type == "code":
            meta = cell.metadata
            name = (meta.get("polyglot_notebook", {}).get("kernelName")
                    or meta.get("dotnet_interactive", {}).get("language") or default)
            language = kernel_name(name)
            new = markdown_cell(cell.source) if language == "markdown" else code_cell(cell.source, language, name)
        else:
            new = nbformat.v4.new_raw_cell(cell.source)
        for key, value in cell.metadata.items():
            new.metadata.setdefault(key, value)
        cells.append(new)
    return cells, kernel_info


def convert(path):
    suffix = path.suffix.lower()
    if suffix not in (".dib", ".ipynb"):
        raise BadInput(f"{path}: expected a Polyglot notebook, .dib or .ipynb")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"{path}: cannot be read ({e})") from None
    cells, kernel_info = from_dib(path, text) if suffix == ".dib" else from_ipynb(path, text)
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = 5
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    nb.metadata["polyglot_notebook"] = {"kernelInfo": kernel_info}
    nb.cells = cells
    for cell in nb.cells:       # new cells get ids; a cell copied from an old notebook may lack one
        cell.setdefault("id", nbformat.v4.new_code_cell().id)
    nbformat.validate(nb)
    return nb


def default_output(path):
    return path.with_suffix(".ipynb") if path.suffix.lower() == ".dib" else path.with_name(path.stem + ".research.ipynb")


def write_atomically(nb, out):
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv):
    p = argparse.ArgumentParser(prog="./research import-polyglot",
                                description="Convert a Polyglot Notebooks .dib or .ipynb into a research-csharp notebook.")
    p.add_argument("file")
    p.add_argument("--out", help="where to write (default: FILE.ipynb beside a .dib, FILE.research.ipynb beside an .ipynb)")
    p.add_argument("--force", action="store_true", help="replace an existing output")
    args = p.parse_args(argv)
    path = pathlib.Path(args.file)
    out = pathlib.Path(args.out) if args.out else default_output(path)
    try:
        if out.exists() and not args.force:
            raise BadInput(f"{out}: exists (pass --force to replace it)")
        if not out.parent.is_dir():
            raise BadInput(f"{out}: its folder does not exist")
        nb = convert(path)
    except BadInput as e:
        print(f"import-polyglot: {e}", file=sys.stderr)
        return 2
    write_atomically(nb, out)
    languages = sorted({c.metadata.get("polyglot_notebook", {}).get("kernelName", "") for c in nb.cells if c.cell_type == "code"})
    print(f"import-polyglot: wrote {out}: {len(nb.cells)} cells ({', '.join(l for l in languages if l) or 'no code'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
