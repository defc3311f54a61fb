using System.Text.Json.Nodes;
using Research.Bench.TorchSharp;
using TorchSharp;

// The TorchSharp side of `./research bench torch` and `./research bench s2mlp`, started by Research.Bench (TorchSharpPeer)
// as the Python side is; usable alone:
//   dotnet bench/Research.Bench.TorchSharp/bin/Release/net10.0/Research.Bench.TorchSharp.dll torch --threads 2 --quick
//   ... s2mlp --threads 2 --batch 32 --patch 4 --width 256 --depth 8 --steps 1 --warmup 1 --repeats 1 [--weights F --io F]
// Its last line of output is one JSON object; a failure goes to stderr with exit code 1.
try
{
    if (args.Length == 0 || args[0] is not ("torch" or "s2mlp"))
    {
        Console.Error.WriteLine("usage: Research.Bench.TorchSharp torch|s2mlp --threads N [options]");
        return 2;
    }
    var options = Options(args[1..]);
    // Before anything of TorchSharp: its first use loads the native library, which this prepares.
    string native = NativeLibraries.Load(CheckoutRoot(), Path.Combine("build", "torchsharp-native"));
    torch.set_num_threads(int.Parse(options["threads"]));
    var result = new JsonObject
    {
        ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString(3),
        ["libtorch"] = torch.__version__,
        ["threads"] = torch.get_num_threads(),
        ["native_library"] = native,
        ["native_library_mapped"] = string.Join(", ", NativeLibraries.Mapped()),
    };
    if (args[0] == "torch")
        result["measurements"] = Benchmarks.Torch(options.ContainsKey("quick"));
    else
    {
        int Int(string key) => int.Parse(options[key]);
        torch.random.manual_seed(0);
        using var model = new S2Mlp(Int("patch"), Int("width"), Int("depth"), numClasses: 10);
        if (options.TryGetValue("weights", out var weights))
            result["checkpoint"] = Benchmarks.CheckpointLogits(model, weights, options["io"]);
        result["measurements"] = Benchmarks.S2MlpThroughput(model, Int("batch"), Int("steps"), Int("warmup"), Int("repeats"));
    }
    Console.WriteLine(result.ToJsonString());
    return 0;
}
catch (Exception e)
{
    // TorchSharp reports a failed native load as the inner exception of its type initializer's.
    var inner = e is TypeInitializationException { InnerException: { } cause } ? cause : e;
    Console.Error.WriteLine($"{inner.GetType().Name}: {inner.Message}");
    return 1;
}

// --name value pairs; a --name followed by another option or nothing is a flag.
static Dictionary<string, string> Options(string[] args)
{
    var options = new Dictionary<string, string>();
    for (int i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--")) throw new ArgumentException($"unexpected argument '{args[i]}'");
        bool flag = i + 1 == args.Length || args[i + 1].StartsWith("--");
        options[args[i][2..]] = flag ? "" : args[++i];
    }
    return options;
}

// The private copy of the native library goes under the checkout's git-ignored build/ folder.
static string CheckoutRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Research.sln"))) return dir.FullName;
    throw new InvalidOperationException($"Research.sln not found above {AppContext.BaseDirectory}");
}
