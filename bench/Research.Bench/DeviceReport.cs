using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Research.Torch;

namespace Research.Bench;

/// <summary>What the device commands share: the machine and libtorch they ran on, and writing their two files.</summary>
internal static class DeviceReport
{
    /// <summary>libtorch's version and build, the device's name and count, and whether CUDA's memory counters exist.</summary>
    public static JsonObject Environment(Device device)
    {
        bool cuda = torch.cuda.is_available();
        return new JsonObject
        {
            ["device"] = device.ToString(),
            ["device_name"] = device.Type == DeviceType.CUDA ? GpuName() : CpuName(),
            ["torch_version"] = DeviceOptions.TorchVersion(),
            ["cuda_available"] = cuda,
            ["cuda_device_count"] = cuda ? torch.cuda.device_count() : 0,
            ["cuda_memory_stats_available"] = torch.cuda.memory_stats_available(),
            ["cores"] = System.Environment.ProcessorCount,
            ["threads"] = torch.get_num_threads(),
            ["dotnet"] = System.Environment.Version.ToString(),
            ["date"] = DateTime.UtcNow.ToString("u"),
            ["torch_config"] = torch.config(),
        };
    }

    /// <summary>Writes <c>DIR/NAME.json</c> and <c>DIR/NAME.md</c>, each through a temporary file and a rename, so a run
    /// stopped part way (the loan's time ran out) leaves either the previous file or the whole new one.</summary>
    public static (string Json, string Markdown) Write(string dir, string name, JsonObject json, string markdown)
    {
        var jsonPath = Path.Combine(dir, $"{name}.json");
        var mdPath = Path.Combine(dir, $"{name}.md");
        AtomicFile.WriteAllText(jsonPath, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.WriteAllText(mdPath, markdown);
        return (jsonPath, mdPath);
    }

    // The kit's binding has no cudaGetDeviceProperties; nvidia-smi ships with every NVIDIA driver.
    private static string GpuName()
    {
        try
        {
            var psi = new ProcessStartInfo("nvidia-smi", "--query-gpu=name,memory.total,driver_version --format=csv,noheader")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(10_000)) { p.Kill(); return "unknown (nvidia-smi did not answer within 10 s)"; }
            var text = output.Result.Trim();
            return p.ExitCode == 0 && text.Length > 0 ? text.Replace("\n", "; ") : $"unknown (nvidia-smi exited with {p.ExitCode})";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (nvidia-smi not found)";
        }
    }

    private static string CpuName()
    {
        const string key = "model name";
        var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key)) : null;
        return line is null ? "cpu" : line[(line.IndexOf(':') + 1)..].Trim();
    }
}
