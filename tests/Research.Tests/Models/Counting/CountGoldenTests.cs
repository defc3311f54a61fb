using System.Text.Json.Nodes;
using Research.Models.Counting;
using Research.Tests.Families;

namespace Research.Tests.Models;

/// <summary>Given every registered variant at its paper configuration, when it is counted, then its parameters and
/// MACs (in total and by operator) are exactly those pinned in tests/golden/model-counts.json: moving the counting
/// between layers, or reshaping a model's code, may not change a single count.</summary>
public sealed class CountGoldenTests
{
    private static readonly JsonObject Pinned = (JsonObject)JsonNode.Parse(File.ReadAllText(GoldenFiles.Path("model-counts.json")))!["models"]!;

    public static TheoryData<string> PinnedNames => new(Pinned.Select(kv => kv.Key));

    [Theory]
    [MemberData(nameof(PinnedNames))]
    public void Counts_are_the_pinned_ones(string name)
    {
        var pinned = Pinned[name]!;
        var count = ModelCounter.Count(name);
        Assert.Empty(count.Unreported);
        Assert.Equal((long)pinned["params"]!, count.Params);
        Assert.Equal((long)pinned["head_params"]!, count.HeadParams);
        Assert.Equal((long)pinned["macs"]!, count.Macs);
        var byOp = ((JsonObject)pinned["macs_by_op"]!).ToDictionary(kv => kv.Key, kv => (long)kv.Value!);
        Assert.Equal(byOp.OrderBy(kv => kv.Key), count.MacsByOp.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Every_registered_variant_is_pinned()
    {
        var missing = Research.Models.Models.Names.Where(n => !Pinned.ContainsKey(n)).ToList();
        Assert.True(missing.Count == 0,
            $"not in tests/golden/model-counts.json: {string.Join(", ", missing)} (run ./research bench counts and add their rows)");
    }
}
