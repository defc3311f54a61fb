using Research.Torch;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Graphs;

// The objectives of FF-G2M exactly as the official code computes them (src/train_and_eval.py,
// train_mini_batch; src/models.py, edge_distribution_low/high; docs/papers.md §7). Every KL term is
// torch.nn.KLDivLoss(reduction="batchmean", log_target=True)(input, target) = (1/rows) Σ exp(target)·(target − input)
// = KL(target ‖ input) averaged over the rows: the teacher is the target, the student the input.

/// <summary>The student objectives of the FF-G2M paper's ablation (the official code's <c>ablation_mode</c>).</summary>
public enum DistillMethod
{
    /// <summary>Mode 1: cross-entropy on the labelled nodes only, no teacher.</summary>
    VanillaMlp,

    /// <summary>Mode 2 (GLNN, Zhang et al. 2022): λ·CE + (1 − λ)·node-wise KL to the teacher over all nodes.</summary>
    Glnn,

    /// <summary>Mode 3: λ·CE + (1 − λ)·L_LFD.</summary>
    Lfd,

    /// <summary>Mode 4: λ·CE + (1 − λ)·L_HFD.</summary>
    Hfd,

    /// <summary>Mode 0, the full method: λ·CE + (1 − λ)·(L_LFD + L_HFD).</summary>
    FfG2m,
}

/// <summary>The parts of one student loss. Terms a method does not use are NaN (not computed).</summary>
public sealed record DistillLoss(Tensor Total, double Label, double Node, double LowFrequency, double HighFrequency);

/// <summary>FF-G2M's losses on logits. Shapes: student and teacher logits <c>[N, C]</c>; the teacher's are
/// detached (it is trained first and frozen).</summary>
public static class Distillation
{
    /// <summary>Cross-entropy on the labelled nodes: <c>−(1/|V_L|) Σ_{i ∈ V_L} log softmax(z_s)_i[y_i]</c>
    /// (the official NLLLoss on log-softmax outputs).</summary>
    public static Tensor LabelLoss(Tensor studentLogits, Tensor labels, Tensor labelledIndex)
    {
        using var logp = studentLogits.log_softmax(1);
        using var rows = logp.index_select(0, labelledIndex);
        using var y = labels.index_select(0, labelledIndex);
        return F.nll_loss(rows, y);
    }

    /// <summary>GLNN's node-wise distillation: <c>(1/N) Σ_i KL(p_t(i) ‖ p_s(i))</c>, with p = softmax of the logits.</summary>
    public static Tensor NodeKl(Tensor studentLogits, Tensor teacherLogits)
    {
        using var ls = studentLogits.log_softmax(1);
        using var lt = teacherLogits.detach().log_softmax(1);
        return F.kl_div(ls, lt, "batchmean", log_target: true);
    }

    /// <summary>Low-frequency distillation, L_LFD = <c>(1/|E|) Σ_{(u,v) ∈ E} KL(p_t(v) ‖ p_s(u))</c> over the edges of
    /// <paramref name="withSelfLoops"/> (u = source, v = target): each student output is pulled towards the teacher's outputs
    /// at its neighbours and, through the self-loop, at itself, the neighbourhood knowledge a GNN teacher diffuses.
    /// The official code takes these edges from the graph with self-loops.</summary>
    public static Tensor LowFrequency(Tensor studentLogits, Tensor teacherLogits, Adjacency withSelfLoops)
    {
        using var ls = studentLogits.log_softmax(1);
        using var lt = teacherLogits.detach().log_softmax(1);
        using var s = ls.index_select(0, withSelfLoops.Src);   // [E, C]
        using var t = lt.index_select(0, withSelfLoops.Dst);   // [E, C]
        return F.kl_div(s, t, "batchmean", log_target: true);
    }

    /// <summary>Per-edge distribution of absolute logit differences, <c>log softmax(|z(u) − z(v)| / τ)</c> over classes,
    /// <c>[E, C]</c>: the official <c>edge_distribution_high</c>.</summary>
    public static Tensor EdgeDifferenceLogDistribution(Tensor logits, Adjacency edges, double tau)
    {
        using var zu = logits.index_select(0, edges.Src);
        using var zv = logits.index_select(0, edges.Dst);
        using var diff = (zu - zv).abs();
        using var scaled = diff / tau;
        return scaled.log_softmax(1);
    }

