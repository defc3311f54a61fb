namespace Research.Torch;

/// <summary>A collective, store or process-group call failed. The message names the rank that saw the
/// failure and the operation, then gives c10d's own words (a peer that closed its connection, a timeout).</summary>
public sealed class DistributedException : Exception
{
    /// <summary>The rank of this process in its group, or -1 before it had one (a store that could not start).</summary>
    public int Rank { get; }

    /// <summary>The operation that failed: <c>all_reduce</c>, <c>barrier</c>, <c>TCPStore</c>, ...</summary>
    public string Operation { get; }

    /// <summary>The ranks known to be gone when the failure was seen (their heartbeat in the store stopped), else empty.</summary>
    public IReadOnlyList<int> MissingRanks { get; }

    public DistributedException(int rank, string operation, string message, IReadOnlyList<int>? missingRanks = null, Exception? inner = null)
        : base($"{(rank >= 0 ? $"rank {rank}" : "distributed")}: {operation} failed: {message.TrimEnd()}", inner)
    {
        Rank = rank;
        Operation = operation;
        MissingRanks = missingRanks ?? [];
    }
}
