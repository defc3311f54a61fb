using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Graphs;

// Message-passing layers as DGL defines them (dgl.nn.pytorch GraphConv, SAGEConv, GATConv, the layers the
// FF-G2M teachers use), written as gathers over the edge list and index_add at the targets: memory is
// O(E · C) and no dense N × N matrix is ever built. Parameter names and initialisations are DGL's, so a
// DGL state dict maps onto these layers key for key.

/// <summary>Graph convolution (Kipf and Welling, ICLR 2017; DGL <c>GraphConv(norm="both")</c>):
/// <c>H' = σ(D_in^{-1/2} A D_out^{-1/2} H W + b)</c> over the adjacency it is given (with self-loops: Â = D̃^{-1/2}(A + I)D̃^{-1/2}).
/// The product with W comes first when it shrinks the width, as DGL orders it; the result is the same.
/// <c>weight</c> <c>[in, out]</c> Glorot-uniform, <c>bias</c> zeros.</summary>
public sealed class GraphConv : nn.Module
{
    public Parameter weight;
    public Parameter bias;
    [nn.Ignore] private readonly bool _relu;

    public GraphConv(long inFeatures, long outFeatures, bool relu)
    {
        using var scope = NewDisposeScope();
        weight = new Parameter(empty([inFeatures, outFeatures]));
        nn.init.xavier_uniform_(weight);
        bias = new Parameter(zeros(outFeatures));
        _relu = relu;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }

    /// <param name="graph">The edges to aggregate over (with self-loops for the FF-G2M teachers).</param>
    /// <param name="x">Node features <c>[N, in]</c>; returns <c>[N, out]</c>.</param>
    public Tensor forward(Adjacency graph, Tensor x)
    {
        var h = InFeatures > OutFeatures
            ? graph.NormalizedPropagate(x.matmul(weight))
            : graph.NormalizedPropagate(x).matmul(weight);
        h = h + bias;
        return _relu ? F.relu(h) : h;
    }

    public override string extra_repr() => $"in={InFeatures}, out={OutFeatures}, normalization=both, activation={(_relu ? "relu" : "None")}";
}

/// <summary>How GraphSAGE combines a node with its neighbours.</summary>
public enum SageAggregator
{
    /// <summary><c>h' = W_self h_v + W_neigh mean_{u ∈ N(v)} h_u + b</c>.</summary>
    Mean,

    /// <summary>The GCN-style aggregator FF-G2M uses: <c>h' = W_neigh (Σ_{u ∈ N(v)} h_u + h_v) / (d_in(v) + 1) + b</c>
    /// (over a graph with self-loops the node's own row enters twice, as in DGL).</summary>
    Gcn,
}

/// <summary>GraphSAGE layer (Hamilton et al., NeurIPS 2017; DGL <c>SAGEConv</c>), mean or gcn aggregator, see
/// <see cref="SageAggregator"/>. <c>fc_neigh.weight</c> (and <c>fc_self.weight</c>, <c>fc_self.bias</c> for mean)
/// Glorot-uniform with the ReLU gain; the gcn aggregator's <c>bias</c> starts at zero.</summary>
public sealed class SageConv : nn.Module
{
    public Linear fc_neigh;
    public Linear? fc_self;
    public Parameter? bias;
    [nn.Ignore] private readonly SageAggregator _aggregator;

    public SageConv(long inFeatures, long outFeatures, SageAggregator aggregator)
    {
        _aggregator = aggregator;
        double gain = Math.Sqrt(2);
        fc_neigh = new Linear(inFeatures, outFeatures, bias: false);
        nn.init.xavier_uniform_(fc_neigh.weight, gain);
        if (aggregator == SageAggregator.Mean)
        {
            fc_self = new Linear(inFeatures, outFeatures, bias: true);
            nn.init.xavier_uniform_(fc_self.weight, gain);
        }
        else
        {
            using var scope = NewDisposeScope();
            bias = new Parameter(zeros(outFeatures));
        }
    }

    public SageAggregator Aggregator => _aggregator;

    /// <param name="graph">The edges to aggregate over (with self-loops for the FF-G2M teachers).</param>
    /// <param name="x">Node features <c>[N, in]</c>; returns <c>[N, out]</c>.</param>
    public Tensor forward(Adjacency graph, Tensor x)
    {
        if (_aggregator == SageAggregator.Mean)
            return fc_self!.forward(x) + fc_neigh.forward(graph.MeanPropagate(x));
        var sum = graph.Propagate(x) + x;
        var mean = sum / (graph.InDegree + 1).unsqueeze(1); // [N] -> [N, 1]
        return fc_neigh.forward(mean) + bias!;
    }

    public override string extra_repr() => $"aggregator={_aggregator.ToString().ToLowerInvariant()}";
}

