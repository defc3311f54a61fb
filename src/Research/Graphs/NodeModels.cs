using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Graphs;

// The teachers and the student of FF-G2M (Wu et al., AAAI 2023, arXiv 2305.10758), laid out as the
// official code's src/models.py lays them out (docs/papers.md §7): L layers, the hidden layers followed
// by ReLU and dropout, raw logits out. Keys are the official ones (layers.0.weight, layers.1.fc.weight),
// so a state dict saved from that code loads by name.

/// <summary>A node classifier: logits <c>[N, C]</c> for every node from the graph and the node features <c>[N, F]</c>.</summary>
public abstract class NodeModel : nn.Module
{
    /// <summary>Logits for every node. Models that ignore the graph (the MLP) accept any adjacency.</summary>
    public abstract Tensor forward(Adjacency graph, Tensor x);

    /// <summary>Whether the output depends on the edges (false for the MLP student).</summary>
    public abstract bool UsesGraph { get; }

    /// <summary>The official models' layer loop: each layer in turn, <paramref name="between"/> (activation and dropout)
    /// after every layer but the last.</summary>
    private protected static Tensor Stack<TLayer>(ModuleList<TLayer> layers, Tensor x, Func<TLayer, Tensor, Tensor> layer,
        Func<Tensor, Tensor> between) where TLayer : nn.Module
    {
        var h = x;
        for (int l = 0; l < layers.Count; l++)
        {
            h = layer(layers[l], h);
            if (l < layers.Count - 1) h = between(h);
        }
        return h;
    }
}

/// <summary>The kinds of teacher FF-G2M distils from.</summary>
public enum TeacherKind { Gcn, Sage, Gat }

/// <summary>GCN teacher: <c>L</c> <see cref="GraphConv"/> layers, ReLU inside every layer but the last, dropout
/// after every layer but the last: <c>Z = Â · drop(ReLU(Â X W₁ + b₁)) W₂ + b₂</c> for L = 2.</summary>
public sealed class Gcn : NodeModel
{
    public ModuleList<GraphConv> layers;
    [nn.Ignore] private readonly double _dropout;

    public Gcn(int numLayers, long inFeatures, long hidden, long numClasses, double dropout)
    {
        layers = new ModuleList<GraphConv>(Widths(numLayers, inFeatures, hidden, numClasses)
            .Select((w, i) => new GraphConv(w.In, w.Out, relu: i < numLayers - 1)));
        _dropout = dropout;
    }

    public override bool UsesGraph => true;

    public override Tensor forward(Adjacency graph, Tensor x) =>
        Stack(layers, x, (layer, h) => layer.forward(graph, h), h => F.dropout(h, _dropout, training));

    /// <summary>(in, out) of each of <paramref name="numLayers"/> layers: in → hidden → … → hidden → classes.</summary>
    internal static IEnumerable<(long In, long Out)> Widths(int numLayers, long inFeatures, long hidden, long numClasses)
    {
        if (numLayers < 1) throw new ArgumentOutOfRangeException(nameof(numLayers), $"need at least one layer, got {numLayers}");
        for (int l = 0; l < numLayers; l++)
            yield return (l == 0 ? inFeatures : hidden, l == numLayers - 1 ? numClasses : hidden);
    }
}

/// <summary>GraphSAGE teacher: <c>L</c> <see cref="SageConv"/> layers (the gcn aggregator in FF-G2M), ReLU and dropout between layers.</summary>
public sealed class GraphSage : NodeModel
{
    public ModuleList<SageConv> layers;
    [nn.Ignore] private readonly double _dropout;

    public GraphSage(int numLayers, long inFeatures, long hidden, long numClasses, double dropout, SageAggregator aggregator = SageAggregator.Gcn)
    {
        layers = new ModuleList<SageConv>(Gcn.Widths(numLayers, inFeatures, hidden, numClasses).Select(w => new SageConv(w.In, w.Out, aggregator)));
        _dropout = dropout;
    }

    public override bool UsesGraph => true;

    public override Tensor forward(Adjacency graph, Tensor x) =>
        Stack(layers, x, (layer, h) => layer.forward(graph, h), h => F.dropout(F.relu(h), _dropout, training));
}

