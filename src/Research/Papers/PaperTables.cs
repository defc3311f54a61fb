namespace Research.Papers;

/// <summary>The papers' tables that the notebooks compare against, as data, each under the title docs/papers.md
/// gives it (the numbers there and here are checked against each other by a test). Accuracies are top-1 in %,
/// parameters in millions, FLOPs as each paper prints them (multiply-accumulates, in billions). Row labels are the
/// papers' own.</summary>
public static class PaperTables
{
    private const string ImageNet1K = "ImageNet-1K";
    private const string ImageNet100 = "ImageNet100";

    // ----- S2-MLP ------------------------------------------------------------------------------------------

    /// <summary>S2-MLP Table 3: the two S2-MLP models on ImageNet-1K at 224², no extra data, beside the models
    /// the paper quotes.</summary>
    public static PaperTable S2MlpImageNet { get; } = new("S2-MLP", "Table 3", ImageNet1K,
    [
        new("S2-MLP-wide", 80.0, 71, 14.0, 94.8, "parameters without the classifier"),
        new("S2-MLP-deep", 80.7, 51, 10.5, 95.4, "parameters without the classifier; its configuration gives 53.5M"),
        new("Mixer-B/16", 76.4, 59, 11.6),
        new("FF", 74.9, 59, 11.6),
        new("ResMLP-36", 79.7, 45, 8.9),
        new("ViT-B/16*", 79.7, 86.4, 17.6, Note: "the MLP-Mixer paper's ViT with extra regularisation"),
        new("DeiT-B/16", 81.8, 86.4, 17.6),
    ]);

    /// <summary>S2-MLP Table 7: shift directions, S2-MLP-wide on ImageNet100; rows "(a)" .. "(j)" and "w/o"
    /// (ShiftPatterns.Table7 names the same sets "a" .. "j" and "none").</summary>
    public static PaperTable S2MlpDirections { get; } = new("S2-MLP", "Table 7", ImageNet100,
    [
        new("(a)", 87.1, Top5: 97.1, Note: "up, down, left, right: the default"),
        new("(b)", 87.0, Top5: 97.1, Note: "the four axial directions and the four diagonals"),
        new("(c)", 85.0, Top5: 96.1, Note: "up and right"),
        new("(d)", 85.1, Top5: 96.2, Note: "left and down"),
        new("(e)", 79.5, Top5: 93.1, Note: "up and down"),
        new("(f)", 80.5, Top5: 93.7, Note: "left and right"),
        new("(g)", 77.7, Top5: 92.7, Note: "up only"),
        new("(h)", 77.5, Top5: 92.5, Note: "down only"),
        new("(i)", 78.3, Top5: 93.4, Note: "left only"),
        new("(j)", 78.4, Top5: 93.4, Note: "right only"),
        new("w/o", 56.7, Top5: 81.0, Note: "no shift"),
    ]);

    /// <summary>S2-MLP Table 8: input size at 16×16 patches, S2-MLP-wide on ImageNet100.</summary>
    public static PaperTable S2MlpInputSize { get; } = new("S2-MLP", "Table 8", ImageNet100,
    [
        new("112×112", 80.6, 71, 3.5, 94.2, "7×7 tokens"),
        new("224×224", 87.1, 71, 14, 97.1, "14×14 tokens"),
        new("384×384", 88.2, 71, 31, 97.6, "24×24 tokens; the text speaks of inputs up to 336, but 31B fits 384²"),
    ]);

    /// <summary>S2-MLP Table 9: patch size at 224², S2-MLP-wide on ImageNet100.</summary>
    public static PaperTable S2MlpPatchSize { get; } = new("S2-MLP", "Table 9", ImageNet100,
    [
        new("32×32", 81.0, 73, 3.5, 94.6, "7×7 tokens"),
        new("16×16", 87.1, 71, 14, 97.1, "14×14 tokens"),
    ]);

    // ----- S2-MLPv2 ----------------------------------------------------------------------------------------

    /// <summary>S2-MLPv2 Table 5: the two-level pyramid (Small/7) against the flat model (Small/14).</summary>
    public static PaperTable S2MlpV2Pyramid { get; } = new("S2-MLPv2", "Table 5", ImageNet1K,
    [
        new("Small/7", 82.0, 25, 6.9, Note: "pyramid: 32² then 16² tokens"),
        new("Small/14", 80.9, 30, 5.7, Note: "flat: 16² tokens; 5.7B is below what its 18 blocks cost (6.79 GMACs)"),
    ]);

    /// <summary>S2-MLPv2 Table 6: fusing the three branches by split attention or by their sum over three.</summary>
    public static PaperTable S2MlpV2Fusion { get; } = new("S2-MLPv2", "Table 6", ImageNet1K,
    [
        new("sum", 79.8, 22, 6.9, Note: "sum-pooling, (X1 + X2 + X3) / 3; the kit's count without split attention is 22.9M"),
        new("split attention", 82.0, 25, 6.9),
    ]);

