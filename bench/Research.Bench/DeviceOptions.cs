using Research.Torch;

namespace Research.Bench;

/// <summary>A mistake in a benchmark's command line: one line for the user, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The command line of the device commands (<c>device-check</c>, <c>gpu</c>). Parsed strictly, and checked
/// against the machine before anything runs or is written: a GPU run is one short loan, and a typo found at its end
/// costs the whole run.</summary>
internal sealed record DeviceOptions(Device Device, string Out, bool Quick, string Python, IReadOnlyList<string> Models,
    IReadOnlyList<string> Precisions)
{
    public static readonly string[] KnownModels = ["s2mlp", "s2mlpv2", "mixer"];
    public static readonly string[] KnownPrecisions = ["fp32", "bf16"];

    public bool OnCuda => Device.Type == DeviceType.CUDA;

    /// <summary>Parses <c>--device cuda|cuda:N|cpu --out DIR [--quick]</c> and, where <paramref name="benchOptions"/>,
    /// <c>[--python PY] [--models a,b] [--precision p,q]</c>; throws <see cref="UsageException"/> naming the fault,
    /// CUDA's absence included.</summary>
    public static DeviceOptions Parse(string command, string[] args, bool benchOptions)
    {
        string? device = null, output = null, python = null, models = null, precisions = null;
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length && !args[i + 1].StartsWith("--")
                ? args[++i] : throw new UsageException($"{command}: {args[i]} needs a value");
            switch (args[i])
            {
                case "--device": device = Value(); break;
                case "--out": output = Value(); break;
                case "--quick": quick = true; break;
                case "--python" when benchOptions: python = Value(); break;
                case "--models" when benchOptions: models = Value(); break;
                case "--precision" when benchOptions: precisions = Value(); break;
                default:
                    throw new UsageException($"{command}: unknown argument '{args[i]}'. Usage: {Usage(command, benchOptions)}");
            }
        }
        if (device is null) throw new UsageException($"{command}: --device is required. Usage: {Usage(command, benchOptions)}");
        if (output is null) throw new UsageException($"{command}: --out is required. Usage: {Usage(command, benchOptions)}");
        return new DeviceOptions(ResolveDevice(device), Path.GetFullPath(output), quick, python ?? "python3",
            List(models, KnownModels, "model"), List(precisions, KnownPrecisions, "precision"));
    }

    private static string Usage(string command, bool benchOptions) =>
        $"{command} --device cuda|cpu --out DIR [--quick]" +
        (benchOptions ? $" [--python PY] [--models {string.Join(",", KnownModels)}] [--precision {string.Join(",", KnownPrecisions)}]" : "");

    private static Device ResolveDevice(string spec)
    {
        Device device;
        try { device = Device.Parse(spec); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new UsageException($"unknown device '{spec}': expected cpu, cuda or cuda:N");
        }
        if (device.Type == DeviceType.CPU) return device;
        if (!torch.cuda.is_available())
            throw new UsageException($"CUDA is not available: torch.cuda.is_available() is false for the libtorch this process " +
                $"loaded ({TorchVersion()}): it was built without CUDA, or no GPU is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)");
        int count = torch.cuda.device_count();
        if (device.Index >= count)
            throw new UsageException($"CUDA device {device.Index} does not exist: {count} device(s) visible");
        return device;
    }

    private static IReadOnlyList<string> List(string? value, string[] known, string what)
    {
        if (value is null) return known;
        var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = items.Where(m => !known.Contains(m)).ToList();
        if (items.Length == 0 || unknown.Count > 0)
            throw new UsageException($"unknown {what} '{string.Join(",", unknown)}': expected a comma-separated list of {string.Join(", ", known)}");
        return items.Distinct().ToList();
    }

    /// <summary>libtorch's version, from the build settings of <see cref="torch.config"/> (<c>TORCH_VERSION=2.11.0</c>).</summary>
    public static string TorchVersion()
    {
        const string key = "TORCH_VERSION=";
        var config = torch.config();
        int at = config.IndexOf(key, StringComparison.Ordinal);
        if (at < 0) return "unknown (no TORCH_VERSION in torch.config())";
        int end = config.IndexOfAny([',', '\n', ' '], at + key.Length);
        return config[(at + key.Length)..(end < 0 ? config.Length : end)];
    }
}
