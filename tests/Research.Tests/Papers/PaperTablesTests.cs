using Research.Papers;
using RegistryModels = Research.Models.Models;

namespace Research.Tests.Papers;

/// <summary>The papers' tables as library data: well-formed, consistent with what the papers say about them, and the
/// same numbers as docs/papers.md prints.</summary>
public class PaperTablesTests
{
    private static readonly PapersDoc Doc = PapersDoc.Load();

    public static TheoryData<string> Titles() => [.. PaperTables.All.Select(t => t.Title)];

    private static PaperTable Table(string title) => PaperTables.All.Single(t => t.Title == title);

    [Fact]
    public void Tables_and_their_rows_are_unique()
    {
        Assert.Equal(PaperTables.All.Count, PaperTables.All.Select(t => t.Title).Distinct().Count());
        foreach (var t in PaperTables.All)
        {
            Assert.NotEmpty(t.Rows);
            var repeated = t.Rows.GroupBy(r => r.Setting).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(repeated.Count == 0, $"{t.Title} repeats rows {string.Join(", ", repeated)}");
            foreach (var r in t.Rows) Assert.Same(r, t[r.Setting]);
        }
    }

    [Fact]
    public void An_unknown_setting_throws_naming_the_table_and_its_rows()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => PaperTables.S2MlpDirections["(k)"]);
        Assert.Contains("S2-MLP Table 7", e.Message);
        Assert.Contains("'(k)'", e.Message);
        foreach (var setting in PaperTables.S2MlpDirections.Settings) Assert.Contains($"'{setting}'", e.Message);
        Assert.False(PaperTables.S2MlpDirections.Contains("a"));   // the row is "(a)", as the paper labels it
    }

    [Fact]
    public void An_unknown_table_throws_naming_the_tables()
    {
        Assert.Same(PaperTables.S2MlpV2Fusion, PaperTables.Get("S2-MLPv2", "Table 6"));
        var e = Assert.Throws<KeyNotFoundException>(() => PaperTables.Get("S2-MLPv2", "Table 8"));
        Assert.Contains("S2-MLPv2 Table 8", e.Message);
        Assert.Contains("S2-MLPv2 Table 7", e.Message);
    }

    [Theory]
    [MemberData(nameof(Titles))]
    public void Every_row_is_the_row_docs_papers_md_prints(string title)
    {
        var table = Table(title);
        var docTable = Assert.Single(Doc.TablesUnder(title) ?? throw new Xunit.Sdk.XunitException($"{PapersDoc.RelativePath} has no heading '{title}'"));
        int setting = docTable.Column("setting");
        Assert.True(setting >= 0, $"{title} in {PapersDoc.RelativePath} (line {docTable.Line}) has no 'setting' column");
        Assert.Equal(table.Settings.Order(StringComparer.Ordinal), docTable.Rows.Select(r => r[setting]).Order(StringComparer.Ordinal));
        var columns = new (string What, int Column, Func<PaperRow, double?> Value)[]
        {
            ("top-1", docTable.Column("top-1"), r => r.Top1),
            ("top-5", docTable.Column("top-5"), r => r.Top5),
            ("params", docTable.Column("params (M)"), r => r.ParamsM),
            ("FLOPs", docTable.Column("FLOPs (G)", "MACs (G)"), r => r.GFlops),
        };
        Assert.True(columns[0].Column >= 0, $"{title} in {PapersDoc.RelativePath} has no 'top-1' column");
        foreach (var docRow in docTable.Rows)
        {
            var row = table[docRow[setting]];
            foreach (var (what, column, value) in columns.Where(c => c.Column >= 0))
                Assert.True(MarkdownTable.Number(docRow[column]) == value(row),
                    $"{title} '{row.Setting}' {what}: the library has {value(row)?.ToString() ?? "none"}, {PapersDoc.RelativePath} '{docRow[column]}'");
            foreach (var (what, _, value) in columns.Where(c => c.Column < 0))
                Assert.True(value(row) is null, $"{title} '{row.Setting}' has a {what} that {PapersDoc.RelativePath}'s table has no column for");
        }
    }

    [Fact]
    public void Every_claim_is_the_value_docs_papers_md_prints()
    {
        foreach (var claim in PaperClaims.All)
        {
            var docTable = Assert.Single(Doc.TablesUnder(claim.Title) ?? throw new Xunit.Sdk.XunitException($"no heading '{claim.Title}'"));
            var row = Assert.Single(docTable.Rows, r => r[docTable.Column("setting")] == claim.Setting);
            Assert.Equal(claim.Value, MarkdownTable.Number(row[docTable.Column("value")]));
        }
    }

    [Fact]
    public void Every_registry_top1_is_in_a_table_its_source_cites()
    {
        int checkedEntries = 0;
        foreach (var entry in RegistryModels.All.Where(e => e.Paper.Top1 is not null))
        {
            var cited = Citations.Find(entry.Paper.Source).SelectMany(f => f.Cited).ToList();
            Assert.True(cited.Count > 0, $"{entry.Name}: its source '{entry.Paper.Source}' cites no table");
            var cells = cited.SelectMany(Doc.TablesUnder).SelectMany(t => t.Rows).SelectMany(r => r).Select(MarkdownTable.Number);
            Assert.True(cells.Contains(entry.Paper.Top1),
                $"{entry.Name}: top-1 {entry.Paper.Top1} is in none of the tables of {PapersDoc.RelativePath} that '{entry.Paper.Source}' cites");
            checkedEntries++;
        }
        Assert.True(checkedEntries >= 30, $"only {checkedEntries} registered variants carry a top-1");
    }

    [Theory]
    [InlineData("s2mlp_wide", "S2-MLP Table 3", "S2-MLP-wide")]
    [InlineData("s2mlp_deep", "S2-MLP Table 3", "S2-MLP-deep")]
    [InlineData("s2mlpv2_small_7", "S2-MLPv2 Table 5", "Small/7")]
    [InlineData("s2mlpv2_small_14", "S2-MLPv2 Table 5", "Small/14")]
    [InlineData("s2mlpv2_small_7_sum", "S2-MLPv2 Table 6", "sum")]
    [InlineData("s2mlpv2_small_7_x1x3", "S2-MLPv2 Table 7", "X1+X3")]
    [InlineData("s2mlpv2_small_7_x1x2", "S2-MLPv2 Table 7", "X1+X2")]
    [InlineData("mixer_b16_224", "MLP-Mixer Table 3", "Mixer-B/16 (ImageNet)")]
    [InlineData("mixer_l16_224", "MLP-Mixer Table 3", "Mixer-L/16 (ImageNet)")]
    [InlineData("poolformer_s12", "PoolFormer Table 5", "PoolFormer-S12")]
    [InlineData("metaformer_id_s12", "PoolFormer Table 5", "identity")]
    [InlineData("metaformer_random_s12", "PoolFormer Table 5", "global random matrix")]
    [InlineData("metaformer_dwconv_s12", "PoolFormer Table 5", "depthwise conv")]
    [InlineData("metaformer_pppa_s12_224", "PoolFormer Table 5", "[P,P,P,Attn]")]
    [InlineData("metaformer_ppaa_s12_224", "PoolFormer Table 5", "[P,P,Attn,Attn]")]
    [InlineData("metaformer_pppf_s12_224", "PoolFormer Table 5", "[P,P,P,SpatialFC]")]
    [InlineData("metaformer_ppff_s12_224", "PoolFormer Table 5", "[P,P,SpatialFC,SpatialFC]")]
    [InlineData("raftmlp_12", "RaftMLP Table 1", "RaftMLP-12")]
    [InlineData("raftmlp_36", "RaftMLP Table 1", "RaftMLP-36")]
    public void The_registry_and_the_tables_agree_on_a_variant(string model, string title, string setting)
    {
        var paper = RegistryModels.Get(model).Paper;
        var row = Table(title)[setting];
        Assert.Equal(row.Top1, paper.Top1);
        if (row.ParamsM is not null) Assert.Equal(row.ParamsM, paper.ParamsM);
    }

    // ----- what the papers say about their own tables -------------------------------------------------------

    [Fact]
    public void S2Mlp_four_directions_are_best_and_no_shift_is_worst()
    {
        var t = PaperTables.S2MlpDirections;
        Assert.Equal(t.Rows.Max(r => r.Top1), t["(a)"].Top1);
        Assert.Equal(t.Rows.Min(r => r.Top1), t["w/o"].Top1);
        // two orthogonal directions beat two along one axis
        Assert.True(Math.Min(t["(c)"].Top1, t["(d)"].Top1) > Math.Max(t["(e)"].Top1, t["(f)"].Top1));
    }

    [Fact]
    public void S2Mlp_tables_8_and_9_share_their_default_row_and_table_8_keeps_the_parameters()
    {
        var input = PaperTables.S2MlpInputSize;
        Assert.Equal(input["224×224"], PaperTables.S2MlpPatchSize["16×16"] with { Setting = "224×224", Note = input["224×224"].Note });
        Assert.Single(input.Rows.Select(r => r.ParamsM).Distinct());
        Assert.Equal(PaperTables.S2MlpDirections["(a)"].Top1, input["224×224"].Top1);
    }

    [Fact]
    public void S2MlpV2_ablations_share_the_full_model()
    {
        var full = PaperTables.S2MlpV2Pyramid["Small/7"];
        foreach (var row in new[] { PaperTables.S2MlpV2Fusion["split attention"], PaperTables.S2MlpV2Branches["X1+X2+X3"] })
            Assert.Equal((full.Top1, full.ParamsM, full.GFlops), (row.Top1, row.ParamsM, row.GFlops));
    }

    [Fact]
    public void Mixer_b16_is_quoted_with_its_own_top1()
    {
        double own = PaperTables.MixerImageNet["Mixer-B/16 (ImageNet)"].Top1;
        Assert.Equal(Math.Round(own, 1), PaperTables.S2MlpImageNet["Mixer-B/16"].Top1);
        Assert.Equal(Math.Round(own, 1), PaperTables.RaftMlpImageNet["Mixer-B/16"].Top1);
    }

    [Fact]
    public void PoolFormer_rows_that_change_no_weights_keep_the_baseline_size()
    {
        var t = PaperTables.PoolFormerAblation;
        var baseline = t["PoolFormer-S12"];
        foreach (var row in t.Rows.Where(r => r.Group is "pool size" or "norm" or "activation"))
            Assert.Equal((baseline.ParamsM, baseline.GFlops), (row.ParamsM, row.GFlops));
        Assert.All(t.Rows, r => Assert.NotNull(r.Group));
    }

    [Fact]
    public void MsMlp_regional_mixing_is_best_at_both_patch_sizes()
    {
        var t = PaperTables.MsMlpMixingType;
        foreach (var patch in new[] { "patch 4", "patch 2" })
        {
            var rows = t.Rows.Where(r => r.Setting.EndsWith(patch)).ToList();
            Assert.Equal(4, rows.Count);
            Assert.Equal(rows.Max(r => r.Top1), t[$"regional, {patch}"].Top1);
        }
    }
}
