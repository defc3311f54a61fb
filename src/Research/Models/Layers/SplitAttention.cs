using Research.Torch;
using static Research.Torch.torch;

namespace Research.Models.Layers;

/// <summary>Split attention over K branches (ResNeSt, as ViP and S2-MLPv2 Eq. 2-4 use it), channels-last.
/// For branches X_k <c>[B, H, W, C]</c> stacked as <c>[B, H, W, K, C]</c>:
/// a = Σ_k mean_{H,W} X_k ∈ R^C; â = fc2(GELU(fc1 a)) ∈ R^{KC}, read as <c>[C, K]</c> (ViP's layout);
/// Ā = softmax over k; out = Σ_k Ā_k ⊙ X_k <c>[B, H, W, C]</c>.
/// The hidden width c̄ = C · <c>hiddenRatio</c> (ViP: C/4). State keys <c>mlp.fc1</c>, <c>mlp.fc2</c>.</summary>
public sealed class SplitAttention : nn.Module<Tensor, Tensor>
{
    public readonly Mlp mlp;

    /// <summary>C: the width of each branch.</summary>
    public long Dim { get; }

    /// <summary>K: the number of branches fused.</summary>
    public long K { get; }

    public SplitAttention(long dim, long k = 3, double hiddenRatio = 0.25)
    {
        (Dim, K) = (dim, k);
        mlp = new Mlp(dim, Math.Max(1, (long)(dim * hiddenRatio)), dim * k);
    }

    /// <summary>When true, every forward keeps a detached copy of its weights Ā in <see cref="LastWeights"/>, so a
    /// trained model's fusion can be read off after an ordinary forward pass. Setting it false frees the copy.</summary>
    public bool KeepWeights
    {
        get => _keepWeights;
        set
        {
            _keepWeights = value;
            if (!value) ReplaceLastWeights(null);
        }
    }

    /// <summary>The softmax weights Ā of the last forward while <see cref="KeepWeights"/> is on, <c>[B, K, C]</c>
    /// (each [b, :, c] sums to 1); owned by the layer, replaced by the next forward.</summary>
    public Tensor? LastWeights { get; private set; }

    private bool _keepWeights;

    /// <param name="x">The K branches, <c>[B, H, W, K, C]</c>.</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.size(0);
        var a = x.mean([1, 2]).sum(1);                                  // [B, H, W, K, C] -> [B, K, C] -> [B, C]
        var logits = mlp.forward(a).reshape(b, Dim, K);                  // [B, K*C] -> [B, C, K]
        var weights = logits.softmax(2).permute(0, 2, 1);                // [B, C, K] -> [B, K, C]
        if (_keepWeights) ReplaceLastWeights(weights.detach().contiguous().DetachFromDisposeScope());
        return (x * weights.reshape(b, 1, 1, K, Dim)).sum(3).MoveToOuterDisposeScope();   // [B, H, W, K, C] * [B, 1, 1, K, C] -> [B, H, W, C]
    }

    private void ReplaceLastWeights(Tensor? weights)
    {
        LastWeights?.Dispose();
        LastWeights = weights;
    }
}

/// <summary>The ablation's fusion without attention (S2-MLPv2 Table 6, "sum-pooling"): the mean of the K
/// branches, ΣX_k / K, from <c>[B, H, W, K, C]</c> to <c>[B, H, W, C]</c>.</summary>
public sealed class MeanFusion : nn.Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor x) => x.mean(3);
}
