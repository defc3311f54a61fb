using System.Globalization;
using System.Text.RegularExpressions;

namespace Research.Tests.Papers;

/// <summary>A paper and one place in it, both normalised: the paper's canonical name ("S2-MLP") and the locator
/// as docs/papers.md writes it ("Table 7", "§3.4", "Fig. 1", "App. E", "Alg. 1", "Eq. 2", "Listing 1").</summary>
internal sealed record Citation(string Paper, string Locator)
{
    public override string ToString() => $"{Paper} {Locator}";
}

/// <summary>Finds citations of the form <c>&lt;paper&gt; &lt;locator&gt;</c> in text, by the rules docs/papers.md states in
/// "How this file is cited": the paper names the code writes, the locator kinds and their spellings, ranges
/// (<c>Tables 2-3</c>), lists (<c>Table 1/2</c>, <c>Tables 2, 5, 6</c>) and chains (<c>MSP §3, Table 2</c>).</summary>
internal static class Citations
{
    /// <summary>The papers under their canonical names, as docs/papers.md's headings name them.</summary>
    public static readonly string[] Canonical =
        ["S2-MLP", "S2-MLPv2", "MLP-Mixer", "PoolFormer", "RaftMLP", "MS-MLP", "FF-G2M", "ResMLP", "CycleMLP", "ViP", "DeiT"];

