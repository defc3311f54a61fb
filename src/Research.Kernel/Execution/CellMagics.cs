using System.Text;
using System.Text.RegularExpressions;

namespace Research.Kernel.Execution;

/// <summary>
/// The cell magics of Polyglot Notebooks (.NET Interactive) that this kernel runs, so a notebook written there (or
/// converted by <c>./research import-polyglot</c>) keeps working: a cell whose first line is <c>#!name</c> is that
/// kind of cell. <c>#!csharp</c> runs the rest as C#, <c>#!fsharp</c> as F#; <c>#!html</c>, <c>#!markdown</c> and
/// <c>#!javascript</c> show it; <c>#!time</c> runs the rest as C# and reports the wall time; <c>#!who</c> and
/// <c>#!whos</c> list the cells' variables; <c>#!lsmagic</c> lists the magics. Below the language line (or as a C#
/// cell's first lines), <c>#!share</c> and <c>#!set</c> bring values from the other language (<see cref="Sharing"/>).
/// Polyglot's other kernels (<c>#!pwsh</c>, <c>#!sql</c>, ...) are named in a clear error, as is any unknown magic; the
/// kernel keeps its state either way. Without the magic line, C# would take <c>#!...</c> for a shebang and ignore it.
/// </summary>
internal static class CellMagics
{
    private static readonly Regex MagicLine = new(@"^#!(?<name>[A-Za-z#][\w#-]*)(?<args>[^\r\n]*)", RegexOptions.CultureInvariant);

    /// <summary>The magics this kernel runs, with what each does (what <c>#!lsmagic</c> prints).</summary>
    public static readonly IReadOnlyList<(string Name, string Aliases, string Does)> Supported =
    [
        ("csharp", "#!c#, #!C#", "the rest of the cell is C# (the default)"),
        ("fsharp", "#!f#, #!F#", "the rest of the cell is F# (F# Interactive, state kept from cell to cell)"),
        ("html", "", "shows the rest of the cell as HTML"),
        ("markdown", "#!md", "shows the rest of the cell as Markdown"),
        ("javascript", "#!js", "runs the rest of the cell as JavaScript in the frontend"),
        ("time", "", "runs the rest of the cell as C# and prints its wall time"),
        ("who", "", "lists the variables the cells have defined"),
        ("whos", "", "lists the variables with their types and values"),
        ("lsmagic", "", "lists these magics"),
        ("share", "", "#!share --from csharp|fsharp NAME [--as NEW]: the other language's variable, typed, in this cell's"),
        ("set", "", "#!set --name NAME --value TEXT|@csharp:NAME|@fsharp:NAME: a variable of this cell's language"),
    ];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["c#"] = "csharp", ["C#"] = "csharp", ["f#"] = "fsharp", ["F#"] = "fsharp", ["md"] = "markdown", ["js"] = "javascript",
    };

    // Polyglot's subkernels and cross-kernel magics, which need a kernel this one does not host
    private static readonly HashSet<string> Unsupported = new(StringComparer.OrdinalIgnoreCase)
    {
        "pwsh", "powershell", "sql", "kql", "mermaid", "http", "value", "connect",
        "import", "about", "log",
    };

    /// <summary>A cell that opens with a magic: its name (aliases resolved), the rest of the magic line, and the cell's
    /// code with the magic line blanked, so line numbers in errors stay the cell's own.</summary>
    public sealed record Magic(string Name, string Arguments, string Code);

    /// <summary>The magic a cell opens with, or null for a plain C# cell.</summary>
    public static Magic? Parse(string code)
    {
        var match = MagicLine.Match(code);
        if (!match.Success) return null;
        var name = match.Groups["name"].Value;
        var lineEnd = code.IndexOf('\n');
        var rest = lineEnd < 0 ? "" : code[lineEnd..];                       // keeps the newline: line 2 stays line 2
        return new Magic(Aliases.GetValueOrDefault(name, name), match.Groups["args"].Value.Trim(), rest);
    }

    /// <summary>The <c>#!share</c> and <c>#!set</c> lines that open <paramref name="code"/> (after the language line, if
    /// any), and the code with those lines blanked, keeping line numbers.</summary>
    public static (IReadOnlyList<Magic> Directives, string Code) TakeDirectives(string code)
    {
        var directives = new List<Magic>();
        var lines = code.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            if (Parse(line.TrimStart()) is not { Name: "share" or "set" } directive) break;
            directives.Add(directive with { Code = "" });
            lines[i] = "";
        }
        return (directives, string.Join('\n', lines));
    }

    /// <summary>Why a magic is refused: a Polyglot kernel this kernel lacks, or no magic at all.</summary>
    public static string Refusal(Magic magic) => Unsupported.Contains(magic.Name)
        ? $"#!{magic.Name} is Polyglot Notebooks' {(magic.Name is "connect" ? "cross-kernel magic" : "kernel")}, " +
          "which this C# kernel does not have; the cell did not run (#!lsmagic lists what runs here)"
        : $"#!{magic.Name} is not a magic of this kernel; the cell did not run (#!lsmagic lists the magics)";

    /// <summary>The text <c>#!lsmagic</c> prints.</summary>
    public static string List()
    {
        var text = new StringBuilder("Cell magics (the first line of a cell):\n");
        foreach (var (name, aliases, does) in Supported)
            text.Append($"  #!{name,-11}{does}{(aliases.Length > 0 ? $" (also {aliases})" : "")}\n");
        return text.ToString();
    }
}
