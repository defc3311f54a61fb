namespace Research.Papers;

/// <summary>One row of a paper's table: the paper's own label for the setting, its top-1 accuracy in %, and what
/// else the row prints. <paramref name="GFlops"/> is the paper's "FLOPs" (or "MACs") column in billions, which the
/// papers of this family count as multiply-accumulates; <paramref name="ParamsM"/> is in millions.</summary>
public sealed record PaperRow(string Setting, double Top1, double? ParamsM = null, double? GFlops = null, double? Top5 = null, string? Note = null)
{
    /// <summary>The block of the table the row belongs to, where the table groups its rows (PoolFormer Table 5:
    /// "token mixer", "pool size", "norm", ...).</summary>
    public string? Group { get; init; }
}

/// <summary>A table of a paper as the notebooks compare against it: <see cref="Paper"/> is the paper's canonical
/// name (S2-MLP, S2-MLPv2, MLP-Mixer, PoolFormer, RaftMLP, MS-MLP, ...), <see cref="Table"/> the paper's own number
/// ("Table 7"), so <see cref="Title"/> is the heading the table has in docs/papers.md.</summary>
public sealed record PaperTable(string Paper, string Table, string Dataset, IReadOnlyList<PaperRow> Rows)
{
    /// <summary>"S2-MLP Table 7": how the kit cites the table.</summary>
    public string Title => $"{Paper} {Table}";

    /// <summary>The row labels, in the table's order.</summary>
    public IEnumerable<string> Settings => Rows.Select(r => r.Setting);

    public bool Contains(string setting) => Rows.Any(r => r.Setting == setting);

    /// <summary>The row labelled <paramref name="setting"/>; an unknown label throws, naming the table and its rows.</summary>
    public PaperRow this[string setting]
    {
        get
        {
            var matches = Rows.Where(r => r.Setting == setting).ToList();
            return matches.Count switch
            {
                1 => matches[0],
                0 => throw new KeyNotFoundException(
                    $"{Title} has no row '{setting}'; its rows are: {string.Join(", ", Settings.Select(s => $"'{s}'"))}"),
                _ => throw new InvalidOperationException($"{Title} has {matches.Count} rows labelled '{setting}'"),
            };
        }
    }

    public override string ToString() => $"{Title} ({Dataset}, {Rows.Count} rows)";
}

/// <summary>A number a paper states outside a table of accuracies: a headline gain, or a value read off a figure.
/// <see cref="Locator"/> is where it is ("abstract", "Fig. 4"); <see cref="Setting"/> is the row that holds it in
/// docs/papers.md under the heading "<see cref="Paper"/> <see cref="Locator"/>".</summary>
public sealed record PaperClaim(string Paper, string Locator, string Setting, double Value, string Unit, string? Note = null)
{
    public string Title => $"{Paper} {Locator}";

    public override string ToString() => $"{Title}, {Setting}: {Value} {Unit}";
}