    /// <summary>The other names the code cites papers by: the "paper" rows of docs/papers.md's abbreviation table.</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["S2P"] = "S2-MLP", ["S2v2P"] = "S2-MLPv2", ["MixP"] = "MLP-Mixer", ["Mixer"] = "MLP-Mixer",
        ["PFP"] = "PoolFormer", ["MetaFormer"] = "PoolFormer", ["RaftP1"] = "RaftMLP", ["MSP"] = "MS-MLP",
        ["ResP"] = "ResMLP", ["CycP"] = "CycleMLP", ["ViPP"] = "ViP", ["FFabs"] = "FF-G2M",
    };

    /// <summary>docs/papers.md itself: <c>docs/papers.md §N</c> cites its numbered section N.</summary>
    public const string ThisFile = "docs/papers.md";

    private static readonly Dictionary<string, string> ToCanonical = Canonical.ToDictionary(n => n)
        .Concat(Aliases).Append(new(ThisFile, ThisFile)).ToDictionary(kv => kv.Key, kv => kv.Value);

    private const string Kinds = @"Tables|Table|Tab\.|Sections|Section|Sec\.|§|Figures|Figure|Figs\.|Fig\.|Appendix|App\.|Algorithm|Alg\.|Eqs\.|Eq\.|Listing";
    private const string Id = @"(?:\d+(?:\.\d+)*|[A-Z](?:\.\d+)*)(?![\w])";
    private const string IdSeparator = @"(?:[ \t]*[-–/][ \t]*|,[ \t]*|[ \t]+and[ \t]+)";

    private static readonly Regex Name = new(
        @"(?<![\w./-])(?<name>" + string.Join("|", ToCanonical.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape)) + @")(?:'s)?[ \t]+",
        RegexOptions.CultureInvariant);

    private static readonly Regex Locator = new(@"\G(?<kind>" + Kinds + @")[ \t]?(?<ids>" + Id + "(?:" + IdSeparator + Id + ")*)",
        RegexOptions.CultureInvariant);

    // Between two locators of one paper: a comma, a semicolon or "and", after an optional aside in parentheses
    // ("PFP Tab. 1/2 (params, MACs), Tab. 6").
    private static readonly Regex ChainSeparator = new(@"\G(?:[ \t]*\([^()]*\))?(?:[ \t]*[,;][ \t]*|[ \t]+and[ \t]+)", RegexOptions.CultureInvariant);

    /// <summary>Any capitalised name right before a locator: <see cref="UnknownNames"/> reports those that are not
    /// paper names, so a new short form cannot cite a paper unchecked.</summary>
    private static readonly Regex AnyName = new(@"(?<![\w./-])(?<name>[A-Z][\w.-]*?)(?:'s)?[ \t]+(?:" + Kinds + @")[ \t]?" + Id,
        RegexOptions.CultureInvariant);

    private static readonly HashSet<string> NotNames = ["See", "The", "In", "As", "From", "Of", "And", "Cf.", "Its", "This", "Our", "Their"];

    /// <summary>Every citation in <paramref name="text"/>, with where it starts and the text it spans.</summary>
    public static IEnumerable<(int Index, string Text, IReadOnlyList<Citation> Cited)> Find(string text)
    {
        foreach (Match m in Name.Matches(text))
        {
            var cited = ParseLocators(text, m.Index + m.Length, ToCanonical[m.Groups["name"].Value], out int end);
            if (cited.Count > 0) yield return (m.Index, text[m.Index..end], cited);
        }
    }

    /// <summary>The citations of <paramref name="text"/> when it begins with one (a heading, a table's first cell).</summary>
    public static IReadOnlyList<Citation> AtStart(string text)
    {
        var m = Name.Match(text);
        return m.Success && m.Index == 0 ? ParseLocators(text, m.Length, ToCanonical[m.Groups["name"].Value], out _) : [];
    }

    /// <summary>Names written before a locator that are neither paper names nor common words.</summary>
    public static IEnumerable<string> UnknownNames(string text) =>
        AnyName.Matches(text).Select(m => m.Groups["name"].Value).Where(n => !ToCanonical.ContainsKey(n) && !NotNames.Contains(n));

    private static List<Citation> ParseLocators(string text, int at, string paper, out int end)
    {
        var cited = new List<Citation>();
        end = at;
        int pos = at;
        while (true)
        {
            var m = Locator.Match(text, pos);
            if (!m.Success) break;
            string kind = Kind(m.Groups["kind"].Value);
            cited.AddRange(Ids(m.Groups["ids"].Value).Select(id => new Citation(paper, kind == "§" ? "§" + id : $"{kind} {id}")));
            end = pos = m.Index + m.Length;
            var separator = ChainSeparator.Match(text, pos);
            if (!separator.Success) break;
            pos = separator.Index + separator.Length;
        }
        return cited;
    }

    private static string Kind(string written) => written switch
    {
        "Tables" or "Table" or "Tab." => "Table",
        "Sections" or "Section" or "Sec." or "§" => "§",
        "Figures" or "Figure" or "Figs." or "Fig." => "Fig.",
        "Appendix" or "App." => "App.",
        "Algorithm" or "Alg." => "Alg.",
        "Eqs." or "Eq." => "Eq.",
        _ => written,
    };

    /// <summary>"2-3" to 2, 3; "5–10" to 5 ... 10; "1/2", "2, 5, 6" and "3 and 5" to their members.</summary>
    private static IEnumerable<string> Ids(string ids)
    {
        var parts = Regex.Split(ids, "(" + IdSeparator + ")");
        var result = new List<string> { parts[0] };
        for (int i = 1; i + 1 < parts.Length; i += 2)
        {
            string separator = parts[i].Trim(), next = parts[i + 1];
            if (separator is "-" or "–" && int.TryParse(result[^1], out int from) && int.TryParse(next, out int to) && to > from)
                result.AddRange(Enumerable.Range(from + 1, to - from).Select(n => n.ToString(CultureInfo.InvariantCulture)));
            else
                result.Add(next);
        }
        return result;
    }
}

/// <summary>A table of docs/papers.md: its header cells and its rows, with bold marks and backticks stripped.</summary>
internal sealed record MarkdownTable(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows, int Line)
{
    public int Column(params string[] names) => Header.ToList().FindIndex(h => names.Contains(h));

    /// <summary>The number in a cell, or null for "–" and text.</summary>
    public static double? Number(string cell) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
}

/// <summary>docs/papers.md, read as the tests need it: its headings, what it lists as cited, and its tables.</summary>
internal sealed class PapersDoc
{
    public const string RelativePath = "docs/papers.md";