    /// <summary>S2-MLPv2 Table 7: which of the three branches the token mixer keeps.</summary>
    public static PaperTable S2MlpV2Branches { get; } = new("S2-MLPv2", "Table 7", ImageNet1K,
    [
        new("X1+X2+X3", 82.0, 25, 6.9),
        new("X1+X3", 81.6, 22, 6.2, Note: "without the second shift"),
        new("X1+X2", 81.7, 22, 6.2, Note: "without the identity branch; the text says 81.6"),
    ]);

    // ----- MLP-Mixer ---------------------------------------------------------------------------------------

    /// <summary>MLP-Mixer Table 3: ImageNet top-1 after pre-training on ImageNet, ImageNet-21k or JFT-300M; a row
    /// names its model, pre-training set, and where needed the epochs and the 448² resolution.</summary>
    public static PaperTable MixerImageNet { get; } = new("MLP-Mixer", "Table 3", "ImageNet-1K, after pre-training on the set in the row",
    [
        new("Mixer-B/16 (ImageNet)", 76.44, Note: "extra regularisation; 300 epochs at 224"),
        new("ViT-B/16 (ImageNet)", 79.67),
        new("Mixer-L/16 (ImageNet)", 71.76),
        new("ViT-L/16 (ImageNet)", 76.11),
        new("Mixer-B/16 (ImageNet-21k)", 80.64),
        new("Mixer-L/16 (ImageNet-21k)", 82.89),
        new("Mixer-L/16 (ImageNet-21k, 448)", 83.91, Note: "fine-tuned at 448"),
        new("Mixer-S/32 (JFT-300M)", 68.70, Note: "5 epochs"),
        new("Mixer-B/32 (JFT-300M)", 75.53, Note: "7 epochs"),
        new("Mixer-S/16 (JFT-300M)", 73.83, Note: "5 epochs"),
        new("Mixer-B/16 (JFT-300M)", 80.00, Note: "7 epochs"),
        new("Mixer-L/32 (JFT-300M)", 80.67, Note: "7 epochs"),
        new("Mixer-L/16 (JFT-300M, 7 epochs)", 84.05),
        new("Mixer-L/16 (JFT-300M, 14 epochs)", 84.82),
        new("Mixer-H/14 (JFT-300M)", 86.32, Note: "14 epochs"),
        new("Mixer-L/16 (JFT-300M, 448)", 86.78, Note: "14 epochs, fine-tuned at 448"),
    ]);

    // ----- PoolFormer --------------------------------------------------------------------------------------

    /// <summary>PoolFormer Table 5: one change at a time to PoolFormer-S12 (ImageNet-1K, the full recipe).</summary>
    public static PaperTable PoolFormerAblation { get; } = new("PoolFormer", "Table 5", ImageNet1K,
    [
        ..Group("baseline", new PaperRow("PoolFormer-S12", 77.2, 11.9, 1.8)),
        ..Group("token mixer",
            new("identity", 74.3, 11.9, 1.8),
            new("global random matrix", 75.8, 11.9, 3.3, Note: "frozen; its 21M values are not counted"),
            new("depthwise conv", 78.1, 11.9, 1.8)),
        ..Group("pool size", new("pool size 5", 77.2, 11.9, 1.8), new("pool size 7", 77.1, 11.9, 1.8), new("pool size 9", 76.8, 11.9, 1.8)),
        ..Group("norm", new("LayerNorm", 76.5, 11.9, 1.8), new("BatchNorm", 76.4, 11.9, 1.8), new("no norm", 46.1, 11.9, 1.8)),
        ..Group("activation", new("ReLU", 76.4, 11.9, 1.8), new("SiLU", 77.2, 11.9, 1.8)),
        ..Group("components", new("no residual", 0.1, 11.9, 1.8), new("no channel MLP", 5.7, 2.5, 0.2)),
        ..Group("hybrid stages",
            new("[P,P,P,Attn]", 78.3, 14.0, 1.9),
            new("[P,P,Attn,Attn]", 81.0, 16.5, 2.5),
            new("[P,P,P,SpatialFC]", 77.5, 11.9, 1.8),
            new("[P,P,SpatialFC,SpatialFC]", 77.9, 12.2, 1.9)),
    ]);

    private static IEnumerable<PaperRow> Group(string group, params PaperRow[] rows) => rows.Select(r => r with { Group = group });

    // ----- RaftMLP -----------------------------------------------------------------------------------------

