namespace Research.Shift;

/// <summary>One shift direction: content moves by <see cref="Dy"/> rows (down for +1) and <see cref="Dx"/>
/// columns (right for +1), each in {-1, 0, 1}:
/// out[y, x] = in[clamp(y - Dy, 0, H - 1), clamp(x - Dx, 0, W - 1)].
/// The clamp is the paper's "no zero fill, no wrap": the vacated row or column keeps its old value,
/// exactly as the in-place copy <c>x[1:] = x[:-1]</c> of S2-MLP's Algorithm 1 leaves it.</summary>
public readonly record struct ShiftDirection(int Dy, int Dx)
{
    /// <summary>Content moves right along W: S2-MLP Alg. 1's first group, <c>x[:, 1:] = x[:, :W-1]</c>.</summary>
    public static readonly ShiftDirection Right = new(0, 1);
    /// <summary>Content moves left along W: <c>x[:, :W-1] = x[:, 1:]</c>.</summary>
    public static readonly ShiftDirection Left = new(0, -1);
    /// <summary>Content moves down along H: <c>x[1:, :] = x[:H-1, :]</c>.</summary>
    public static readonly ShiftDirection Down = new(1, 0);
    /// <summary>Content moves up along H: <c>x[:H-1, :] = x[1:, :]</c>.</summary>
    public static readonly ShiftDirection Up = new(-1, 0);
    public static readonly ShiftDirection DownRight = new(1, 1);
    public static readonly ShiftDirection DownLeft = new(1, -1);
    public static readonly ShiftDirection UpRight = new(-1, 1);
    public static readonly ShiftDirection UpLeft = new(-1, -1);
    /// <summary>No movement: the channels pass through.</summary>
    public static readonly ShiftDirection Stay = new(0, 0);

    /// <summary>Whether both offsets are in {-1, 0, 1} (the 3x3 neighbourhood the kernels cover).</summary>
    public bool IsValid => Dy is >= -1 and <= 1 && Dx is >= -1 and <= 1;

    public bool IsDiagonal => Dy != 0 && Dx != 0;

    public override string ToString() => (Dy, Dx) switch
    {
        (0, 1) => "right", (0, -1) => "left", (1, 0) => "down", (-1, 0) => "up",
        (1, 1) => "down-right", (1, -1) => "down-left", (-1, 1) => "up-right", (-1, -1) => "up-left",
        (0, 0) => "stay", _ => $"({Dy}, {Dx})",
    };
}

/// <summary>How channels are dealt to the directions of a pattern.</summary>
public enum ChannelLayout
{
    /// <summary>G equal contiguous blocks in the order of the directions, as S2-MLP's Algorithm 1 slices
    /// <c>[:c/4]</c>, <c>[c/4:c/2]</c>, ...</summary>
    Contiguous,
    /// <summary>Channel k takes direction k mod G.</summary>
    Interleaved,
}

/// <summary>A spatial-shift setting: the directions and how channels are split among them. C must be a
/// multiple of the number of directions; an empty direction list is the "no shift" setting.</summary>
public sealed record ShiftPattern(string Name, IReadOnlyList<ShiftDirection> Directions, ChannelLayout Layout = ChannelLayout.Contiguous)
{
    /// <summary>Every channel's direction, for a tensor of <paramref name="channels"/> channels.</summary>
    public ShiftDirection[] PerChannel(long channels)
    {
        foreach (var d in Directions)
            if (!d.IsValid) throw new ArgumentException($"ShiftPattern '{Name}': direction ({d.Dy}, {d.Dx}) leaves the 3x3 neighbourhood");
        var result = new ShiftDirection[channels];
        int g = Directions.Count;
        if (g == 0) return result;
        if (channels % g != 0)
            throw new ArgumentException($"ShiftPattern '{Name}': {channels} channels cannot be split into {g} equal groups");
        long size = channels / g;
        for (long c = 0; c < channels; c++)
            result[c] = Directions[(int)(Layout == ChannelLayout.Contiguous ? c / size : c % g)];
        return result;
    }

    /// <summary>Consecutive channels that share a direction, as (start, length, direction); channels
    /// that stay are included so the runs tile [0, C).</summary>
    public IReadOnlyList<(long Start, long Length, ShiftDirection Direction)> Runs(long channels)
    {
        var per = PerChannel(channels);
        var runs = new List<(long, long, ShiftDirection)>();
        long start = 0;
        for (long c = 1; c <= channels; c++)
            if (c == channels || per[c] != per[start])
            {
                runs.Add((start, c - start, per[start]));
                start = c;
            }
        return runs;
    }

    public bool IsIdentity => Directions.All(d => d == ShiftDirection.Stay);

