namespace Research.Torch;

/// <summary>The state of the CPU's large-block cache (<see cref="torch.cpu"/>).</summary>
/// <param name="LimitBytes">The most idle memory it may hold; 0 when the cache is off.</param>
/// <param name="IdleBytes">Memory it holds now for reuse.</param>
/// <param name="IdleBlocks">Blocks it holds now.</param>
/// <param name="Hits">Large requests served from the cache since the start.</param>
/// <param name="Misses">Large requests that took fresh memory from the operating system.</param>
public readonly record struct CpuCacheStats(long LimitBytes, long IdleBytes, long IdleBlocks, long Hits, long Misses);