    public static PapersDoc Load() => new(File.ReadAllLines(Path.Combine(RepoRoot, RelativePath)));

    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Research.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Research.sln not found above {AppContext.BaseDirectory}");
    }

    private readonly string[] lines;
    private readonly List<(int Line, int Level, string Text)> headings = [];

    public PapersDoc(string[] lines)
    {
        this.lines = lines;
        bool fenced = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("```")) fenced = !fenced;
            var m = Regex.Match(lines[i], @"^(#{1,6})\s+(.*)$");
            if (!fenced && m.Success) headings.Add((i, m.Groups[1].Length, m.Groups[2].Value.Trim()));
        }
        Listed = FindListed();
    }

    /// <summary>Every (paper, locator) the file lists: headings and tables' first cells that begin with a citation,
    /// and <c>docs/papers.md §N</c> for each numbered section heading <c>## N. ...</c>.</summary>
    public IReadOnlySet<Citation> Listed { get; }

    private HashSet<Citation> FindListed()
    {
        var listed = new HashSet<Citation>();
        foreach (var (_, level, text) in headings)
        {
            listed.UnionWith(Citations.AtStart(text));
            var numbered = Regex.Match(text, @"^(\d+)\.\s");
            if (level == 2 && numbered.Success) listed.Add(new Citation(Citations.ThisFile, "§" + numbered.Groups[1].Value));
        }
        foreach (var line in lines.Where(l => l.StartsWith('|')))
            listed.UnionWith(Citations.AtStart(Cells(line)[0]));
        return listed;
    }

    /// <summary>The tables under the first heading that begins with <paramref name="title"/> ("S2-MLP Table 7"), up to
    /// the next heading of the same or a higher level; null when no heading begins so.</summary>
    public IReadOnlyList<MarkdownTable>? TablesUnder(string title)
    {
        int h = headings.FindIndex(x => x.Text == title || x.Text.StartsWith(title + ":") || x.Text.StartsWith(title + " "));
        return h < 0 ? null : TablesIn(h);
    }

    /// <summary>The tables in the scope of every heading that lists <paramref name="citation"/>.</summary>
    public IReadOnlyList<MarkdownTable> TablesUnder(Citation citation)
    {
        var tables = new List<MarkdownTable>();
        for (int h = 0; h < headings.Count; h++)
        {
            var text = headings[h].Text;
            var numbered = Regex.Match(text, @"^(\d+)\.\s");
            bool lists = Citations.AtStart(text).Contains(citation)
                || (citation.Paper == Citations.ThisFile && headings[h].Level == 2 && numbered.Success && citation.Locator == "§" + numbered.Groups[1].Value);
            if (lists) tables.AddRange(TablesIn(h));
        }
        return tables;
    }

    /// <summary>The first table under the heading <c>## Abbreviations used in comments</c>.</summary>
    public MarkdownTable AbbreviationTable() =>
        TablesUnder("Abbreviations used in comments")?.FirstOrDefault()
        ?? throw new InvalidOperationException($"{RelativePath} has no table under 'Abbreviations used in comments'");

    private List<MarkdownTable> TablesIn(int h)
    {
        int start = headings[h].Line + 1;
        int stop = headings.Skip(h + 1).Where(x => x.Level <= headings[h].Level).Select(x => x.Line).DefaultIfEmpty(lines.Length).First();
        var tables = new List<MarkdownTable>();
        for (int i = start; i < stop; i++)
        {
            if (!lines[i].StartsWith('|') || i + 1 >= stop || !Regex.IsMatch(lines[i + 1], @"^\|[\s:|-]+\|\s*$")) continue;
            var header = Cells(lines[i]);
            var rows = new List<IReadOnlyList<string>>();
            int j = i + 2;
            for (; j < stop && lines[j].StartsWith('|'); j++) rows.Add(Cells(lines[j]));
            tables.Add(new MarkdownTable(header, rows, i + 1));
            i = j;
        }
        return tables;
    }

    private static List<string> Cells(string line) =>
        line.Trim().Trim('|').Split('|').Select(c => c.Replace("**", "").Replace("`", "").Trim()).ToList();
}
