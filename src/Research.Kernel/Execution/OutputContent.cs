using System.Text.Json.Nodes;
using Research.Kernel.Display;

namespace Research.Kernel.Execution;

/// <summary>
/// The content of the output messages a cell makes (<c>stream</c>, <c>display_data</c>,
/// <c>execute_result</c>, <c>error</c>), built in one place for the two consumers: the kernel
/// publishes it on IOPub, and the notebook runner stores it as an nbformat output (the same
/// object plus <c>output_type</c>, as nbformat's <c>output_from_msg</c> makes it). So a notebook
/// run headless carries exactly the MIME bundles a frontend would have received.
/// </summary>
public static class OutputContent
{
    public static JsonObject Stream(string name, string text) => new() { ["name"] = name, ["text"] = text };

    /// <summary>A display's content as a notebook stores it; on the wire the kernel adds <c>transient.display_id</c>.</summary>
    public static JsonObject DisplayData(MimeBundle bundle) => new()
    {
        ["data"] = bundle.DataJson(),
        ["metadata"] = bundle.MetadataJson(),
    };

    public static JsonObject ExecuteResult(MimeBundle result, int executionCount) => new()
    {
        ["execution_count"] = executionCount,
        ["data"] = result.DataJson(),
        ["metadata"] = result.MetadataJson(),
    };

    public static JsonObject Error(ExecuteFailed failure) => new()
    {
        ["ename"] = failure.Name,
        ["evalue"] = failure.Value,
        ["traceback"] = new JsonArray([.. failure.Traceback.Select(t => (JsonNode)t)]),
    };
}
