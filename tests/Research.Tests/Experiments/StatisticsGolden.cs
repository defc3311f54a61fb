using System.Text.Json;
using Research.Tests.Families;

namespace Research.Tests.Experiments;

/// <summary><c>tests/golden/statistics.json</c>, SciPy's answers written by <c>tests/golden/statistics.py</c>;
/// a null there is a value SciPy leaves undefined, read here as NaN.</summary>
internal static class StatisticsGolden
{
    private static readonly JsonElement Root = Load();

    public static IEnumerable<JsonElement> Cases => Root.GetProperty("cases").EnumerateArray();

    public static IEnumerable<JsonElement> Quantiles => Root.GetProperty("t_quantiles").EnumerateArray();

    public static TheoryData<string> CaseNames => new(Cases.Select(c => c.GetProperty("name").GetString()!));

    public static JsonElement Case(string name) => Cases.Single(c => c.GetProperty("name").GetString() == name);

    public static double Number(this JsonElement e, string property) => Number(e.GetProperty(property));

    public static double[] Numbers(this JsonElement e, string property) =>
        e.GetProperty(property).EnumerateArray().Select(Number).ToArray();

    public static int[] Integers(this JsonElement e, string property) =>
        e.GetProperty(property).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble();

    private static JsonElement Load()
    {
        var path = GoldenFiles.Path("statistics.json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"expected {path}; regenerate it with /usr/bin/python3 tests/golden/statistics.py", path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    /// <summary>Passes when both are NaN, or when they differ by at most <paramref name="tolerance"/> times
    /// max(1, |expected|): absolute near zero, relative for large values such as a 1e6 offset.</summary>
    public static void Close(double expected, double actual, double tolerance, string what)
    {
        if (double.IsNaN(expected)) { Assert.True(double.IsNaN(actual), $"{what}: expected NaN, got {actual:R}"); return; }
        double diff = Math.Abs(actual - expected);
        Assert.True(diff <= tolerance * Math.Max(1, Math.Abs(expected)),
            $"{what}: expected {expected:R}, got {actual:R} (|difference| {diff:E2})");
    }
}
