namespace Research.Torch.Tests;

/// <summary>Tests that compare the process-wide count of live native tensors, or that seed libtorch's one global
/// generator twice and expect the same draws, run alone, since any test running beside them creates tensors and
/// draws random numbers too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveTensorCount
{
    public const string Name = "live tensor count";
}
