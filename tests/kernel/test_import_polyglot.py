"""`./research import-polyglot` on a .dib and a Polyglot .ipynb written here as Polyglot Notebooks writes them: each
cell keeps its language (another language's cell behind its magic), Polyglot's metadata stay, the kernelspec becomes
research-csharp, and the converted C# runs in the kit's kernel. Bad input is one line, exit 2, nothing written."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "import_polyglot.py"

DIB = """#!meta

{"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"},{"aliases":[],"languageName":"fsharp","name":"fsharp"}]}}

#!markdown

# Squares

Two languages, one notebook.

#!csharp

var squares = Enumerable.Range(1, 4).Select(i => i * i).ToList();
Console.WriteLine(string.Join(",", squares));

#!fsharp

let squares = [ for i in 1 .. 4 -> i * i ]

#!csharp

#!time
squares.Sum()

#!html

<b>done</b>
"""


def polyglot_ipynb():
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp"},
        "language_info": {"name": "polyglot-notebook"},
        "polyglot_notebook": {"kernelInfo": {"defaultKernelName": "csharp", "items": [{"aliases": [], "name": "csharp"},
                                                                                       {"aliases": [], "name": "fsharp"}]}},
    }
    csharp = nbformat.v4.new_code_cell("var answer = 6 * 7;\nanswer", execution_count=3,
                                       outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "42"}, execution_count=3)])
    csharp.metadata = {"dotnet_interactive": {"language": "csharp"}, "polyglot_notebook": {"kernelName": "csharp"}, "tags": ["keep"]}
    fsharp = nbformat.v4.new_code_cell("let answer = 6 * 7")
    fsharp.metadata = {"dotnet_interactive": {"language": "fsharp"}, "polyglot_notebook": {"kernelName": "fsharp"}}
    old_style = nbformat.v4.new_code_cell("1 + 1")
    old_style.metadata = {"dotnet_interactive": {"language": "fsharp"}}     # written before Polyglot's own key existed
    nb.cells = [nbformat.v4.new_markdown_cell("# Answer"), csharp, fsharp, old_style]
    return nb


def run_import(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60)


class ImportPolyglotTests(unittest.TestCase):
    def setUp(self):
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="polyglot-"))

    def tearDown(self):
        for f in sorted(self.folder.rglob("*"), reverse=True):
            f.unlink() if f.is_file() else f.rmdir()
        self.folder.rmdir()

    def convert_dib(self):
        source = self.folder / "squares.dib"
        source.write_text(DIB)
        done = run_import(source)
        self.assertEqual(done.returncode, 0, done.stderr)
        return nbformat.read(self.folder / "squares.ipynb", as_version=4)

    def test_dib_cells_keep_their_languages_behind_magics(self):
        nb = self.convert_dib()
        nbformat.validate(nb)
        self.assertEqual(nb.metadata.kernelspec.name, "research-csharp")
        self.assertEqual(nb.metadata.polyglot_notebook.kernelInfo["items"][1]["name"], "fsharp")
        kinds = [(c.cell_type, c.metadata.get("polyglot_notebook", {}).get("kernelName")) for c in nb.cells]
        self.assertEqual(kinds, [("markdown", None), ("code", "csharp"), ("code", "fsharp"), ("code", "csharp"), ("code", "html")])
        self.assertEqual(nb.cells[0].source, "# Squares\n\nTwo languages, one notebook.")
        self.assertTrue(nb.cells[1].source.startswith("var squares"), "a C# cell needs no magic")
        self.assertEqual(nb.cells[2].source, "#!fsharp\nlet squares = [ for i in 1 .. 4 -> i * i ]")
        self.assertEqual(nb.cells[3].source, "#!time\nsquares.Sum()", "a magic that names no kernel stays in its cell")
        self.assertEqual(nb.cells[4].source, "#!html\n<b>done</b>")

    def test_polyglot_ipynb_keeps_metadata_and_drops_the_other_kernels_outputs(self):
        source = self.folder / "answer.ipynb"
        nbformat.write(polyglot_ipynb(), source)
        done = run_import(source)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("answer.research.ipynb", done.stdout)
        nb = nbformat.read(self.folder / "answer.research.ipynb", as_version=4)
        nbformat.validate(nb)
        self.assertEqual(nb.metadata.kernelspec.name, "research-csharp")
        self.assertEqual(nb.metadata.language_info.name, "C#")
        markdown, csharp, fsharp, old_style = nb.cells
        self.assertEqual(markdown.source, "# Answer")
        self.assertEqual(csharp.source, "var answer = 6 * 7;\nanswer")
        self.assertEqual((csharp.outputs, csharp.execution_count), ([], None))
        self.assertEqual(csharp.metadata["tags"], ["keep"])
        self.assertEqual(csharp.metadata["dotnet_interactive"], {"language": "csharp"})
        self.assertEqual(fsharp.source, "#!fsharp\nlet answer = 6 * 7")
        self.assertEqual(old_style.source, "#!fsharp\n1 + 1")
        self.assertEqual(old_style.metadata["polyglot_notebook"], {"kernelName": "fsharp"})

    def test_converted_csharp_runs_in_the_kits_kernel(self):
        source = self.folder / "answer.ipynb"
        only_csharp = polyglot_ipynb()
        only_csharp.cells = only_csharp.cells[:2]
        nbformat.write(only_csharp, source)
        self.assertEqual(run_import(source).returncode, 0)
        nb = nbformat.read(self.folder / "answer.research.ipynb", as_version=4)
        NotebookClient(nb, timeout=120, startup_timeout=60, kernel_name=nb.metadata.kernelspec.name).execute()
        self.assertEqual(nb.cells[1].outputs[0].data["text/plain"], "42")

    def test_bad_input_is_one_line_exit_2_and_nothing_written(self):
        python_nb = self.folder / "plain.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, python_nb)
        broken_meta = self.folder / "broken.dib"
        broken_meta.write_text("#!meta\n\n{not json\n\n#!csharp\n\n1\n")
        text = self.folder / "notes.txt"
        text.write_text("#!csharp\n1\n")
        cases = [(python_nb, "kernelspec is 'python3'"), (broken_meta, "#!meta cell is not JSON"),
                 (text, "expected a Polyglot notebook"), (self.folder / "absent.dib", "cannot be read")]
        before = sorted(p.name for p in self.folder.iterdir())
        for path, words in cases:
            done = run_import(path)
            self.assertEqual(done.returncode, 2, path)
            self.assertEqual(len(done.stderr.strip().splitlines()), 1, done.stderr)
            self.assertIn(str(path), done.stderr)
            self.assertIn(words, done.stderr)
        self.assertEqual(sorted(p.name for p in self.folder.iterdir()), before)

    def test_an_existing_output_is_kept_unless_forced(self):
        self.convert_dib()
        source = self.folder / "squares.dib"
        kept = run_import(source)
        self.assertEqual(kept.returncode, 2)
        self.assertIn("exists (pass --force", kept.stderr)
        self.assertEqual(run_import(source, "--force").returncode, 0)


if __name__ == "__main__":
    unittest.main()
