namespace Research.Data;

/// <summary>Which part of each epoch one process of a data-parallel run serves, as PyTorch's
/// <c>DistributedSampler</c>: the epoch's order (shuffled from the loader's seed and the epoch, the same on every
/// rank) is padded by repeating its start until it divides evenly, or with <paramref name="DropLast"/> cut to a
/// multiple of the ranks, and rank r takes every <paramref name="NumReplicas"/>-th index from position r. The shards are
/// disjoint apart from the padding, and together they cover the epoch.</summary>
public sealed record DistributedSampler(int NumReplicas, int Rank, bool DropLast = false)
{
    public DistributedSampler Validate()
    {
        if (NumReplicas < 1) throw new ArgumentOutOfRangeException(nameof(NumReplicas), $"DistributedSampler: NumReplicas must be at least 1, not {NumReplicas}");
        if (Rank < 0 || Rank >= NumReplicas)
            throw new ArgumentOutOfRangeException(nameof(Rank), $"DistributedSampler: Rank {Rank} is outside 0..{NumReplicas - 1}");
        return this;
    }

    /// <summary>Indices this rank serves per epoch out of <paramref name="count"/>: ⌈count / replicas⌉, or with
    /// DropLast ⌊count / replicas⌋.</summary>
    public int NumSamples(int count) => DropLast ? count / NumReplicas : (count + NumReplicas - 1) / NumReplicas;

    /// <summary>This rank's share of <paramref name="order"/>, in order.</summary>
    public int[] Shard(int[] order)
    {
        // Position j of the padded order is order[j mod N]: padding repeats the order from its start.
        var shard = new int[NumSamples(order.Length)];
        for (int i = 0; i < shard.Length; i++) shard[i] = order[(Rank + i * NumReplicas) % order.Length];
        return shard;
    }
}
