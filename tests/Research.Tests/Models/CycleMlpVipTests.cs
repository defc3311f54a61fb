using Research.Models;
using Research.Torch;
using static Research.Torch.torch;
using Registry = Research.Models.Models;

namespace Research.Tests.Families;

public sealed class CycleMlpVipTests
{
    private static ImageClassifier Build(string golden) => golden switch
    {
        "cyclemlp_tiny" => Registry.Create<CycleMlpConfig>("cyclemlp_b1", c => c with { Layers = [1, 1, 1, 1], Dims = [8, 16, 24, 32] },
            numClasses: 5, imageSize: 64),
        "vip_tiny" => Registry.Create<VipConfig>("vip_s7", c => c with
        {
            Layers = [1, 1, 1, 1], Dims = [16, 32, 32, 32], SegmentDims = [8, 4, 4, 4], PatchSize = 4,
        }, numClasses: 5, imageSize: 32),
        _ => throw new ArgumentException(golden),
    };

    /// <summary>Given the official definitions (tests/golden/cyclemlp_vip_official.py; CycleFC's deform_conv2d computed
    /// there with grid_sample), when our models load the official state dicts by name, then logits match within 1e-4.</summary>
    [Theory]
    [InlineData("cyclemlp_tiny")]
    [InlineData("vip_tiny")]
    public void Official_checkpoint_loads_by_name_and_reproduces_pytorch_logits(string golden)
    {
        using var model = Build(golden);
        GoldenFiles.AssertReproduces(model, golden);
    }

    [Fact]
    public void Cycle_fc_reads_channel_i_at_offset_i_plus_1_mod_3_minus_1_with_zeros_outside()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var fc = new CycleFC(6, 6, 1, 3);
        Assert.Equal(new long[] { 0, 1, -1, 0, 1, -1 }, fc.Shifts);
        // with the identity as the 1x1 weights, the output is the shifted input
        using (no_grad())
            foreach (var (name, p) in fc.named_parameters())
                p.copy_(name == "weight" ? eye(6).view(6, 6, 1, 1) : zeros(6));
        var x = randn(1, 6, 3, 4);
        var y = fc.forward(x);
        Close.Equal(x.narrow(1, 0, 1), y.narrow(1, 0, 1), 0, "shift 0");
        Close.Equal(x.narrow(1, 1, 1).narrow(3, 1, 3), y.narrow(1, 1, 1).narrow(3, 0, 3), 0, "shift +1 reads the next column");
        Assert.Equal(0.0, y.narrow(1, 1, 1).narrow(3, 3, 1).abs().max().ToDouble());
        Close.Equal(x.narrow(1, 2, 1).narrow(3, 0, 3), y.narrow(1, 2, 1).narrow(3, 1, 3), 0, "shift -1 reads the previous column");
        Assert.Equal(0.0, y.narrow(1, 2, 1).narrow(3, 0, 1).abs().max().ToDouble());
    }

    [Fact]
    public void Vip_needs_a_grid_side_equal_to_its_segment_count()
    {
        var error = Assert.Throws<ArgumentException>(() => Registry.Create("vip_s7", imageSize: 112));
        Assert.Contains("segments", error.Message);
    }

    // CycleMLP (head included): per block LN 4C, channel FC C², two Cycle FCs 2(C² + C), reweight C·C/4 + C/4 + 3C²/4 + 3C,
    // proj C² + C, channel MLP 2rC² + rC + C; stem 147 C1 + C1; 3x3 stride-2 convs 9 C_i C_{i+1} + C_{i+1}; LN; head.
    [Theory]
    [InlineData("cyclemlp_b1", 15_155_400L, 15.2)]   // CycP Table 1
    [InlineData("cyclemlp_b2", 26_802_504L, 26.8)]
    [InlineData("cyclemlp_b3", 38_385_720L, 38.4)]
    [InlineData("cyclemlp_b4", 51_796_552L, 51.8)]
    [InlineData("cyclemlp_b5", 75_747_280L, 75.7)]
    // ViP-Small/7: 25.1M with the reweight hidden width C/4 (PAPERS.md §2); S2v2P Table 2 quotes 25M
    [InlineData("vip_s7", 25_114_984L, 25)]
    public void Counts_match_the_papers(string name, long expected, double paperM)
    {
        long count = ParameterCountTests.Count(name);
        Assert.Equal(expected, count);
        Assert.True(Math.Abs(count / 1e6 - paperM) / paperM <= 0.02, $"{name}: {count / 1e6:F2}M vs {paperM}M");
    }
}
