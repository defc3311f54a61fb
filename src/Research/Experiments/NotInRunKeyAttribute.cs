namespace Research.Experiments;

/// <summary>Marks an option that cannot change a run's result (where checkpoints go, how often progress is shown,
/// how many batches are prepared ahead), so the run cache leaves it out of the key. Every other field of an options
/// record is keyed; the reason is required so that leaving a field out is a decision someone wrote down.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotInRunKeyAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}
