using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Research.Runner.Tests.Support;
using static Research.Runner.Tests.Support.TestNotebook;

namespace Research.Runner.Tests;

/// <summary>One notebook with a cell for each kind of output, run once by research-run at the smoke budget.</summary>
public sealed class RunnerCheckFixture : IDisposable
{
    public RunnerCheckFixture()
    {
        Folder = Directory.CreateTempSubdirectory("research-run-check-").FullName;
        var stale = new JsonArray(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "from an earlier run\n" });
        Source = TestNotebook.Create(
        [
            Markdown("# Runner check"),
            Code("Console.WriteLine(\"one\");\nConsole.WriteLine(\"two\");", id: "streams"),
            Code("Console.Error.WriteLine(\"careful\");", id: "stderr"),
            Code("display(new Html(\"<b>bold</b>\"));\nConsole.WriteLine(\"after\");", id: "display"),
            Code("var progress = display(\"epoch 1\");\nprogress.update(\"epoch 2\");", id: "update"),
            Code("6 * 7", id: "result"),
            Code("  \n", id: "blank", outputs: (JsonArray)stale.DeepClone()),
            Code("Console.WriteLine($\"{Environment.GetEnvironmentVariable(\"RESEARCH_BUDGET\")} {Directory.GetCurrentDirectory()}\");", id: "where"),
            Code("Console.WriteLine(\"gone\");\nclear_output();\nConsole.WriteLine(\"kept\");", id: "cleared"),
            Code("throw new Exception(\"never runs\");", id: "skipped", tags: ["skip-execution"], outputs: (JsonArray)stale.DeepClone()),
            Code("input(\"name? \")", id: "expected-error", tags: ["raises-exception"]),
            // A duplicate id, which nbformat 4.5 forbids: the runner gives this cell a new one.
            Code("Console.WriteLine(\"still running\");", id: "streams"),
        ]);
        var path = Write(Path.Combine(Folder, "notebooks"), "runner-check.ipynb", Source);
        Exit = RunnerProcess.Run(Folder, path, "--budget", "smoke", "--out", "executed");
        OutputPath = Path.Combine(Folder, "executed", "runner-check.ipynb");
        Result = File.Exists(OutputPath) ? Read(OutputPath) : new JsonObject();
    }

    public string Folder { get; }

    public JsonObject Source { get; }

    public RunnerExit Exit { get; }

    public string OutputPath { get; }

    public JsonObject Result { get; }

    public JsonObject Cell(string id) =>
        Result["cells"]!.AsArray().OfType<JsonObject>().First(c => (string?)c["id"] == id);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

public sealed partial class NotebookRunTests(RunnerCheckFixture run) : IClassFixture<RunnerCheckFixture>
{
    [Fact]
    public void The_run_succeeds_and_reports_its_start_up_time_and_a_summary()
    {
        Assert.True(run.Exit.Code == 0, run.Exit.Stderr);
        Assert.Matches(StartedLine(), run.Exit.Stderr);
        Assert.Contains("runner-check.ipynb: 9 cells ran in", run.Exit.Stderr);
    }

    [Fact]
    public void The_output_is_a_valid_nbformat_4_5_notebook_in_nbformats_file_form()
    {
        Assert.Equal("", ValidateWithNbformat(run.OutputPath));
        Assert.Equal(5, (int?)run.Result["nbformat_minor"]);
        // Written through a temporary file that is renamed: nothing else is left beside it.
        Assert.Equal([run.OutputPath], Directory.GetFiles(Path.GetDirectoryName(run.OutputPath)!));
    }

