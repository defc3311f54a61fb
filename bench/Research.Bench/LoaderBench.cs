using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Research.Data;
using Research.Experiments;
using Research.Torch;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

using Research.Cli;

namespace Research.Bench;

/// <summary><c>loader</c>: how fast the loader serves augmented batches (background preparation plus the
/// copy into tensors, the training thread's whole share) against how fast the registered models' small
/// configurations train on the same batches (forward, backward, AdamW step). The loader should never be the
/// bottleneck: the ratio is what the issue asks to be 10 or more.</summary>
public static class LoaderBench
{
    public const string Usage = """
        ./research bench loader [--dataset fashion-mnist] [--batch-size 128] [--batches 400] [--steps 20]
                                [--models a,b,c] [--out out/bench/loader.json]
          [--set Key=Value]      override fields of the models' small configurations
          models default to every registered model that has a small (CPU) configuration, one per family
        """;

    public static int Run(string[] args)
    {
        var cl = new CommandLine(args);
        var datasetName = cl.Get("dataset", "fashion-mnist");
        int batchSize = cl.Int("batch-size") ?? 128;
        int batches = cl.Int("batches") ?? 400;
        int steps = cl.Int("steps") ?? 20;
        var names = cl.Get("models")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var outPath = Path.GetFullPath(cl.Get("out") ?? Path.Combine(ResearchPaths.Out, "bench", "loader.json"));
        cl.RejectUnknown();

        var train = Datasets.Load(datasetName, Split.Train);
        var augment = Datasets.DefaultAugmentation(train);
        var rows = new JsonArray();
        Console.WriteLine($"{train}; batch {batchSize}; augmentation {augment}; {get_num_threads()} threads");

        double Loader(int prefetch)
        {
            var loader = new DataLoader(train, new LoaderOptions { BatchSize = batchSize, Augment = augment, Prefetch = prefetch });
            int served = 0, epoch = 0;
            var clock = Stopwatch.StartNew();
            while (served < batches)
                foreach (var b in loader.Epoch(epoch++))
                {
                    b.Dispose();
                    if (++served >= batches) break;
                }
            return served * batchSize / clock.Elapsed.TotalSeconds;
        }
        Loader(4);   // warm-up: JIT, thread pool, page cache
        double withPrefetch = Loader(4), inline = Loader(0);
        Console.WriteLine($"loader, prefetch 4 (training thread's view):  {withPrefetch,12:#,0} img/s");
        Console.WriteLine($"loader, prepared inline on one thread:       {inline,12:#,0} img/s");

        var entries = Models.Models.All.Where(e => e.SmallConfig is not null && (names is null || names.Contains(e.Name)))
            .GroupBy(e => names is null ? e.Family : e.Name).Select(g => g.First()).ToList();
        var loaderForModels = new DataLoader(train, new LoaderOptions { BatchSize = batchSize, Augment = augment });
        using var sample = loaderForModels.Epoch(0).First();
        foreach (var entry in entries)
        {
            // A small configuration made for 32×32 may not fit 28×28 (a pyramid that cannot merge 7×7 tokens).
            try
            {
                var (ips, parameters) = TrainThroughput(entry, train, sample, steps, cl.Sets);
                double ratio = withPrefetch / ips;
                Console.WriteLine($"{entry.Name,-28} small config, {parameters / 1e6,6:0.000}M params: {ips,9:#,0} img/s training; loader/training = {ratio,6:0.0}x");
                rows.Add(new JsonObject
                {
                    ["model"] = entry.Name, ["family"] = entry.Family, ["parameters"] = parameters,
                    ["train_images_per_second"] = ips, ["loader_over_training"] = ratio,
                });
            }
            catch (Exception e) when (e is ArgumentException or TorchException)
            {
                Console.WriteLine($"{entry.Name,-28} skipped: {e.Message.Split('\n')[0]}");
            }
        }

        var doc = new JsonObject
        {
            ["dataset"] = train.Name, ["batch_size"] = batchSize, ["threads"] = get_num_threads(),
            ["augmentation"] = JsonSerializer.SerializeToNode(augment),
            ["loader_images_per_second_prefetch"] = withPrefetch, ["loader_images_per_second_inline"] = inline,
            ["models"] = rows,
        };
        AtomicFile.WriteAllText(outPath, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"written {outPath}");
        return 0;
    }

    /// <summary>Images per second of forward, backward and AdamW step on one fixed batch, after 3 warm-up steps.</summary>
    private static (double ImagesPerSecond, long Parameters) TrainThroughput(Research.Models.ModelEntry entry, ImageDataset train, Batch sample,
        int steps, IReadOnlyDictionary<string, string> sets)
    {
        manual_seed(0);
        using var model = Models.Models.Create(entry.Name, train.NumClasses, train.Height, train.Channels, _ => ConfigOverrides.Apply(entry.SmallConfig!, sets));
        using var optimizer = new optim.AdamW(model.parameters(), 1e-3);
        void Step()
        {
            using var scope = NewDisposeScope();
            var loss = F.cross_entropy(model.forward(sample.Images), sample.Labels);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        for (int i = 0; i < 3; i++) Step();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        return (steps * sample.Size / clock.Elapsed.TotalSeconds, model.num_parameters());
    }
}
