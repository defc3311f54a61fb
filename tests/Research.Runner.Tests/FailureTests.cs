using System.Text.Json.Nodes;
using Research.Runner.Tests.Support;
using static Research.Runner.Tests.Support.TestNotebook;

namespace Research.Runner.Tests;

/// <summary>A failing cell stops the run as under nbclient, and the notebook is still written, with the error.</summary>
public sealed class FailureTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("research-run-fail-").FullName;

    private static JsonArray Stale() => [new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "stale\n" }];

    [Fact]
    public void The_first_failing_cell_stops_the_run_and_is_named_in_one_line()
    {
        var path = Write(folder, "failing.ipynb", TestNotebook.Create(
        [
            Markdown("A notebook that fails in its second code cell."),
            Code("var x = 1;"),
            Code("Console.WriteLine(\"before\");\nthrow new InvalidOperationException(\"boom\");", id: "fails"),
            Code("Console.WriteLine(\"never\");", id: "after", outputs: Stale()),
        ]));

        var exit = RunnerProcess.Run(folder, path, "--out", "out");

        Assert.Equal(1, exit.Code);
        var line = exit.Stderr.Trim().Split('\n')[^1];
        Assert.Contains("failing.ipynb failed at cell 3 (In [2], id fails): InvalidOperationException: boom", line);
        var written = Read(Path.Combine(folder, "out", "failing.ipynb"));
        Assert.Equal("", ValidateWithNbformat(Path.Combine(folder, "out", "failing.ipynb")));
        var cells = CodeCells(written);
        var outputs = Outputs(cells[1]);
        Assert.Equal(["stream", "error"], outputs.Select(o => (string?)o["output_type"]));
        Assert.Equal("before\n", Text(outputs[0]["text"]));
        Assert.Equal(("InvalidOperationException", "boom"), ((string?)outputs[1]["ename"], (string?)outputs[1]["evalue"]));
        Assert.Contains(outputs[1]["traceback"]!.AsArray(), l => ((string?)l)!.Contains("boom"));
        // The cell after the failure did not run: no outputs, not an earlier run's.
        Assert.Empty(Outputs(cells[2]));
        Assert.Null((int?)cells[2]["execution_count"]);
    }

    [Fact]
    public void A_compile_error_fails_the_cell_with_its_line_and_column()
    {
        var path = Write(folder, "broken.ipynb", TestNotebook.Create([Code("var fine = 1;\nvar broken = fine +;")]));

        var exit = RunnerProcess.Run(folder, path, "--out", "out");

        Assert.Equal(1, exit.Code);
        var error = Assert.Single(Outputs(CodeCells(Read(Path.Combine(folder, "out", "broken.ipynb")))[0]));
        Assert.Equal("CompilationError", (string?)error["ename"]);
        Assert.StartsWith("(2,20): error CS1525", (string?)error["evalue"]);
    }

    [Fact]
    public void A_cell_past_the_timeout_is_interrupted_and_fails()
    {
        var path = Write(folder, "slow.ipynb", TestNotebook.Create(
        [
            Code("while (true) { }", id: "spins"),
            Code("Console.WriteLine(\"never\");"),
        ]));

        var exit = RunnerProcess.Run(folder, path, "--out", "out", "--timeout", "1");

        Assert.Equal(1, exit.Code);
        Assert.Contains("CellTimeoutError", exit.Stderr);
        var cells = CodeCells(Read(Path.Combine(folder, "out", "slow.ipynb")));
        Assert.Equal("CellTimeoutError", (string?)Assert.Single(Outputs(cells[0]))["ename"]);
        Assert.Empty(Outputs(cells[1]));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
