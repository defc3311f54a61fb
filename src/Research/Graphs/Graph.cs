using Research.Torch;
using Research.Training;
using static Research.Torch.torch;

namespace Research.Graphs;

// A node-classification graph held as tensors, PyG-style: an edge index [2, E] (row 0 source, row 1
// target), node features, labels and three boolean split masks. Undirected graphs store both directions
// of every edge, as DGL and PyG do, so message passing is one index_add over the edge list. The graph
// stores no self-loops; Adjacency adds them for the models that want them (GCN, GraphSAGE, GAT and the
// low-frequency loss all do, as the FF-G2M code adds them once at load time).

/// <summary>A graph for transductive node classification. Tensors are owned by the graph (dispose it, or
/// let it live for the notebook session) and never join a dispose scope.
/// <list type="bullet">
/// <item><see cref="EdgeIndex"/> <c>[2, E]</c> int64: edge e goes from <c>EdgeIndex[0, e]</c> to <c>EdgeIndex[1, e]</c>;
/// undirected graphs list both directions; no self-loops, no duplicates.</item>
/// <item><see cref="Features"/> <c>[N, F]</c> float32, <see cref="Labels"/> <c>[N]</c> int64 in <c>[0, C)</c>.</item>
/// <item><see cref="TrainMask"/>, <see cref="ValMask"/>, <see cref="TestMask"/> <c>[N]</c> bool, pairwise disjoint.</item>
/// </list></summary>
public sealed class Graph : IDisposable
{
    private Adjacency? _withLoops, _withoutLoops;

    /// <summary>Builds a graph from arrays: <paramref name="features"/> row-major <c>[numNodes, numFeatures]</c>,
    /// <paramref name="labels"/> in <c>[0, numClasses)</c>, three disjoint masks of <paramref name="numNodes"/> entries.
    /// Edges are (source, target) pairs; <paramref name="symmetrize"/> adds the reverse of every edge. Self-loops and
    /// duplicate pairs are dropped. Throws naming the first inconsistency.</summary>
    public static Graph FromArrays(string name, int numNodes, IReadOnlyList<(long Src, long Dst)> edges, float[] features, int numFeatures,
        long[] labels, int numClasses, bool[] trainMask, bool[] valMask, bool[] testMask, bool symmetrize = true)
    {
        if (numNodes <= 0) throw new ArgumentOutOfRangeException(nameof(numNodes), $"Graph {name}: need at least one node");
        if (features.Length != (long)numNodes * numFeatures)
            throw new ArgumentException($"Graph {name}: {features.Length} feature values do not fill [{numNodes}, {numFeatures}]");
        foreach (var (arr, what) in new[] { (labels.Length, "labels"), (trainMask.Length, "train mask"), (valMask.Length, "val mask"), (testMask.Length, "test mask") })
            if (arr != numNodes) throw new ArgumentException($"Graph {name}: {what} has {arr} entries for {numNodes} nodes");
        for (int i = 0; i < numNodes; i++)
        {
            if (labels[i] < 0 || labels[i] >= numClasses)
                throw new ArgumentException($"Graph {name}: node {i} has label {labels[i]} outside [0, {numClasses})");
            if ((trainMask[i] ? 1 : 0) + (valMask[i] ? 1 : 0) + (testMask[i] ? 1 : 0) > 1)
                throw new ArgumentException($"Graph {name}: node {i} is in more than one of train, val and test");
        }
        var seen = new HashSet<(long, long)>();
        var src = new List<long>(edges.Count * (symmetrize ? 2 : 1));
        var dst = new List<long>(src.Capacity);
        void Add(long a, long b)
        {
            if (a == b || !seen.Add((a, b))) return;
            src.Add(a);
            dst.Add(b);
        }
        foreach (var (a, b) in edges)
        {
            if (a < 0 || a >= numNodes || b < 0 || b >= numNodes)
                throw new ArgumentException($"Graph {name}: edge ({a}, {b}) names a node outside [0, {numNodes})");
            Add(a, b);
            if (symmetrize) Add(b, a);
        }
        var index = new long[2 * src.Count];
        src.CopyTo(index, 0);
        dst.CopyTo(index, src.Count);
        return new Graph(name, numClasses,
            tensor(index, [2, src.Count]),
            tensor(features, [numNodes, numFeatures]),
            tensor(labels),
            tensor(trainMask), tensor(valMask), tensor(testMask));
    }

