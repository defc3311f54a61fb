"""A Polyglot-style notebook executed headless through nbclient with the kit's kernel: an F# cell restores Plotly.NET
and shows a chart, #!share carries values both ways, and the chart gets the PNG a committed notebook keeps beside it."""
import os
import sys
import tempfile
import unittest

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from figure_png import PLOTLY, PNG, add_png_fallbacks  # noqa: E402

CELLS = [
    "#!fsharp\n#r \"nuget: Plotly.NET, 6.0.0\"\nopen Plotly.NET\nlet ys = [ 1.0; 4.0; 9.0 ]\nChart.Line([ 1; 2; 3 ], ys)",
    "#!share --from fsharp ys\nys.Sum()",
    "var label = \"squares\";",
    "#!fsharp\n#!share --from csharp label\nsprintf \"%s: %d\" label (List.length ys)",
]


class PolyglotNotebookTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.nb = nbformat.v4.new_notebook()
        cls.nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
        with tempfile.TemporaryDirectory() as folder:
            NotebookClient(cls.nb, timeout=300, startup_timeout=60, kernel_name="research-csharp",
                           resources={"metadata": {"path": folder}}).execute()

    def test_every_cell_ran_without_errors(self):
        for cell in self.nb.cells:
            self.assertFalse([o for o in cell.outputs if o.output_type == "error"], cell.source)

    def test_the_fsharp_chart_is_a_plotly_figure_with_its_offline_html(self):
        data = self.nb.cells[0].outputs[-1].data
        self.assertEqual(data[PLOTLY]["data"][0]["y"], [1.0, 4.0, 9.0])
        self.assertTrue("Plotly.newPlot" in data["text/html"])
        self.assertFalse("<script src" in data["text/html"], "nothing is loaded from elsewhere: plotly.js travels in the output")

    def test_values_cross_between_the_languages(self):
        self.assertEqual(self.nb.cells[1].outputs[-1].data["text/plain"], "14")
        self.assertEqual(self.nb.cells[3].outputs[-1].data["text/plain"], "squares: 3")

    def test_the_chart_gets_a_png_for_the_committed_notebook(self):
        self.assertEqual(add_png_fallbacks(self.nb), 1)
        png = self.nb.cells[0].outputs[-1].data[PNG]
        self.assertTrue(png.startswith("iVBORw0KGgo"), "a base64 PNG")


if __name__ == "__main__":
    unittest.main()
