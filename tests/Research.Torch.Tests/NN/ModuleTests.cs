using Research.Torch.Modules;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Tests;

public sealed class ModuleTests
{
    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        public readonly LayerNorm norm1 = new(8);
        public readonly Linear mlpTokens = new(8, 8);
        public readonly Parameter layerScale1 = new(ones(8));
        [nn.Buffer] public Tensor runningStat = zeros(8).DetachFromDisposeScope();
        public override Tensor forward(Tensor x) => x + layerScale1 * mlpTokens.forward(norm1.forward(x));
    }

    private sealed class Net : nn.Module<Tensor, Tensor>
    {
        public readonly Linear stem = new(4, 8);
        public readonly List<Block> blocks = [new(), new()];
        public readonly Dictionary<string, Linear> heads = new() { ["cls"] = new Linear(8, 3) };
        public readonly Dropout drop = new(0.5);
        public override Tensor forward(Tensor x)
        {
            var h = stem.forward(x);
            foreach (var b in blocks) h = b.forward(h);
            return heads["cls"].forward(drop.forward(h));
        }
    }

    [Fact]
    public void StateDictKeysArePyTorchs()
    {
        using var net = new Net();
        var keys = net.state_dict().Keys.ToList();
        Assert.Equal(new[]
        {
            "stem.weight", "stem.bias",
            "blocks.0.layer_scale1", "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.mlp_tokens.weight", "blocks.0.mlp_tokens.bias",
            "blocks.1.layer_scale1", "blocks.1.norm1.weight", "blocks.1.norm1.bias", "blocks.1.mlp_tokens.weight", "blocks.1.mlp_tokens.bias",
            "heads.cls.weight", "heads.cls.bias",
            "blocks.0.running_stat", "blocks.1.running_stat",
        }.OrderBy(k => k), keys.OrderBy(k => k));
        Assert.Equal(14, net.parameters().Count());
        Assert.Equal(4 * 8 + 8 + 2 * (8 + 8 + 8 + 64 + 8) + 24 + 3, net.num_parameters());
    }

    [Fact]
    public void TrainAndEvalReachEverySubmodule()
    {
        using var net = new Net();
        net.eval();
        Assert.All(net.modules(), m => Assert.False(m.training));
        using var x = ones(2, 4);
        using var a = net.forward(x);
        using var b = net.forward(x);
        Assert.True(a.equal(b), "dropout must be off in eval");
        net.train();
        Assert.All(net.modules(), m => Assert.True(m.training));
    }

    [Fact]
    public void LoadStateDictCopiesValuesAndRejectsBadKeys()
    {
        using var a = new Net();
        using var b = new Net();
        b.load_state_dict(a.state_dict());
        a.eval(); b.eval();
        using var x = randn(3, 4);
        using var ya = a.forward(x);
        using var yb = b.forward(x);
        Assert.True(ya.equal(yb));

        var broken = a.state_dict();
        broken.Remove("stem.bias");
        broken["extra.weight"] = a.stem.weight;
        var e = Assert.Throws<ArgumentException>(() => b.load_state_dict(broken));
        Assert.Contains("missing keys: stem.bias", e.Message);
        Assert.Contains("unexpected keys: extra.weight", e.Message);

        using var wrongShape = zeros(5, 4);
        var mismatched = a.state_dict();
        mismatched["stem.weight"] = wrongShape;
        e = Assert.Throws<ArgumentException>(() => b.load_state_dict(mismatched));
        Assert.Contains("stem.weight: checkpoint [5, 4] vs model [8, 4]", e.Message);
    }

    [Fact]
    public void ToDtypeKeepsParameterObjects()
    {
        using var net = new Net();
        var before = net.parameters().ToList();
        net.to(float64);
        Assert.Equal(before, net.parameters().ToList());
        Assert.All(net.parameters(), p => Assert.Equal(ScalarType.Float64, p.dtype));
        Assert.All(net.named_buffers(), b => Assert.Equal(ScalarType.Float64, b.buffer.dtype));
    }

    [Fact]
    public void SnakeCaseMatchesPyTorchNames()
    {
        Assert.Equal("mlp_tokens", nn.Module.SnakeCase("mlpTokens"));
        Assert.Equal("layer_scale1", nn.Module.SnakeCase("layerScale1"));
        Assert.Equal("fc1", nn.Module.SnakeCase("fc1"));
        Assert.Equal("head_norm", nn.Module.SnakeCase("head_norm"));
    }

    [Fact]
    public void PrintsLikePyTorch()
    {
        var text = new Sequential(new Linear(3, 4), new GELU(), new Dropout(0.1)).ToString();
        Assert.Equal("Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)\n  (1): GELU()\n  (2): Dropout(p=0.1, inplace=False)\n)", text);
        Assert.Equal("LayerNorm((8,), eps=1e-05, elementwise_affine=True)", new LayerNorm(8).ToString());
    }

    [Fact]
    public void BatchNormTracksRunningStatisticsAsPyTorch()
    {
        using var scope = NewDisposeScope();
        var bn = new BatchNorm2d(2);
        manual_seed(3);
        var x = randn(4, 2, 3, 3) * 2 + 1;
        bn.forward(x);
        // momentum 0.1: running = 0.9 * initial + 0.1 * batch statistic (unbiased variance).
        var mean = x.mean([0, 2, 3]);
        var variance = x.var([0, 2, 3]);
        Assert.True(bn.running_mean.allclose(mean * 0.1, atol: 1e-6));
        Assert.True(bn.running_var.allclose(variance * 0.1 + 0.9, atol: 1e-5));
        Assert.Equal(1L, bn.num_batches_tracked.item<long>());
        bn.eval();
        var y = bn.forward(x);
        var expected = (x - bn.running_mean.reshape(1, 2, 1, 1)) / (bn.running_var.reshape(1, 2, 1, 1) + 1e-5).sqrt();
        Assert.True(y.allclose(expected, atol: 1e-5));
    }

    [Fact]
    public void InitialisersHaveTheirDistributions()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var w = empty([256, 512]);
        nn.init.trunc_normal_(w, 0, 0.02, -0.04, 0.04);
        Assert.True(w.abs().max().ToDouble() <= 0.04);
        AssertNear(0.02 * 0.880, w.std().ToDouble());   // a normal truncated at 2 sigma keeps 0.880 of its std
        nn.init.xavier_uniform_(w);
        double a = Math.Sqrt(6.0 / (256 + 512));
        Assert.True(w.abs().max().ToDouble() <= a);
        AssertNear(a / Math.Sqrt(3), w.std().ToDouble());
        nn.init.kaiming_normal_(w, mode: "fan_in", nonlinearity: "relu");
        AssertNear(Math.Sqrt(2.0 / 512), w.std().ToDouble());
        nn.init.zeros_(w);
        Assert.Equal(0, w.abs().sum().ToDouble());
    }

    // 131072 draws: the sample std is within 1% of the true one with overwhelming probability.
    private static void AssertNear(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 0.01 * expected, $"expected std {expected}, got {actual}");
}

/// <summary>Given libtorch's one global generator, seeding it twice repeats initialisation and dropout: alone, since any
/// test running beside it draws from the same generator between the two seeds.</summary>
[Collection(LiveTensorCount.Name)]
public sealed class ManualSeedTests
{
    [Fact]
    public void ManualSeedMakesInitAndDropoutRepeat()
    {
        manual_seed(7);
        using var a = new Linear(5, 5);
        using var da = F.dropout(ones(20), 0.5);
        manual_seed(7);
        using var b = new Linear(5, 5);
        using var db = F.dropout(ones(20), 0.5);
        Assert.True(a.weight.equal(b.weight));
        Assert.True(da.equal(db));
    }
}
