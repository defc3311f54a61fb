namespace Research.Torch.Tests;

/// <summary>Tests that compare the process-wide count of live native tensors run alone, since
/// any test running beside them creates tensors too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveTensorCount
{
    public const string Name = "live tensor count";
}