    /// <summary>Takes ownership of the tensors (they leave any dispose scope).</summary>
    public Graph(string name, int numClasses, Tensor edgeIndex, Tensor features, Tensor labels, Tensor trainMask, Tensor valMask, Tensor testMask)
    {
        long n = features.size(0);
        if (edgeIndex.dim() != 2 || edgeIndex.size(0) != 2 || edgeIndex.dtype != int64)
            throw new ArgumentException($"Graph {name}: edge index must be int64 [2, E], got {edgeIndex.Describe()}");
        if (features.dim() != 2) throw new ArgumentException($"Graph {name}: features must be [N, F], got {features.Describe()}");
        if (!labels.shape.SequenceEqual(new[] { n }) || labels.dtype != int64)
            throw new ArgumentException($"Graph {name}: labels must be int64 [{n}], got {labels.Describe()}");
        foreach (var m in new[] { trainMask, valMask, testMask })
            if (!m.shape.SequenceEqual(new[] { n }) || m.dtype != @bool)
                throw new ArgumentException($"Graph {name}: masks must be bool [{n}], got {m.Describe()}");
        Name = name;
        NumClasses = numClasses;
        // On the default device (RESEARCH_DEVICE), so a notebook's graphs, the models trained on them and the
        // losses that read their labels and edges all meet on the GPU without a line changed.
        var device = Trainer.ResolveDevice(TrainerOptions.DefaultDevice);
        EdgeIndex = OnDevice(edgeIndex, device);
        Features = OnDevice(features, device);
        Labels = OnDevice(labels, device);
        TrainMask = OnDevice(trainMask, device);
        ValMask = OnDevice(valMask, device);
        TestMask = OnDevice(testMask, device);
        using var scope = NewDisposeScope();
        TrainIndex = TrainMask.nonzero().squeeze(1).DetachFromDisposeScope();
        ValIndex = ValMask.nonzero().squeeze(1).DetachFromDisposeScope();
        TestIndex = TestMask.nonzero().squeeze(1).DetachFromDisposeScope();
    }

    private static Tensor OnDevice(Tensor t, Device device)
    {
        if (t.device == device) return t.DetachFromDisposeScope();
        using (t) return t.to(device).DetachFromDisposeScope();
    }

    /// <summary>Where the graph's tensors live: the default device when it was made.</summary>
    public Device Device => Features.device;

    public string Name { get; }
    public int NumClasses { get; }
    public int NumNodes => (int)Features.size(0);
    public int NumFeatures => (int)Features.size(1);

    /// <summary>Directed edges stored (an undirected edge counts twice).</summary>
    public long NumEdges => EdgeIndex.size(1);

    /// <summary>Mean number of neighbours, E / N.</summary>
    public double AverageDegree => (double)NumEdges / NumNodes;

    public Tensor EdgeIndex { get; }
    public Tensor Features { get; }
    public Tensor Labels { get; }
    public Tensor TrainMask { get; }
    public Tensor ValMask { get; }
    public Tensor TestMask { get; }

    /// <summary>The nodes of each split as int64 indices, ascending.</summary>
    public Tensor TrainIndex { get; }
    public Tensor ValIndex { get; }
    public Tensor TestIndex { get; }

    /// <summary>The edge list with a self-loop on every node and the symmetric GCN weights, built once and
    /// kept with the graph: what the teachers and the low-frequency loss propagate over.</summary>
    public Adjacency WithSelfLoops => _withLoops ??= Adjacency.Of(this, selfLoops: true);

