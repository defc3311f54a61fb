using System.Text.Json.Nodes;
using Research.Kernel.Execution;

namespace Research.Runner;

/// <summary>The cell that stopped the run.</summary>
/// <param name="Position">The cell's place in the notebook, from 1, markdown cells counted.</param>
/// <param name="ExecutionCount">Its <c>In [n]</c>.</param>
internal sealed record CellFailure(int Position, string Id, int ExecutionCount, string Name, string Value);

/// <param name="Executed">How many code cells ran.</param>
/// <param name="Failure">The cell that failed, or null when every cell ran.</param>
internal sealed record RunResult(int Executed, CellFailure? Failure);

/// <summary>
/// Runs a notebook's code cells in order through an <see cref="IInterpreter"/>, as nbclient runs
/// them through a kernel: blank cells and cells tagged <c>skip-execution</c> are not run,
/// execution counts go 1, 2, 3 over the cells that ran, and the run stops at the first error unless
/// the cell is tagged <c>raises-exception</c>. Cells after the failure are left without outputs,
/// so the file shows where the run stopped rather than outputs of an earlier run.
/// </summary>
internal sealed class NotebookRunner(IInterpreter interpreter, NotebookOutputs outputs, TimeSpan? cellTimeout)
{
    private const string SkipTag = "skip-execution", RaisesTag = "raises-exception";

    /// <param name="firstCellStarting">Called once, just before the first code cell runs.</param>
    public RunResult Run(NotebookDocument notebook, Action? firstCellStarting = null)
    {
        var count = 0;
        CellFailure? failure = null;
        for (var i = 0; i < notebook.Cells.Count; i++)
        {
            var cell = (JsonObject)notebook.Cells[i]!;
            if ((string?)cell["cell_type"] != "code") continue;
            var tags = Tags(cell);
            if (tags.Contains(SkipTag)) continue;
            var source = NotebookDocument.JoinLines(cell["source"]);
            var cellOutputs = new JsonArray();
            cell["outputs"] = cellOutputs;
            cell["execution_count"] = null;
            if (failure is not null || string.IsNullOrWhiteSpace(source)) continue;

            cell["execution_count"] = ++count;
            if (count == 1) firstCellStarting?.Invoke();
            outputs.Begin(i, cellOutputs);
            switch (Execute(source, count))
            {
                case ExecuteSucceeded { Result: { } result }:
                    outputs.Add("execute_result", OutputContent.ExecuteResult(result, count));
                    break;
                case ExecuteFailed failed:
                    outputs.Add("error", OutputContent.Error(failed));
                    if (!tags.Contains(RaisesTag)) failure = new CellFailure(i + 1, (string)cell["id"]!, count, failed.Name, failed.Value);
                    break;
            }
        }
        notebook.Metadata["language_info"] = interpreter.Language.Info.DeepClone();
        return new RunResult(count, failure);
    }

    private ExecuteOutcome Execute(string source, int count)
    {
        // nbclient refuses stdin, so input() fails here as it does there.
        var request = new ExecuteRequest(source, count, Silent: false, StoreHistory: true, AllowStdin: false, new Dictionary<string, string>());
        if (cellTimeout is not { } limit) return interpreter.Execute(request);
        var timedOut = 0;
        ExecuteOutcome outcome;
        using (new Timer(_ => { Volatile.Write(ref timedOut, 1); interpreter.Interrupt(); }, null, limit, Timeout.InfiniteTimeSpan))
            outcome = interpreter.Execute(request);
        if (Volatile.Read(ref timedOut) == 0 || outcome is not ExecuteFailed failed) return outcome;
        return new ExecuteFailed("CellTimeoutError", $"The cell ran past the timeout of {limit.TotalSeconds:0.###} s and was interrupted.",
            [$"\u001b[0;31mCellTimeoutError\u001b[0m: the cell ran past the timeout of {limit.TotalSeconds:0.###} s (--timeout) and was interrupted.", .. failed.Traceback.Skip(1)]);
    }

    private static HashSet<string> Tags(JsonObject cell) =>
        cell["metadata"] is JsonObject { } metadata && metadata["tags"] is JsonArray tags
            ? [.. tags.Select(t => t is JsonValue v && v.TryGetValue<string>(out var s) ? s : "")]
            : [];
}