/// <summary>Graph attention layer (Veličković et al., ICLR 2018; DGL <c>GATConv</c>) with H heads of width D:
/// <c>z = W h</c>, <c>e_uv = LeakyReLU(a_lᵀ z_u + a_rᵀ z_v)</c>, <c>α_uv = softmax over u ∈ N(v) of e_uv</c> (per head),
/// <c>h'_v = σ(Σ_u α_uv z_u + res(h_v) + b)</c>, output <c>[N, H, D]</c>. Dropout on the input features
/// (<c>feat_drop</c>) and on the attention weights (<c>attn_drop</c>). <c>fc.weight</c>, <c>attn_l</c>, <c>attn_r</c>
/// Glorot-normal with the ReLU gain; <c>bias</c> zeros. The edge softmax subtracts each target's maximum score first,
/// so large scores cannot overflow.</summary>
public sealed class GatConv : nn.Module
{
    public Linear fc;
    public Parameter attn_l;
    public Parameter attn_r;
    public Parameter bias;
    public Linear? res_fc;
    [nn.Ignore] private readonly long _heads, _outFeatures;
    [nn.Ignore] private readonly double _featDrop, _attnDrop, _negativeSlope;
    [nn.Ignore] private readonly bool _relu, _residual;

    public GatConv(long inFeatures, long outFeatures, long heads, double featDrop = 0, double attnDrop = 0, double negativeSlope = 0.2,
        bool residual = false, bool relu = false)
    {
        (_heads, _outFeatures, _featDrop, _attnDrop, _negativeSlope, _relu, _residual) = (heads, outFeatures, featDrop, attnDrop, negativeSlope, relu, residual);
        double gain = Math.Sqrt(2);
        fc = new Linear(inFeatures, heads * outFeatures, bias: false);
        nn.init.xavier_normal_(fc.weight, gain);
        using var scope = NewDisposeScope();
        attn_l = new Parameter(empty([1, heads, outFeatures]));
        attn_r = new Parameter(empty([1, heads, outFeatures]));
        nn.init.xavier_normal_(attn_l, gain);
        nn.init.xavier_normal_(attn_r, gain);
        bias = new Parameter(zeros(heads * outFeatures));
        // DGL adds the input itself when the widths already match; a projection otherwise.
        if (residual && inFeatures != heads * outFeatures)
        {
            res_fc = new Linear(inFeatures, heads * outFeatures, bias: false);
            nn.init.xavier_normal_(res_fc.weight, gain);
        }
    }

    /// <param name="graph">The edges to attend over (with self-loops for the FF-G2M teachers).</param>
    /// <param name="x">Node features <c>[N, in]</c>; returns <c>[N, H, D]</c>.</param>
    public Tensor forward(Adjacency graph, Tensor x)
    {
        long n = x.size(0);
        var h = F.dropout(x, _featDrop, training);
        var z = fc.forward(h).view(n, _heads, _outFeatures);         // [N, H·D] -> [N, H, D]
        var el = (z * attn_l).sum(-1);                                // [N, H]
        var er = (z * attn_r).sum(-1);                                // [N, H]
        var e = F.leaky_relu(el.index_select(0, graph.Src) + er.index_select(0, graph.Dst), _negativeSlope); // [E, H]
        var alpha = F.dropout(EdgeSoftmax(graph, e), _attnDrop, training);                                     // [E, H]
        var messages = z.index_select(0, graph.Src) * alpha.unsqueeze(2);                                      // [E, H, D]
        var rst = zeros([n, _heads, _outFeatures], z.dtype, z.device).index_add(0, graph.Dst, messages);      // [N, H, D]
        if (_residual)
            rst = rst + (res_fc is null ? h : res_fc.forward(h)).view(n, _heads, _outFeatures);   // [N, H·D] -> [N, H, D]
        rst = rst + bias.view(1, _heads, _outFeatures);                                             // [H·D] -> [1, H, D]
        return _relu ? F.relu(rst) : rst;
    }

    /// <summary>Softmax of edge scores <c>[E, H]</c> over the edges that share a target node.</summary>
    public static Tensor EdgeSoftmax(Adjacency graph, Tensor scores)
    {
        long n = graph.NumNodes, heads = scores.size(1);
        Tensor max;
        using (no_grad())
        {
            // The maximum only shifts the exponent, so it carries no gradient (softmax is shift-invariant). Edges come grouped
            // by target, so it is a segment reduction over runs of InDegreeCounts edges ([E, H] -> [N, H]); segment_reduce
            // rather than scatter_reduce, which libtorch 1.13 flags as beta with a warning on stderr.
            using var detached = scores.detach();
            max = segment_reduce(detached, "max", graph.InDegreeCounts);
        }
        var ex = (scores - max.index_select(0, graph.Dst)).exp();   // [E, H]
        var denom = zeros([n, heads], scores.dtype, scores.device).index_add(0, graph.Dst, ex);
        return ex / denom.index_select(0, graph.Dst);
    }

    public override string extra_repr() => $"heads={_heads}, out={_outFeatures}, feat_drop={_featDrop}, attn_drop={_attnDrop}, residual={_residual}";
}