    /// <summary>The edge list as stored (no self-loops): the high-frequency loss and the graph Laplacian use it.</summary>
    public Adjacency WithoutSelfLoops => _withoutLoops ??= Adjacency.Of(this, selfLoops: false);

    /// <summary>Edge homophily: the fraction of edges whose two ends share a label,
    /// h = |{(u, v) ∈ E : y_u = y_v}| / |E| (Zhu et al. 2020); 1 for a graph without edges.</summary>
    public double EdgeHomophily()
    {
        if (NumEdges == 0) return 1;
        using var scope = NewDisposeScope();
        var ys = Labels.index_select(0, EdgeIndex[0]);
        var yd = Labels.index_select(0, EdgeIndex[1]);
        return ys.eq(yd).to(float64).mean().ToDouble();
    }

    /// <summary>Number of nodes of each class.</summary>
    public long[] ClassCounts()
    {
        using var scope = NewDisposeScope();
        return bincount(Labels, null, NumClasses).data<long>();
    }

    /// <summary>Sizes of the train, val and test splits.</summary>
    public (int Train, int Val, int Test) SplitSizes => ((int)TrainIndex.size(0), (int)ValIndex.size(0), (int)TestIndex.size(0));

    public override string ToString()
    {
        var (tr, va, te) = SplitSizes;
        return $"Graph {Name}: {NumNodes} nodes, {NumEdges / 2} undirected edges (avg degree {AverageDegree:0.00}), " +
               $"{NumFeatures} features, {NumClasses} classes, edge homophily {EdgeHomophily():0.000}, split {tr}/{va}/{te}";
    }

    public void Dispose()
    {
        _withLoops?.Dispose();
        _withoutLoops?.Dispose();
        foreach (var t in new[] { EdgeIndex, Features, Labels, TrainMask, ValMask, TestMask, TrainIndex, ValIndex, TestIndex }) t.Dispose();
    }
}

/// <summary>An edge list ready for message passing: source and target indices, the in-degree of every node
/// and the symmetric normalisation weight of every edge, <c>w_uv = 1 / sqrt(d_out(u) · d_in(v))</c>
/// (DGL's <c>GraphConv(norm="both")</c>; degrees counted on this edge list, so with self-loops each
/// degree includes the loop; a zero degree gives weight 0). Owns its tensors.</summary>
public sealed class Adjacency : IDisposable
{
    private Adjacency(long numNodes, Tensor src, Tensor dst, bool selfLoops)
    {
        NumNodes = numNodes;
        HasSelfLoops = selfLoops;
        using var scope = NewDisposeScope();
        // Edges grouped by target (then source): per-target reductions such as the GAT softmax's maximum can then use
        // segment_reduce over contiguous runs of InDegreeCounts edges.
        var (_, order) = (dst * numNodes + src).sort();
        Src = src.index_select(0, order).DetachFromDisposeScope();
        Dst = dst.index_select(0, order).DetachFromDisposeScope();
        InDegreeCounts = bincount(Dst, null, numNodes).DetachFromDisposeScope();
        InDegree = InDegreeCounts.to(float32).DetachFromDisposeScope();
        OutDegree = bincount(Src, null, numNodes).to(float32).DetachFromDisposeScope();
        var invOut = InvSqrt(OutDegree.to(float64)).index_select(0, Src);
        var invIn = InvSqrt(InDegree.to(float64)).index_select(0, Dst);
        // [E] -> [E, 1]: broadcasts over the channel dimension of [E, C] messages. Kept in float64 too, so that
        // float64 models (golden tests, spectral analysis) are not limited to float32's rounding of the weights.
        SymWeight64 = (invOut * invIn).unsqueeze(1).DetachFromDisposeScope();
        SymWeight = SymWeight64.to(float32).DetachFromDisposeScope();
    }