    /// <summary>High-frequency distillation, L_HFD = <c>(1/|E|) Σ_{(u,v) ∈ E} KL(q_t(u, v) ‖ q_s(u, v))</c> with
    /// <c>q(u, v) = softmax(|z(u) − z(v)| / τ)</c> on raw logits, over the edges of <paramref name="withoutSelfLoops"/>
    /// (a self-loop's difference is zero, uniform q, no information): the student learns how sharply the teacher's
    /// outputs change across each edge, the high-frequency component a node-wise loss loses.</summary>
    public static Tensor HighFrequency(Tensor studentLogits, Tensor teacherLogits, Adjacency withoutSelfLoops, double tau)
    {
        if (withoutSelfLoops.NumEdges == 0) return zeros([], studentLogits.dtype, studentLogits.device);
        using var teacher = teacherLogits.detach();
        using var qs = EdgeDifferenceLogDistribution(studentLogits, withoutSelfLoops, tau);
        using var qt = EdgeDifferenceLogDistribution(teacher, withoutSelfLoops, tau);
        return F.kl_div(qs, qt, "batchmean", log_target: true);
    }

    /// <summary>The objective of <paramref name="method"/>:
    /// vanilla MLP <c>CE</c>; GLNN <c>λ·CE + (1 − λ)·KL_node</c>; LFD <c>λ·CE + (1 − λ)·L_LFD</c>; HFD <c>λ·CE + (1 − λ)·L_HFD</c>;
    /// FF-G2M <c>λ·CE + (1 − λ)·(L_LFD + L_HFD)</c>. <paramref name="teacherLogits"/> may be null only for the vanilla MLP.</summary>
    public static DistillLoss Loss(DistillMethod method, Tensor studentLogits, Tensor? teacherLogits, Graph graph, double lambda, double tau)
    {
        if (method != DistillMethod.VanillaMlp && teacherLogits is null)
            throw new ArgumentNullException(nameof(teacherLogits), $"Distillation: {method} needs the teacher's logits");
        var ce = LabelLoss(studentLogits, graph.Labels, graph.TrainIndex);
        double node = double.NaN, low = double.NaN, high = double.NaN;
        Tensor total;
        switch (method)
        {
            case DistillMethod.VanillaMlp:
                total = ce.alias();
                break;
            case DistillMethod.Glnn:
            {
                using var kl = NodeKl(studentLogits, teacherLogits!);
                node = kl.ToDouble();
                total = Mix(ce, kl, lambda);
                break;
            }
            case DistillMethod.Lfd:
            {
                using var lfd = LowFrequency(studentLogits, teacherLogits!, graph.WithSelfLoops);
                low = lfd.ToDouble();
                total = Mix(ce, lfd, lambda);
                break;
            }
            case DistillMethod.Hfd:
            {
                using var hfd = HighFrequency(studentLogits, teacherLogits!, graph.WithoutSelfLoops, tau);
                high = hfd.ToDouble();
                total = Mix(ce, hfd, lambda);
                break;
            }
            case DistillMethod.FfG2m:
            {
                using var lfd = LowFrequency(studentLogits, teacherLogits!, graph.WithSelfLoops);
                using var hfd = HighFrequency(studentLogits, teacherLogits!, graph.WithoutSelfLoops, tau);
                (low, high) = (lfd.ToDouble(), hfd.ToDouble());
                using var both = lfd + hfd;
                total = Mix(ce, both, lambda);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "unknown distillation method");
        }
        double label = ce.ToDouble();
        ce.Dispose();
        return new DistillLoss(total, label, node, low, high);
    }

    private static Tensor Mix(Tensor ce, Tensor distill, double lambda)
    {
        using var a = ce * lambda;
        using var b = distill * (1 - lambda);
        return a + b;
    }
}
