using System.Text.Json.Nodes;
using Research.Kernel.Display;
using Research.Kernel.Execution;

namespace Research.Runner;

/// <summary>
/// The interpreter's output sink when no frontend listens: each output becomes an nbformat output
/// of the running cell, as nbclient turns the kernel's IOPub messages into outputs. Display
/// updates rewrite every output shown with that display id, in any cell; <c>clear_output</c>
/// empties the running cell, at once or (with wait) when its next output arrives.
/// </summary>
/// <remarks>
/// One deliberate difference from nbclient: consecutive stream text of the same name joins into
/// one output. The kernel cuts streams into messages every 50 ms for liveness, which says nothing
/// about the notebook, so a file written here does not depend on timing.
/// Called from the cell's thread and from the stream buffers' timer, hence the lock.
/// </remarks>
internal sealed class NotebookOutputs : IKernelOutput
{
    private readonly object gate = new();
    private readonly Dictionary<string, List<(int Cell, JsonObject Output)>> displays = new(StringComparer.Ordinal);
    private JsonArray? outputs;
    private int cell = -1;
    private bool clearBeforeNext;

    /// <summary>Sends what follows to <paramref name="cellOutputs"/>, the outputs of cell <paramref name="cellIndex"/>.</summary>
    public void Begin(int cellIndex, JsonArray cellOutputs)
    {
        lock (gate)
        {
            cell = cellIndex;
            outputs = cellOutputs;
            clearBeforeNext = false;
        }
    }

    public void Stream(string name, string text)
    {
        lock (gate)
        {
            if (!clearBeforeNext && outputs is [.., JsonObject { } last] && (string?)last["output_type"] == "stream" && (string?)last["name"] == name)
            {
                last["text"] = (string?)last["text"] + text;
                return;
            }
            AddLocked("stream", OutputContent.Stream(name, text));
        }
    }

    public void Display(MimeBundle bundle, string displayId, bool update)
    {
        lock (gate)
        {
            if (update)
            {
                if (!displays.TryGetValue(displayId, out var shown)) return;
                foreach (var (_, output) in shown)
                {
                    var content = OutputContent.DisplayData(bundle);
                    output["data"] = content["data"]!.DeepClone();
                    output["metadata"] = content["metadata"]!.DeepClone();
                }
                return;
            }
            var added = AddLocked("display_data", OutputContent.DisplayData(bundle));
            if (added is null) return;
            if (!displays.TryGetValue(displayId, out var list)) displays[displayId] = list = [];
            list.Add((cell, added));
        }
    }

    public void ClearOutput(bool wait)
    {
        lock (gate)
        {
            if (wait) clearBeforeNext = true;
            else ClearLocked();
        }
    }

    /// <summary>No one is there to type: a cell asking for input fails, as under nbclient (which refuses stdin).</summary>
    public string RequestInput(string prompt, bool password, CancellationToken cancellation) =>
        throw new InvalidOperationException("research-run runs notebooks headless: a cell cannot ask for input.");

    /// <summary>Adds the cell's result or error, after what it showed while it ran.</summary>
    public void Add(string outputType, JsonObject content)
    {
        lock (gate) AddLocked(outputType, content);
    }

    private JsonObject? AddLocked(string outputType, JsonObject content)
    {
        if (outputs is null) return null;
        if (clearBeforeNext) ClearLocked();
        content["output_type"] = outputType;
        outputs.Add(content);
        return content;
    }

    private void ClearLocked()
    {
        clearBeforeNext = false;
        outputs?.Clear();
        foreach (var shown in displays.Values) shown.RemoveAll(d => d.Cell == cell);
    }
}
