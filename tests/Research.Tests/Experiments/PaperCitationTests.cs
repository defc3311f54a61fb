using Research.Tests.Papers;

namespace Research.Tests.Experiments;

/// <summary>Every citation of a paper in the library's sources (<c>S2-MLP Table 7</c>, <c>S2v2P Eq. 6-10</c>,
/// <c>MixP App. E</c>, <c>docs/papers.md §1</c>) must point at something docs/papers.md lists, by the rules that file
/// states in "How this file is cited".</summary>
public class PaperCitationTests
{
    private static readonly PapersDoc Doc = PapersDoc.Load();

    /// <summary>Every <c>.cs</c> file under <c>src/</c>, as (path from the repository root, text), build outputs left out.</summary>
    private static IEnumerable<(string File, string Text)> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(PapersDoc.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(PapersDoc.RepoRoot, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(part => part is "bin" or "obj"))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllText(Path.Combine(PapersDoc.RepoRoot, f))));

    /// <summary>"file:line: ..." for each citation in <paramref name="files"/> that <paramref name="listed"/> lacks, and for
    /// each name before a locator that is no paper name the rules know.</summary>
    internal static List<string> Problems(IEnumerable<(string File, string Text)> files, IReadOnlySet<Citation> listed)
    {
        var problems = new List<string>();
        foreach (var (file, text) in files)
        {
            var lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                foreach (var (_, written, cited) in Citations.Find(lines[i]))
                    foreach (var c in cited.Where(c => !listed.Contains(c)))
                        problems.Add($"{file}:{i + 1}: '{written}' cites {c}, which {PapersDoc.RelativePath} does not list");
                foreach (var name in Citations.UnknownNames(lines[i]))
                    problems.Add($"{file}:{i + 1}: '{name}' is written before a locator but is no paper name of {PapersDoc.RelativePath}'s rules");
            }
        }
        return problems;
    }

    [Fact]
    public void Every_citation_in_src_is_listed_in_docs_papers_md()
    {
        var files = SourceFiles().ToList();
        Assert.True(files.Count > 50, $"only {files.Count} source files found under src/");
        int citations = files.Sum(f => Citations.Find(f.Text).Count());
        Assert.True(citations > 100, $"only {citations} citations found: the scanner no longer recognises the code's citations");
        var problems = Problems(files, Doc.Listed);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>The notebooks' cells (markdown and code) cite the same way; their prose may name other papers' tables,
    /// so only the citations of known papers are checked, and a line is a line of the cell's source.</summary>
    [Fact]
    public void Every_citation_in_the_notebooks_is_listed_in_docs_papers_md()
    {
        var cells = Directory.EnumerateFiles(Path.Combine(PapersDoc.RepoRoot, "notebooks"), "*.ipynb").Order(StringComparer.Ordinal)
            .SelectMany(path =>
            {
                using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
                return doc.RootElement.GetProperty("cells").EnumerateArray().Select((cell, i) =>
                    ($"notebooks/{Path.GetFileName(path)} cell {i}", string.Concat(cell.GetProperty("source").EnumerateArray().Select(l => l.GetString()))))
                    .ToList();
            }).ToList();
        int citations = cells.Sum(c => Citations.Find(c.Item2).Count());
        Assert.True(citations > 30, $"only {citations} citations found in the notebooks");
        var problems = Problems(cells, Doc.Listed).Where(p => !p.Contains("is no paper name")).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void A_citation_the_docs_lack_fails_naming_the_file_and_line()
    {
        var file = ("src/Research/Fake.cs", "// fine: S2-MLP Table 7\n// wrong: (S2P Table 99; MSP §3, Table 42)\n// alias: CycP Table 1\n");
        var problems = Problems([file], Doc.Listed);
        Assert.Equal(2, problems.Count);
        Assert.StartsWith("src/Research/Fake.cs:2: 'S2P Table 99' cites S2-MLP Table 99", problems[0]);
        Assert.StartsWith("src/Research/Fake.cs:2: 'MSP §3, Table 42' cites MS-MLP Table 42", problems[1]);
    }

    [Fact]
    public void An_unknown_short_form_before_a_locator_fails()
    {
        var problems = Problems([("src/X.cs", "// as XyzP Table 3 shows")], Doc.Listed);
        Assert.Equal(["src/X.cs:1: 'XyzP' is written before a locator but is no paper name of docs/papers.md's rules"], problems);
    }

    [Theory]
    [InlineData("S2P Tables 2-3", "S2-MLP Table 2|S2-MLP Table 3")]
    [InlineData("(S2v2P Eq. 5-10, Alg. 1)", "S2-MLPv2 Eq. 5|S2-MLPv2 Eq. 6|S2-MLPv2 Eq. 7|S2-MLPv2 Eq. 8|S2-MLPv2 Eq. 9|S2-MLPv2 Eq. 10|S2-MLPv2 Alg. 1")]
    [InlineData("PFP Tab. 1/2 (params), Tab. 6", "PoolFormer Table 1|PoolFormer Table 2|PoolFormer Table 6")]
    [InlineData("S2v2P Tables 2, 5, 6, 7: ImageNet", "S2-MLPv2 Table 2|S2-MLPv2 Table 5|S2-MLPv2 Table 6|S2-MLPv2 Table 7")]
    [InlineData("S2-MLP's Algorithm 1 leaves it", "S2-MLP Alg. 1")]
    [InlineData("MixP App. E initialises", "MLP-Mixer App. E")]
    [InlineData("(MSP Table 2/3; MSC configs)", "MS-MLP Table 2|MS-MLP Table 3")]
    [InlineData("docs/papers.md §7", "docs/papers.md §7")]
    [InlineData("S2-MLP-wide Table 3 and S2-MLPv2-Small/7", "")]
    public void Citations_are_read_as_the_docs_rules_say(string text, string expected)
    {
        var cited = Citations.Find(text).SelectMany(f => f.Cited).Select(c => c.ToString());
        Assert.Equal(expected.Length == 0 ? [] : expected.Split('|'), cited);
    }

    [Fact]
    public void The_abbreviation_table_names_the_paper_short_forms_the_rules_know()
    {
        var table = Doc.AbbreviationTable();
        int form = table.Column("short form"), kind = table.Column("kind"), refersTo = table.Column("refers to");
        var documented = table.Rows.Where(r => r[kind] == "paper").ToDictionary(r => r[form], r => r[refersTo]);
        Assert.Equal(Citations.Aliases.OrderBy(kv => kv.Key), documented.OrderBy(kv => kv.Key));
        foreach (var paper in documented.Values) Assert.Contains(paper, Citations.Canonical);
    }

    [Fact]
    public void Src_cites_docs_papers_md_not_the_notes_outside_the_repository()
    {
        var mentions = SourceFiles().SelectMany(f => f.Text.Split('\n').Select((line, i) => (f.File, Line: i + 1, Text: line)))
            .Where(l => l.Text.Contains("PAPERS.md")).Select(l => $"{l.File}:{l.Line}").ToList();
        Assert.True(mentions.Count == 0, "PAPERS.md is not in the repository; cite docs/papers.md §N instead: " + string.Join(", ", mentions));
    }
}