    /// <summary>The graph's edges, with a self-loop added on every node when <paramref name="selfLoops"/>.</summary>
    public static Adjacency Of(Graph graph, bool selfLoops)
    {
        using var scope = NewDisposeScope();
        var src = graph.EdgeIndex[0];
        var dst = graph.EdgeIndex[1];
        if (selfLoops)
        {
            var loops = arange(graph.NumNodes, device: graph.Device);
            src = cat([src, loops]);
            dst = cat([dst, loops]);
        }
        var adj = new Adjacency(graph.NumNodes, src.contiguous(), dst.contiguous(), selfLoops);
        return adj;
    }

    /// <summary>An adjacency over explicit index tensors (int64 <c>[E]</c> each); the caller keeps ownership of its arguments.</summary>
    public static Adjacency FromIndex(long numNodes, Tensor src, Tensor dst, bool hasSelfLoops = false)
    {
        using var scope = NewDisposeScope();
        return new Adjacency(numNodes, src.to(int64).contiguous(), dst.to(int64).contiguous(), hasSelfLoops);
    }

    public long NumNodes { get; }
    public bool HasSelfLoops { get; }
    public long NumEdges => Src.size(0);

    /// <summary>Source node of each edge, int64 <c>[E]</c>. Edges are ordered by target, then source.</summary>
    public Tensor Src { get; }

    /// <summary>Target node of each edge, int64 <c>[E]</c>: messages are summed at the target.</summary>
    public Tensor Dst { get; }

    /// <summary>Edges arriving at each node, int64 <c>[N]</c>: the lengths of the runs of edges sharing a target.</summary>
    public Tensor InDegreeCounts { get; }

    /// <summary>Edges arriving at each node, float32 <c>[N]</c>.</summary>
    public Tensor InDegree { get; }

    /// <summary>Edges leaving each node, float32 <c>[N]</c>.</summary>
    public Tensor OutDegree { get; }

    /// <summary><c>1 / sqrt(d_out(src) · d_in(dst))</c> per edge, float32 <c>[E, 1]</c>.</summary>
    public Tensor SymWeight { get; }

    /// <summary><see cref="SymWeight"/> in float64.</summary>
    public Tensor SymWeight64 { get; }

    /// <summary>Sum of messages at each target: <c>out[v] = Σ_{(u,v) ∈ E} w_uv · x[u]</c> for <c>x [N, C]</c>
    /// (<paramref name="weight"/> <c>[E, 1]</c> or <c>[E, C]</c>; none means 1). An index_add over the edge list:
    /// memory O(E · C), never a dense N × N matrix.</summary>
    public Tensor Propagate(Tensor x, Tensor? weight = null)
    {
        using var messages = x.index_select(0, Src);
        using var weighted = weight is null ? messages.alias() : messages * weight;
        using var zero = zeros([NumNodes, x.size(1)], x.dtype, x.device);
        return zero.index_add(0, Dst, weighted);
    }

    /// <summary>Symmetric normalised propagation, <c>D_in^{-1/2} A D_out^{-1/2} x</c> over this edge list:
    /// with self-loops, the GCN operator <c>Â x</c> of Kipf and Welling.</summary>
    public Tensor NormalizedPropagate(Tensor x) => Propagate(x, x.dtype == float64 ? SymWeight64 : SymWeight);

    /// <summary>Mean over incoming messages, <c>out[v] = (1 / d_in(v)) Σ_{(u,v)} x[u]</c>; zero for a node with no in-edges.</summary>
    public Tensor MeanPropagate(Tensor x)
    {
        using var sum = Propagate(x);
        using var deg = InDegree.clamp_min(1).unsqueeze(1); // [N] -> [N, 1]
        return sum / deg;
    }

    private static Tensor InvSqrt(Tensor degree)
    {
        var safe = degree.clamp_min(1);
        var inv = safe.rsqrt();
        return where(degree.gt(0), inv, 0.0);
    }

    public void Dispose()
    {
        foreach (var t in new[] { Src, Dst, InDegreeCounts, InDegree, OutDegree, SymWeight, SymWeight64 }) t.Dispose();
    }
}
