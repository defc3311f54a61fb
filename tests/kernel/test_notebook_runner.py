"""The headless runner (research-run) against nbclient with the kernel, on two of the kit's notebooks
at the smoke budget: per code cell, the same execution count, the same output types with the same
MIME types, and the same text (streams and text/plain) where the cell is deterministic.

Deterministic, here: a line that reports a time (a number of ms, µs, s or min, a rate per second,
an mm:ss clock) is left out, since what such a line says can depend on the clock (which
implementation was fastest); the process id in temporary paths is masked, and so is the size of
a checkpoint's sidecar, which records that path. Everything else must match exactly.

Consecutive stream outputs of one name are joined on both sides before comparing: the kernel cuts
streams into messages every 50 ms, and the runner joins them (see Research.Runner/NotebookOutputs.cs).
"""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import unittest

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUNNER = ROOT / "src" / "Research.Runner" / "bin" / "Release" / "net10.0" / "research-run.dll"
NOTEBOOKS = ["00-quickstart.ipynb", "01-shift-equivalence.ipynb"]

TIMING = re.compile(r"\d(\.\d+)?\s?(ms|µs|us|s|min)\b|/s\b|\b\d\d:\d\d\b")
MASKS = [
    (re.compile(r"(/tmp/[^\s/]*?)\d+\b"), r"\1<pid>"),
    (re.compile(r"(checkpoint\.json\s+)[\d,]+ bytes"), r"\1<n> bytes"),
]


def joined(outputs):
    """The outputs with consecutive streams of one name joined into one."""
    result = []
    for out in outputs:
        if out["output_type"] == "stream" and result and result[-1]["output_type"] == "stream" and result[-1]["name"] == out["name"]:
            result[-1] = dict(result[-1], text=result[-1]["text"] + out["text"])
        else:
            result.append(dict(out))
    return result


def text_of(out):
    if out["output_type"] == "stream":
        return out["text"]
    if out["output_type"] in ("display_data", "execute_result"):
        return out["data"].get("text/plain", "")
    return f"{out['ename']}: {out['evalue']}"


def deterministic(text):
    lines = [line for line in text.splitlines() if not TIMING.search(line)]
    text = "\n".join(lines)
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def shape(out):
    return out["output_type"], sorted(out.get("data", {})), out.get("name")


class RunnerMatchesNbclientTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not RUNNER.exists():
            raise unittest.SkipTest(f"{RUNNER} is not built: run ./research setup")
        cls.out = pathlib.Path(tempfile.mkdtemp(prefix="research-runner-vs-nbclient-"))
        cls.pairs = {}
        saved = os.environ.get("RESEARCH_BUDGET")
        os.environ["RESEARCH_BUDGET"] = "smoke"
        try:
            for name in NOTEBOOKS:
                path = ROOT / "notebooks" / name
                # As scripts/run_notebooks.py runs a notebook: the kernel in the notebook's folder.
                reference = nbformat.read(path, as_version=4)
                NotebookClient(reference, kernel_name="research-csharp", timeout=300, startup_timeout=60,
                               resources={"metadata": {"path": str(path.parent)}}).execute()
                run = subprocess.run(["dotnet", str(RUNNER), str(path), "--budget", "smoke", "--out", str(cls.out)],
                                     capture_output=True, text=True, timeout=300)
                cls.pairs[name] = (reference, cls.out / name, run)
        finally:
            if saved is None:
                os.environ.pop("RESEARCH_BUDGET", None)
            else:
                os.environ["RESEARCH_BUDGET"] = saved

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "out"):
            shutil.rmtree(cls.out, ignore_errors=True)

    def each(self):
        for name, (reference, path, run) in self.pairs.items():
            with self.subTest(notebook=name):
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertRegex(run.stderr, r"research-run: started in \d+\.\d s")
                yield name, reference, path

    def test_the_runner_writes_a_valid_nbformat_4_5_notebook(self):
        for name, reference, path in self.each():
            written = nbformat.read(path, as_version=nbformat.NO_CONVERT)
            nbformat.validate(written)
            self.assertEqual((written.nbformat, written.nbformat_minor), (4, 5))
            self.assertEqual([c.id for c in written.cells], [c.id for c in reference.cells])
            self.assertEqual(written.metadata.kernelspec, reference.metadata.kernelspec)
            self.assertEqual(written.metadata.language_info, reference.metadata.language_info)

    def test_each_cell_has_the_same_count_output_types_and_mime_types(self):
        for name, reference, path in self.each():
            written = nbformat.read(path, as_version=4)
            self.assertEqual(len(written.cells), len(reference.cells))
            for ours, theirs in zip(written.cells, reference.cells):
                if theirs.cell_type != "code":
                    continue
                self.assertEqual(ours.execution_count, theirs.execution_count, theirs.id)
                self.assertEqual([shape(o) for o in joined(ours.outputs)], [shape(o) for o in joined(theirs.outputs)],
                                 f"{name}, cell {theirs.id}")

    def test_deterministic_text_is_the_same(self):
        compared = 0
        for name, reference, path in self.each():
            written = nbformat.read(path, as_version=4)
            for ours, theirs in zip(written.cells, reference.cells):
                if theirs.cell_type != "code":
                    continue
                for a, b in zip(joined(ours.outputs), joined(theirs.outputs)):
                    expected = deterministic(text_of(b))
                    self.assertEqual(deterministic(text_of(a)), expected, f"{name}, cell {theirs.id}")
                    compared += bool(expected.strip())
        # Most outputs carry deterministic text; a mask that swallowed everything would compare nothing.
        self.assertGreater(compared, 15)


if __name__ == "__main__":
    unittest.main()
