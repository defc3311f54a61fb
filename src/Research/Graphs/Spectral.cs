using Research.Torch;
using static Research.Torch.torch;

namespace Research.Graphs;

// Graph signal processing for reading FF-G2M's claim: a GNN's outputs carry both low-frequency (smooth
// over edges) and high-frequency (changing across edges) components, and node-wise distillation passes
// on mostly the former. The frequency of a signal is measured with the symmetric normalised Laplacian
// L = I − D^{-1/2} A D^{-1/2} of the graph without self-loops, whose eigenvalues lie in [0, 2]: 0 is the
// smoothest signal (D^{1/2}·1), 2 the most oscillating (bipartite alternation).

/// <summary>Frequency content of node signals: Rayleigh quotients for any graph, and a full eigendecomposition
/// for small ones.</summary>
public static class Spectral
{
    /// <summary>Graphs up to this many nodes may be decomposed densely (an N × N float64 matrix: 8·N² bytes).</summary>
    public const int MaxEigenNodes = 5000;

    /// <summary>The normalised Dirichlet energy of each column x of <paramref name="signal"/> <c>[N, K]</c>:
    /// <c>R(x) = xᵀ L x / xᵀ x</c> with <c>xᵀ L x = Σ_i x_i² − Σ_{(i,j) ∈ E} x_i x_j / sqrt(d_i d_j)</c> (E lists both directions;
    /// an isolated node contributes only x_i²). In [0, 2]: small for signals that agree across edges (low frequency), large for
    /// signals that flip across edges (high frequency); 0 for an all-zero column. Uses the edge list only (O(E·K)).
    /// With <paramref name="center"/>, each column's mean is subtracted first, so a large common offset (softmax outputs
    /// near 1/C everywhere) does not pass for smoothness: what remains is how the signal varies between nodes.</summary>
    public static double[] RayleighQuotients(Graph graph, Tensor signal, bool center = false)
    {
        using var scope = NewDisposeScope();
        var x = signal.to(float64);
        if (x.dim() == 1) x = x.unsqueeze(1);                              // [N] -> [N, 1]
        if (center) x = x - x.mean(0, keepdim: true);
        if (x.size(0) != graph.NumNodes) throw new ArgumentException($"Spectral: the signal has {x.size(0)} rows for {graph.NumNodes} nodes");
        var adj = graph.WithoutSelfLoops;
        var w = adj.SymWeight64;                                            // [E, 1]
        var cross = (x.index_select(0, adj.Src) * x.index_select(0, adj.Dst) * w).sum(0L); // [K]; 0L: a literal 0 would bind to sum(ScalarType?) as uint8
        var norm = (x * x).sum(0L);                                         // [K]
        var energy = norm - cross;
        var ratio = where(norm.gt(0), energy / norm.clamp_min(1e-300), 0.0);
        return ratio.data<double>();
    }

    /// <summary><see cref="RayleighQuotients(Graph, Tensor, bool)"/> of a managed <c>[N, K]</c> array (per-node outputs of a run).</summary>
    public static double[] RayleighQuotients(Graph graph, float[,] signal, bool center = false)
    {
        using var host = tensor(signal);
        using var t = host.to(graph.Device);
        return RayleighQuotients(graph, t, center);
    }

    /// <summary>The normalised Laplacian <c>L = I − D^{-1/2} A D^{-1/2}</c> (no self-loops) as a dense float64 <c>[N, N]</c>
    /// matrix, for small graphs only (see <see cref="MaxEigenNodes"/>); isolated nodes have <c>L_ii = 1</c>.</summary>
    public static Tensor DenseLaplacian(Graph graph)
    {
        if (graph.NumNodes > MaxEigenNodes)
            throw new ArgumentException($"Spectral: a dense Laplacian of {graph.NumNodes} nodes needs {8.0 * graph.NumNodes * graph.NumNodes / 1e9:0.0} GB; use RayleighQuotients, which needs only the edges (limit {MaxEigenNodes} nodes)");
        using var scope = NewDisposeScope();
        var adj = graph.WithoutSelfLoops;
        long n = graph.NumNodes;
        var a = zeros([n, n], float64, graph.Device);
        a.index_put_([adj.Dst, adj.Src], adj.SymWeight64.squeeze(1), accumulate: true);
        return (eye(n, dtype: float64, device: graph.Device) - a).MoveToOuterDisposeScope();
    }

    /// <summary>Eigenvalues (ascending, <c>[N]</c>) and orthonormal eigenvectors (columns of <c>[N, N]</c>) of the normalised
    /// Laplacian, by <c>torch.linalg.eigh</c>; both float64, in the caller's dispose scope.</summary>
    public static (Tensor Eigenvalues, Tensor Eigenvectors) Eigendecomposition(Graph graph)
    {
        using var scope = NewDisposeScope();
        var l = DenseLaplacian(graph);
        var (eigenvalues, eigenvectors) = linalg.eigh(l);
        return (eigenvalues.MoveToOuterDisposeScope(), eigenvectors.MoveToOuterDisposeScope());
    }

    /// <summary>How a signal <c>[N, K]</c> spreads over the graph frequencies: with <c>U</c> the eigenvectors, the energy at
    /// eigenvalue λ_k is <c>Σ_c (u_kᵀ x_c)²</c>, summed over the K columns and normalised to sum to 1 (Parseval: the total is
    /// ‖x‖²). Returns one value per eigenvalue, in the order of <paramref name="eigenvectors"/>' columns.</summary>
    public static double[] EnergySpectrum(Tensor eigenvectors, Tensor signal)
    {
        using var scope = NewDisposeScope();
        var x = signal.to(float64);
        if (x.dim() == 1) x = x.unsqueeze(1);                          // [N] -> [N, 1]
        var coefficients = eigenvectors.t().matmul(x);                 // [N, N]ᵀ [N, K] -> [N, K]
        var energy = (coefficients * coefficients).sum(1);             // [N]
        var total = energy.sum().ToDouble();
        return total > 0 ? (energy / total).data<double>() : energy.data<double>();
    }

    /// <summary>The fraction of a signal's energy at eigenvalues below <paramref name="cutoff"/> (low) and at or above it
    /// (high), from <see cref="EnergySpectrum"/>. A cutoff of 1 splits L's range [0, 2] in the middle.</summary>
    public static (double Low, double High) LowHighSplit(double[] eigenvalues, double[] spectrum, double cutoff = 1.0)
    {
        if (eigenvalues.Length != spectrum.Length) throw new ArgumentException($"Spectral: {eigenvalues.Length} eigenvalues for {spectrum.Length} energies");
        double low = 0, high = 0;
        for (int k = 0; k < spectrum.Length; k++)
            if (eigenvalues[k] < cutoff) low += spectrum[k]; else high += spectrum[k];
        double total = low + high;
        return total > 0 ? (low / total, high / total) : (0, 0);
    }
}
