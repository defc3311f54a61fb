using Research.Bench;

// `./research bench <name>` runs one of these; each prints a table and writes JSON under out/bench.
var commands = new Dictionary<string, Func<string[], int>>
{
    ["torch"] = TorchBench.Run,
    ["threads"] = ThreadsBench.Run,
    ["s2mlp"] = S2MlpBench.Run,
    ["shift"] = ShiftBench.Run,
    ["counts"] = CountsBench.Run,
    ["loader"] = LoaderBench.Run,
    ["ddp"] = DdpBench.Run,
    ["ddp-worker"] = DdpBench.Worker,   // one rank of `ddp`, started by it
    ["device-check"] = DeviceCheck.Run,   // these two write to --out DIR instead of out/bench
    ["gpu"] = GpuBench.Run,
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine($"usage: Research.Bench <{string.Join("|", commands.Keys)}> [--quick]");
    return 2;
}
return command(args[1..]);
