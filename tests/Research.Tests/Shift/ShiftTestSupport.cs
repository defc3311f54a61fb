using System.Text.Json;
using Research.Shift;
using Research.Torch;
using static Research.Torch.torch;

namespace Research.Tests.Shift;

/// <summary>Files beside the checkout and an oracle for the shift written with plain arrays.</summary>
internal static class ShiftTestSupport
{
    /// <summary>The folder holding Research.sln, found by walking up from the test assembly.</summary>
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Research.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Research.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>The seed article's 5x5 example, <c>tests/golden/seed-shift-5x5.json</c> (a copy of the project's
    /// shared fixture, so a clone anywhere runs it), as (input, expected) of shape [C, H, W].</summary>
    public static (float[,,] Input, float[,,] Expected) LoadSeedFixture()
    {
        var path = Path.Combine(RepoRoot, "tests", "golden", "seed-shift-5x5.json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"The shift fixture is missing: expected {path}, the review article's 5x5 example", path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return (Cube(doc.RootElement.GetProperty("input")), Cube(doc.RootElement.GetProperty("expected")));
    }

    private static float[,,] Cube(JsonElement e)
    {
        int c = e.GetArrayLength(), h = e[0].GetArrayLength(), w = e[0][0].GetArrayLength();
        var result = new float[c, h, w];
        for (int i = 0; i < c; i++)
            for (int j = 0; j < h; j++)
                for (int k = 0; k < w; k++)
                    result[i, j, k] = e[i][j][k].GetSingle();
        return result;
    }

    /// <summary>out[b, y, x, c] = in[b, clamp(y - dy), clamp(x - dx), c] on a channels-last array.</summary>
    public static float[] OracleForward(float[] input, long b, long h, long w, long c, ShiftDirection[] per)
    {
        var output = new float[input.Length];
        for (long n = 0; n < b; n++)
            for (long y = 0; y < h; y++)
                for (long x = 0; x < w; x++)
                    for (long k = 0; k < c; k++)
                        output[((n * h + y) * w + x) * c + k] = input[((n * h + Src(y, per[k].Dy, h)) * w + Src(x, per[k].Dx, w)) * c + k];
        return output;
    }

    /// <summary>The adjoint: every output gradient is added to the input position it was read from.</summary>
    public static double[] OracleBackward(float[] gradOut, long b, long h, long w, long c, ShiftDirection[] per)
    {
        var gradIn = new double[gradOut.Length];
        for (long n = 0; n < b; n++)
            for (long y = 0; y < h; y++)
                for (long x = 0; x < w; x++)
                    for (long k = 0; k < c; k++)
                        gradIn[((n * h + Src(y, per[k].Dy, h)) * w + Src(x, per[k].Dx, w)) * c + k] += gradOut[((n * h + y) * w + x) * c + k];
        return gradIn;
    }

    private static long Src(long i, int d, long n) => Math.Clamp(i - d, 0, n - 1);

    /// <summary>[C, H, W] array as a [1, H, W, C] channels-last tensor.</summary>
    public static Tensor ChannelsLast(float[,,] chw)
    {
        using var t = tensor(chw);
        using var u = t.permute(1, 2, 0);                                   // [C, H, W] -> [H, W, C]
        return u.unsqueeze(0).contiguous();                                  // [1, H, W, C]
    }
}
