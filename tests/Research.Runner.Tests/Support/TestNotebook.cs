using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Research.Runner.Tests.Support;

/// <summary>Small notebooks written by the tests, in the form the kit's notebooks have, and what the runner made of them.</summary>
public static class TestNotebook
{
    public static JsonObject Code(string source, string? id = null, string[]? tags = null, JsonArray? outputs = null)
    {
        var cell = new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["metadata"] = new JsonObject { ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" } },
            ["outputs"] = outputs ?? [],
            ["source"] = Lines(source),
        };
        if (id is not null) cell["id"] = id;
        if (tags is not null) ((JsonObject)cell["metadata"]!)["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]);
        return cell;
    }

    public static JsonObject Markdown(string source, string? id = null)
    {
        var cell = new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = Lines(source) };
        if (id is not null) cell["id"] = id;
        return cell;
    }

    /// <summary>A notebook of <paramref name="cells"/>; nbformat_minor 4 unless told, so ids are not required on the way in.</summary>
    public static JsonObject Create(IEnumerable<JsonObject> cells, string kernel = "research-csharp", string language = "C#", int minor = 4) => new()
    {
        ["cells"] = new JsonArray([.. cells]),
        ["metadata"] = new JsonObject
        {
            ["kernelspec"] = new JsonObject { ["display_name"] = "C# (Research)", ["language"] = language, ["name"] = kernel },
            ["language_info"] = new JsonObject { ["name"] = language, ["file_extension"] = ".cs" },
        },
        ["nbformat"] = 4,
        ["nbformat_minor"] = minor,
    };

    public static string Write(string folder, string name, JsonObject notebook)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }

    public static JsonObject Read(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    public static IReadOnlyList<JsonObject> CodeCells(JsonObject notebook) =>
        [.. notebook["cells"]!.AsArray().OfType<JsonObject>().Where(c => (string?)c["cell_type"] == "code")];

    public static IReadOnlyList<JsonObject> Outputs(JsonObject cell) => [.. cell["outputs"]!.AsArray().OfType<JsonObject>()];

    /// <summary>Multi-line text as one string, whichever of nbformat's two forms it is in.</summary>
    public static string Text(JsonNode? text) => text switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        null => "",
        _ => (string?)text ?? "",
    };

    /// <summary>
    /// Checks <paramref name="path"/> with Debian's nbformat, as written (no conversion), and that
    /// nbformat's own writer would store the same JSON (keys, multi-line text split into lines).
    /// </summary>
    /// <returns>nbformat's complaint, or "" when the notebook is valid.</returns>
    public static string ValidateWithNbformat(string path)
    {
        const string Script = """
            import json, sys, nbformat
            text = open(sys.argv[1], encoding="utf-8").read()
            nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
            nbformat.validate(nb)
            assert (nb.nbformat, nb.nbformat_minor) == (4, 5), (nb.nbformat, nb.nbformat_minor)
            assert json.loads(nbformat.writes(nb)) == json.loads(text), "nbformat would write this notebook differently"
            """;
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? "" : stderr.Result.Trim().Split('\n')[^1];
    }

    /// <summary>As nbformat stores source: a list of lines, each but the last with its newline.</summary>
    private static JsonArray Lines(string source)
    {
        var lines = source.Split('\n');
        return new JsonArray([.. lines.Select((line, i) => (JsonNode)(i < lines.Length - 1 ? line + "\n" : line)).Where(l => (string?)l != "")]);
    }
}