    /// <summary>One pattern over the channels of several equal-width parts laid side by side: part i's
    /// channels follow <paramref name="parts"/>[i] (S2-MLPv2 shifts the three C-wide parts of its 3C
    /// expansion with shift-1, shift-2 and nothing, which this runs as one shift of 3C channels). Each part's
    /// directions are repeated to a common group count, which leaves its channel assignment unchanged.</summary>
    public static ShiftPattern Concat(string name, params ShiftPattern[] parts)
    {
        if (parts.Any(p => p.Layout != ChannelLayout.Contiguous))
            throw new ArgumentException("ShiftPattern.Concat: only contiguous layouts can be laid side by side");
        int groups = parts.Select(p => Math.Max(1, p.Directions.Count)).Aggregate(1, (a, b) => a / Gcd(a, b) * b);
        var directions = new List<ShiftDirection>();
        foreach (var p in parts)
        {
            if (p.Directions.Count == 0) directions.AddRange(Enumerable.Repeat(ShiftDirection.Stay, groups));
            else foreach (var d in p.Directions) directions.AddRange(Enumerable.Repeat(d, groups / p.Directions.Count));
        }
        return new ShiftPattern(name, directions);
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    public override string ToString() => $"{Name} [{string.Join(", ", Directions)}]" + (Layout == ChannelLayout.Interleaved ? " interleaved" : "");
}

/// <summary>The direction sets of the papers. S2-MLP Table 7 (settings a-j and "w/o"), the
/// two patterns of S2-MLPv2's Algorithm 1 (shift-1, shift-2), and the identity branch.</summary>
public static class ShiftPatterns
{
    private static ShiftPattern P(string name, params ShiftDirection[] d) => new(name, d);

    /// <summary>(a), the default of S2-MLP and S2-MLPv2's shift-1: groups right, left, down, up (S2-MLP Alg. 1 and
    /// S2-MLPv2 Alg. 1: +w, -w, +h, -h).</summary>
    public static readonly ShiftPattern Default = P("a", ShiftDirection.Right, ShiftDirection.Left, ShiftDirection.Down, ShiftDirection.Up);

    /// <summary>(b) eight directions: the four axial ones, then the four diagonals.</summary>
    public static readonly ShiftPattern Eight = P("b", ShiftDirection.Right, ShiftDirection.Left, ShiftDirection.Down, ShiftDirection.Up,
        ShiftDirection.DownRight, ShiftDirection.DownLeft, ShiftDirection.UpRight, ShiftDirection.UpLeft);

    /// <summary>No shift (the "w/o" row of S2-MLP Table 7): every channel stays.</summary>
    public static readonly ShiftPattern None = P("none");

    /// <summary>S2-MLPv2's shift-1: the same as S2-MLP's default.</summary>
    public static readonly ShiftPattern V2Shift1 = Default with { Name = "shift1" };

    /// <summary>S2-MLPv2's asymmetric shift-2: the two H shifts on the first two quarters, the W shifts on the last two
    /// (<c>x[:,:,1:,:c/4]=x[:,:,:h-1,:c/4]</c>, ... with x as b, w, h, c).</summary>
    public static readonly ShiftPattern V2Shift2 = P("shift2", ShiftDirection.Down, ShiftDirection.Up, ShiftDirection.Right, ShiftDirection.Left);

    /// <summary>The identity branch X3 of S2-MLPv2.</summary>
    public static readonly ShiftPattern Identity = P("identity");

    /// <summary>S2-MLP Table 7 by its row letter ("a" .. "j") and "none", with the top-1 on ImageNet100 beside it
    /// (<see cref="Research.Papers.PaperTables.S2MlpDirections"/> holds the rows as data, labelled "(a)" .. "(j)" and "w/o").</summary>
    public static readonly IReadOnlyDictionary<string, ShiftPattern> Table7 = new Dictionary<string, ShiftPattern>
    {
        ["a"] = Default,                                                    // 87.1
        ["b"] = Eight,                                                      // 87.0
        ["c"] = P("c", ShiftDirection.Up, ShiftDirection.Right),            // 85.0
        ["d"] = P("d", ShiftDirection.Left, ShiftDirection.Down),           // 85.1
        ["e"] = P("e", ShiftDirection.Up, ShiftDirection.Down),             // 79.5
        ["f"] = P("f", ShiftDirection.Left, ShiftDirection.Right),          // 80.5
        ["g"] = P("g", ShiftDirection.Up),                                  // 77.7
        ["h"] = P("h", ShiftDirection.Down),                                // 77.5
        ["i"] = P("i", ShiftDirection.Left),                                // 78.3
        ["j"] = P("j", ShiftDirection.Right),                               // 78.4
        ["none"] = None,                                                    // 56.7
    };

    /// <summary>Every pattern the kit names: S2-MLP Table 7 and S2-MLPv2's two.</summary>
    public static IEnumerable<ShiftPattern> All => Table7.Values.Concat([V2Shift1, V2Shift2]);
}
