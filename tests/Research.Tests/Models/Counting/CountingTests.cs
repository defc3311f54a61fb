using Research.Models;
using Research.Models.Counting;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Tests.Models;

/// <summary>Given the MAC counter, when layers and ops run under it, then the tensor layer tallies what their real
/// inputs imply with no call in the calling code, and the model count names the layers that never ran.</summary>
public sealed class CountingTests
{
    [Fact]
    public void Layers_report_what_their_inputs_imply()
    {
        using var scope = NewDisposeScope();
        var fc = new Linear(6, 5);
        var conv = new Conv2d(4, 8, 3, padding: 1, groups: 2);
        using var outer = MacCounter.Start();
        using (var inner = MacCounter.Start())
        {
            fc.forward(randn(2, 3, 6));                                     // 6 rows · 6 · 5
            Assert.Equal(180, inner.Macs);
        }
        conv.forward(randn(1, 4, 5, 5));                                     // 8·5·5 outputs · (4/2)·9
        randn(3, 2, 7).matmul(randn(7, 4));                                  // 3·2·4 outputs · 7
        Assert.Equal(180 + 3600 + 168, outer.Macs);
        Assert.Equal(3600, outer.ByOp["conv2d"]);
        Assert.Contains(fc.weight, outer.Weights);
        Assert.Contains(conv.weight, outer.Weights);
    }

    [Fact]
    public void Functional_calls_count_as_their_layers_do()
    {
        using var scope = NewDisposeScope();
        var weight = randn(8, 2, 3, 3);
        using var counter = MacCounter.Start();
        nn.functional.conv2d(randn(1, 4, 5, 5), weight, null, 1, 1, 1, 2);   // as the Conv2d above
        nn.functional.linear(randn(2, 3, 6), randn(5, 6));                   // as the Linear above
        Assert.Equal(3600 + 180, counter.Macs);
        Assert.Equal(180, counter.ByOp["linear"]);
    }

    [Fact]
    public void A_paused_counter_hears_nothing_until_resumed()
    {
        using var scope = NewDisposeScope();
        var fc = new Linear(6, 5);
        using var counter = MacCounter.Start();
        using (MacCounter.Pause())
            fc.forward(randn(1, 6));
        Assert.Equal(0, counter.Macs);
        fc.forward(randn(1, 6));
        Assert.Equal(30, counter.Macs);
    }

    [Fact]
    public void Nothing_is_tallied_without_a_counter()
    {
        using var scope = NewDisposeScope();
        Assert.False(MacCounter.Active);
        var fc = new Linear(3, 3);
        fc.forward(randn(1, 3));
        using var counter = MacCounter.Start();
        Assert.Equal(0, counter.Macs);
    }

    private sealed class Bypass : ImageClassifier
    {
        public readonly Linear used = new(3 * 4 * 4, 8);
        public readonly Linear bypassed = new(8, 8);
        public readonly Linear head = new(8, 2);
        public override long num_features => 8;
        public override long num_classes => 2;
        public override ModelOptions Options { get; } = new(2, 4, 3);
        public override Tensor forward_features(Tensor x) => used.forward(x.flatten(1)).alias();
        public override Tensor forward_head(Tensor f, bool pre_logits = false) => pre_logits ? f.alias() : head.forward(f);
        public override void reset_classifier(long numClasses) => throw new NotSupportedException();
        public override nn.Module? get_classifier() => head;
    }

    [Fact]
    public void Model_count_names_layers_that_did_not_report()
    {
        using var model = new Bypass();
        var count = ModelCounter.Count(model, new ModelOptions(2, 4, 3));
        Assert.Equal(48L * 8 + 8 * 2, count.Macs);
        Assert.Equal(new[] { "bypassed (Linear)" }, count.Unreported);
        Assert.Equal(18, count.HeadParams);
        Assert.Equal(model.num_parameters(), count.Params);
        Assert.True(model.training, "counting must leave the training mode as it found it");
    }
}
