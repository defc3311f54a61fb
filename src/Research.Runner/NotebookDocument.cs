using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Research.Runner;

/// <summary>A file that cannot be run: not there, not JSON, not an nbformat 4 notebook, or not C#.</summary>
internal sealed class NotebookInputException(string message) : Exception(message);

/// <summary>
/// An nbformat 4 notebook as JSON, read leniently (either form of multi-line text) and written as
/// nbformat 4.5 the way Python's <c>nbformat.write</c> writes it: sorted keys, one-space indent,
/// multi-line text split into lines, so a notebook run here diffs cleanly against one run by nbclient.
/// </summary>
internal sealed partial class NotebookDocument
{
    private const string KernelName = "research-csharp";

    private NotebookDocument(JsonObject root, JsonArray cells)
    {
        Root = root;
        Cells = cells;
    }

    public JsonObject Root { get; }

    public JsonArray Cells { get; }

    public JsonObject Metadata => (JsonObject)Root["metadata"]!;

    /// <summary>Reads and checks <paramref name="path"/>; every cell comes back with a valid, unique id.</summary>
    /// <exception cref="NotebookInputException">The file cannot be run; the message says why in one line.</exception>
    public static NotebookDocument Load(string path)
    {
        if (!File.Exists(path)) throw new NotebookInputException(Directory.Exists(path) ? "is a folder, not a notebook" : "no such file");
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new NotebookInputException($"not a notebook: invalid JSON ({e.Message.Split('\n')[0]})");
        }
        if (parsed is not JsonObject root || root["cells"] is not JsonArray cells)
            throw new NotebookInputException("not a notebook: no cells array at the top level");
        var format = root["nbformat"] is JsonValue v && v.TryGetValue<int>(out var major) ? major : (int?)null;
        if (format != 4)
            throw new NotebookInputException(format is null ? "not a notebook: no nbformat number" : $"nbformat {format}; only nbformat 4 notebooks run here");
        if (root["metadata"] is not JsonObject metadata) root["metadata"] = metadata = [];
        CheckLanguage(metadata);
        // What nbformat strips on write (nbformat's strip_transient).
        metadata.Remove("orig_nbformat");
        metadata.Remove("orig_nbformat_minor");
        metadata.Remove("signature");
        root["nbformat_minor"] = 5;

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < cells.Count; i++)
        {
            if (cells[i] is not JsonObject cell || cell["cell_type"] is not JsonValue type || type.GetValueKind() != JsonValueKind.String)
                throw new NotebookInputException($"not a notebook: cell {i + 1} has no cell_type");
            if (cell["metadata"] is not JsonObject cellMetadata) cell["metadata"] = cellMetadata = [];
            cellMetadata.Remove("trusted");
            cell["source"] = JoinLines(cell["source"]);
            if ((string?)type == "code")
            {
                // Required of a code cell, even one that is skipped and keeps what it had.
                if (cell["outputs"] is not JsonArray) cell["outputs"] = new JsonArray();
                if (!cell.ContainsKey("execution_count")) cell["execution_count"] = null;
            }
            // nbformat 4.5 requires an id on every cell, unique in the notebook.
            var id = cell["id"] is JsonValue idValue && idValue.TryGetValue<string>(out var s) ? s : null;
            if (id is null || !CellId().IsMatch(id) || !ids.Add(id))
            {
                do id = Guid.NewGuid().ToString("N")[..8]; while (!ids.Add(id));
                cell["id"] = id;
            }
        }
        return new NotebookDocument(root, cells);
    }

    /// <summary>
    /// Accepts a notebook whose kernelspec or language says C#, and one that says nothing (as
    /// nbclient with an explicit kernel name does); refuses one written for another language.
    /// </summary>
    private static void CheckLanguage(JsonObject metadata)
    {
        string? Field(string parent, string name) =>
            metadata[parent] is JsonObject o && o[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

        var kernel = Field("kernelspec", "name");
        var language = Field("kernelspec", "language") ?? Field("language_info", "name");
        if (kernel == KernelName || language is null && kernel is null) return;
        if (language is not null && language.Replace(" ", "").ToLowerInvariant() is "c#" or "csharp") return;
        throw new NotebookInputException(
            $"the notebook is for kernel '{kernel ?? "?"}' ({language ?? "no language"}); research-run runs C# notebooks (kernel {KernelName})");
    }

    /// <summary>Writes the notebook to <paramref name="path"/> through a temporary file in the same folder, so the file is whole or absent.</summary>
    public void Save(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = File.Create(temporary))
            {
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions
                {
                    Indented = true,
                    IndentSize = 1,
                    // nbformat writes with ensure_ascii=False: non-ASCII text stays readable in the file.
                    Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                    MaxDepth = 256,
                }))
                {
                    ForFile(Root).WriteTo(writer);
                }
                stream.WriteByte((byte)'\n');
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>A copy in nbformat's file form: keys sorted, multi-line text split into lines (nbformat's split_lines).</summary>
    private static JsonNode ForFile(JsonObject root)
    {
        var copy = (JsonObject)Sorted(root)!;
        foreach (var cell in copy["cells"]!.AsArray().OfType<JsonObject>())
        {
            if (cell["source"] is JsonValue source) cell["source"] = SplitLines(source);
            if (cell["outputs"] is not JsonArray outputs) continue;
            foreach (var output in outputs.OfType<JsonObject>())
            {
                if (output["text"] is JsonValue text) output["text"] = SplitLines(text);
                if (output["data"] is not JsonObject data) continue;
                foreach (var key in data.Select(p => p.Key).ToList())
                {
                    if ((key.StartsWith("text/", StringComparison.Ordinal) || key is "application/javascript" or "image/svg+xml")
                        && data[key] is JsonValue value)
                        data[key] = SplitLines(value);
                }
            }
        }
        return copy;
    }

    /// <summary>A new tree with every object's keys in ordinal order (Python's sort_keys).</summary>
    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    /// <summary>A string or a list of lines (both are valid nbformat) as one string.</summary>
    public static string JoinLines(JsonNode? text) => text switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonArray lines => string.Concat(lines.Select(l => l is JsonValue lv && lv.TryGetValue<string>(out var s) ? s : "")),
        _ => "",
    };

    /// <summary>Python's <c>str.splitlines(keepends=True)</c>, which nbformat uses, so the lines match a file nbformat wrote.</summary>
    private static JsonNode SplitLines(JsonValue value)
    {
        if (!value.TryGetValue<string>(out var text)) return value.DeepClone();
        var lines = new JsonArray();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsLineBreak(c)) continue;
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
            lines.Add(text[start..(i + 1)]);
            start = i + 1;
        }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }

    private static bool IsLineBreak(char c) => c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029';

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex CellId();
}