    /// <summary>RaftMLP Table 1: RaftMLP-12 and -36 on ImageNet-1K at 224², beside the paper's own Mixer-B/16 and
    /// the models it quotes.</summary>
    public static PaperTable RaftMlpImageNet { get; } = new("RaftMLP", "Table 1", ImageNet1K,
    [
        new("RaftMLP-12", 78.0, 58, 12.0, 93.2, "c = 768, r = 4, N = 12"),
        new("RaftMLP-36", 76.9, 44, 9.0, 91.9, "c = 384, r = 2, N = 36"),
        new("Mixer-B/16", 76.4, 59, 12.6, Note: "the RaftMLP authors' implementation"),
        new("S2-MLP-wide", 80.0, 68, 13.0, 94.8, "quoted; S2-MLP Table 3 prints 71M and 14.0B"),
        new("S2-MLP-deep", 80.7, 51, 9.7, 95.4, "quoted; S2-MLP Table 3 prints 10.5B"),
        new("ResMLP-36", 79.7, 45, 8.9, Note: "quoted"),
    ]);

    // ----- MS-MLP ------------------------------------------------------------------------------------------

    /// <summary>MS-MLP Table 9: the kind of mixing in MS-MLP-Tiny at patch 4 and 2 (read from the bar chart of
    /// Fig. 3); rows "local", "global", "isolated", "regional", each ", patch 4" and ", patch 2".</summary>
    public static PaperTable MsMlpMixingType { get; } = new("MS-MLP", "Table 9", ImageNet1K,
    [
        ..AtPatch4And2("local", 81.2, 81.6, "regions 1, 1, 1, 1, 1; shifts 0..4"),
        ..AtPatch4And2("global", 80.9, 80.2, "regions 7 for every group"),
        ..AtPatch4And2("isolated", 80.4, 80.8, "regions 1, 1, 3, 5, 7; shifts 0, 2, 5, 10, 17"),
        ..AtPatch4And2("regional", 82.0, 82.6, "the proposed scheme: regions 1, 1, 3, 5, 7; shifts 0..4"),
    ]);

    private static IEnumerable<PaperRow> AtPatch4And2(string mixing, double patch4, double patch2, string note) =>
        [new($"{mixing}, patch 4", patch4, Note: note), new($"{mixing}, patch 2", patch2, Note: note)];

    /// <summary>Every table above.</summary>
    public static IReadOnlyList<PaperTable> All { get; } =
    [
        S2MlpImageNet, S2MlpDirections, S2MlpInputSize, S2MlpPatchSize,
        S2MlpV2Pyramid, S2MlpV2Fusion, S2MlpV2Branches,
        MixerImageNet, PoolFormerAblation, RaftMlpImageNet, MsMlpMixingType,
    ];

    /// <summary>The table <paramref name="paper"/> <paramref name="table"/> ("S2-MLP", "Table 7"); an unknown one throws,
    /// naming the tables there are.</summary>
    public static PaperTable Get(string paper, string table) =>
        All.FirstOrDefault(t => t.Paper == paper && t.Table == table)
        ?? throw new KeyNotFoundException($"No paper table '{paper} {table}'; there are: {string.Join(", ", All.Select(t => t.Title))}");
}

/// <summary>The papers' numbers that are not accuracies in a table, which the notebooks compare against.</summary>
public static class PaperClaims
{
    /// <summary>FF-G2M's abstract: its gain over vanilla MLPs, averaged over six datasets and three teachers.</summary>
    public static PaperClaim FfG2mOverVanillaMlp { get; } = new("FF-G2M", "abstract", "over vanilla MLP", 12.6, "%",
        "the abstract does not say whether points or a relative gain");

    /// <summary>FF-G2M's abstract: its gain over the teacher GNN it distils, averaged likewise.</summary>
    public static PaperClaim FfG2mOverTeacher { get; } = new("FF-G2M", "abstract", "over teacher", 2.6, "%",
        "the abstract does not say whether points or a relative gain");

    /// <summary>MLP-Mixer Fig. 4: Mixer-B/16's drop under a global pixel permutation, read off the curves.</summary>
    public static PaperClaim MixerGlobalPermutationDrop { get; } = new("MLP-Mixer", "Fig. 4", "Mixer-B/16, global pixel permutation", 45, "%",
        "approximate, read from a figure; linear 5-shot ImageNet top-1 after JFT-300M pre-training");

    /// <summary>MLP-Mixer Fig. 4: the ResNet50x1's drop under the same permutation.</summary>
    public static PaperClaim ResNetGlobalPermutationDrop { get; } = new("MLP-Mixer", "Fig. 4", "ResNet50x1, global pixel permutation", 75, "%",
        "approximate, read from a figure; linear 5-shot ImageNet top-1 after JFT-300M pre-training");

    public static IReadOnlyList<PaperClaim> All { get; } =
        [FfG2mOverVanillaMlp, FfG2mOverTeacher, MixerGlobalPermutationDrop, ResNetGlobalPermutationDrop];
}