    [Fact]
    public void Cells_keep_their_ids_and_get_one_when_missing_or_duplicated()
    {
        var ids = run.Result["cells"]!.AsArray().Select(c => (string?)c!["id"]).ToList();
        Assert.All(ids, id => Assert.Matches("^[a-zA-Z0-9_-]{1,64}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal("streams", ids[1]);
        Assert.Equal("expected-error", ids[10]);
        Assert.NotEqual("streams", ids[11]);
    }

    [Fact]
    public void Execution_counts_go_in_order_over_the_cells_that_ran()
    {
        var counts = CodeCells(run.Result).Select(c => (int?)c["execution_count"]).ToList();
        Assert.Equal([1, 2, 3, 4, 5, null, 6, 7, null, 8, 9], counts);
    }

    [Fact]
    public void Stream_text_of_one_name_joins_into_one_output_and_stderr_stays_apart()
    {
        var streams = Assert.Single(Outputs(run.Cell("streams")));
        Assert.Equal(("stream", "stdout", "one\ntwo\n"), ((string?)streams["output_type"], (string?)streams["name"], Text(streams["text"])));
        var stderr = Assert.Single(Outputs(run.Cell("stderr")));
        Assert.Equal(("stderr", "careful\n"), ((string?)stderr["name"], Text(stderr["text"])));
    }

    [Fact]
    public void A_display_carries_the_kernels_mime_bundle_and_comes_before_later_text()
    {
        var outputs = Outputs(run.Cell("display"));
        Assert.Equal(["display_data", "stream"], outputs.Select(o => (string?)o["output_type"]));
        var data = outputs[0]["data"]!.AsObject();
        Assert.Equal("<b>bold</b>", Text(data["text/html"]));
        Assert.True(data.ContainsKey("text/plain"));
        Assert.NotNull(outputs[0]["metadata"] as JsonObject);
        Assert.Null(outputs[0]["transient"]);
        Assert.Equal("after\n", Text(outputs[1]["text"]));
    }

    [Fact]
    public void An_updated_display_shows_its_last_value()
    {
        var display = Assert.Single(Outputs(run.Cell("update")));
        Assert.Equal("epoch 2", Text(display["data"]!["text/plain"]));
    }

    [Fact]
    public void A_trailing_expression_is_an_execute_result_with_its_count()
    {
        var result = Assert.Single(Outputs(run.Cell("result")));
        Assert.Equal("execute_result", (string?)result["output_type"]);
        Assert.Equal(5, (int?)result["execution_count"]);
        Assert.Equal("42", Text(result["data"]!["text/plain"]));
    }

    [Fact]
    public void A_blank_cell_is_not_run_and_loses_stale_outputs()
    {
        Assert.Empty(Outputs(run.Cell("blank")));
    }

    [Fact]
    public void Cells_see_the_budget_and_run_in_the_notebooks_folder()
    {
        var where = Assert.Single(Outputs(run.Cell("where")));
        Assert.Equal($"smoke {Path.Combine(run.Folder, "notebooks")}\n", Text(where["text"]));
    }

    [Fact]
    public void Clear_output_removes_what_the_cell_showed_before()
    {
        var kept = Assert.Single(Outputs(run.Cell("cleared")));
        Assert.Equal("kept\n", Text(kept["text"]));
    }

    [Fact]
    public void A_cell_tagged_skip_execution_is_left_as_it_was()
    {
        var skipped = run.Cell("skipped");
        Assert.Null((int?)skipped["execution_count"]);
        Assert.Equal("from an earlier run\n", Text(Assert.Single(Outputs(skipped))["text"]));
    }

    [Fact]
    public void Input_fails_headless_and_raises_exception_lets_the_run_go_on()
    {
        var error = Assert.Single(Outputs(run.Cell("expected-error")));
        Assert.Equal("error", (string?)error["output_type"]);
        Assert.Equal("InvalidOperationException", (string?)error["ename"]);
        Assert.NotEmpty(error["traceback"]!.AsArray());
        var last = CodeCells(run.Result)[^1];
        Assert.Equal("still running\n", Text(Assert.Single(Outputs(last))["text"]));
    }

    [Fact]
    public void The_notebook_keeps_its_kernelspec_and_gets_the_kernels_language_info()
    {
        var metadata = run.Result["metadata"]!.AsObject();
        Assert.Equal("research-csharp", (string?)metadata["kernelspec"]!["name"]);
        Assert.Equal("C#", (string?)metadata["language_info"]!["name"]);
        Assert.Equal("text/x-csharp", (string?)metadata["language_info"]!["mimetype"]);
        Assert.NotNull((string?)metadata["language_info"]!["version"]);
    }

    [GeneratedRegex(@"research-run: started in \d+\.\d s")]
    private static partial Regex StartedLine();
}