/// <summary>GAT teacher as in the official code: hidden layers of <c>heads</c> heads of width <c>hidden / heads</c>
/// (ReLU, heads concatenated), a last layer of one head (heads averaged); <c>feat_drop</c> = the teacher dropout,
/// <c>attn_drop</c> 0.3 and LeakyReLU slope 0.2 by default, no residual connections.</summary>
public sealed class Gat : NodeModel
{
    public ModuleList<GatConv> layers;

    public Gat(int numLayers, long inFeatures, long hidden, long numClasses, double dropout, int heads = 4, double attnDrop = 0.3,
        double negativeSlope = 0.2, bool residual = false)
    {
        if (numLayers < 1) throw new ArgumentOutOfRangeException(nameof(numLayers), $"Gat: need at least one layer, got {numLayers}");
        if (hidden % heads != 0) throw new ArgumentException($"Gat: hidden width {hidden} is not a multiple of {heads} heads");
        long perHead = hidden / heads;
        var list = new List<GatConv>();
        for (int l = 0; l < numLayers - 1; l++)
            list.Add(new GatConv(l == 0 ? inFeatures : perHead * heads, perHead, heads, dropout, attnDrop, negativeSlope, residual: l > 0 && residual, relu: true));
        list.Add(new GatConv(numLayers == 1 ? inFeatures : perHead * heads, numClasses, 1, dropout, attnDrop, negativeSlope, residual: numLayers > 1 && residual, relu: false));
        layers = new ModuleList<GatConv>(list);
    }

    public override bool UsesGraph => true;

    public override Tensor forward(Adjacency graph, Tensor x)
    {
        var h = x;
        for (int l = 0; l < layers.Count; l++)
        {
            var z = layers[l].forward(graph, h);                         // [N, H, D]
            h = l < layers.Count - 1 ? z.flatten(1) : z.mean(1);         // [N, H·D], or [N, D] averaged over heads
        }
        return h;
    }
}

/// <summary>The MLP student: <c>L</c> linear layers, ReLU and dropout between them, logits out; it never reads the edges,
/// so inference costs O(N) and needs no neighbour fetching. Keys <c>layers.{l}.weight</c>, <c>layers.{l}.bias</c>.</summary>
public sealed class StudentMlp : NodeModel
{
    public ModuleList<Linear> layers;
    [nn.Ignore] private readonly double _dropout;

    public StudentMlp(int numLayers, long inFeatures, long hidden, long numClasses, double dropout)
    {
        layers = new ModuleList<Linear>(Gcn.Widths(numLayers, inFeatures, hidden, numClasses).Select(w => new Linear(w.In, w.Out)));
        _dropout = dropout;
    }

    public override bool UsesGraph => false;

    public override Tensor forward(Adjacency graph, Tensor x) => forward(x);

    /// <summary>Logits from the features alone, <c>[N, F] → [N, C]</c>.</summary>
    public Tensor forward(Tensor x) => Stack(layers, x, (layer, h) => layer.forward(h), h => F.dropout(F.relu(h), _dropout, training));
}

/// <summary>Builds teachers and students from <see cref="Ffg2mOptions"/>.</summary>
public static class NodeModels
{
    public static NodeModel Teacher(TeacherKind kind, long inFeatures, long numClasses, Ffg2mOptions o) => kind switch
    {
        TeacherKind.Gcn => new Gcn(o.Layers, inFeatures, o.Hidden, numClasses, o.TeacherDropout),
        TeacherKind.Sage => new GraphSage(o.Layers, inFeatures, o.Hidden, numClasses, o.TeacherDropout, o.SageAggregator),
        TeacherKind.Gat => new Gat(o.Layers, inFeatures, o.Hidden, numClasses, o.TeacherDropout, o.Heads, o.AttnDropout),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown teacher"),
    };

    public static StudentMlp Student(long inFeatures, long numClasses, Ffg2mOptions o) =>
        new(o.Layers, inFeatures, o.Hidden, numClasses, o.StudentDropout);
}
