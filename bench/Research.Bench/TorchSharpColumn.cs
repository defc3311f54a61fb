using System.Text.Json.Nodes;
using Research.Models;
using Research.Torch;
using Research.Training;
using static Research.Torch.torch;

namespace Research.Bench;

/// <summary>The TorchSharp column of `bench s2mlp` for one model: a round of S2-MLP v1 written against TorchSharp
/// (bench/Research.Bench.TorchSharp/S2Mlp.cs) after each round of ours. Before its first round our model, trained a few
/// steps by then so that no weight is still at its init, writes a checkpoint as the trainer does and its logits on four
/// images; the TorchSharp side loads the checkpoint by key and reports how far its logits are from ours.</summary>
internal sealed class TorchSharpColumn(string model)
{
    /// <summary>Float32 logits of one model on two libtorch builds, whose matrix products sum in other orders, differ
    /// by about 1e-6 of their size; a wrong key, layer or order of operations by far more.</summary>
    private const double LogitsTolerance = 1e-4;

    private readonly List<double> rounds = new();
    private JsonObject? first;

    /// <summary>Why the column is n/a, once it is.</summary>
    public string? Error { get; private set; } = model == "v1" ? null : "only S2-MLP v1 is written against TorchSharp";

    /// <summary>Images/s of each round so far.</summary>
    public IReadOnlyList<double> Rounds => rounds;

    public bool LogitsDisagree => Difference() is { } diff && diff > LogitsTolerance;

    /// <summary>One round with the options bench/s2mlp.py takes (<paramref name="arguments"/>), the same model as
    /// <paramref name="ours"/>, whose parameter count it checks.</summary>
    public void Round(ImageClassifier ours, string arguments)
    {
        if (Error is not null) return;
        string? folder = null;
        try
        {
            string[] check = [];
            if (first is null)
            {
                folder = WriteCheckpoint(ours, out var weights, out var io);
                check = ["--weights", weights, "--io", io];
            }
            var (reply, error) = TorchSharpPeer.Run(["s2mlp", .. arguments.Split(' '), .. check]);
            long? parameters = reply?["measurements"]?["params"]?.GetValue<long>();
            Error = reply is null ? error
                : parameters != ours.num_parameters() ? $"TorchSharp's model has {parameters} parameters, ours {ours.num_parameters()}: not the same model"
                : null;
            if (Error is not null) return;
            first ??= reply;
            rounds.Add(reply!["measurements"]!["images_per_s"]!.GetValue<double>());
        }
        finally
        {
            if (folder is not null) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The lines printed under the table: TorchSharp and its native library, and the checkpoint's logits.</summary>
    public IEnumerable<string> Notes()
    {
        if (model != "v1") yield break;
        yield return TorchSharpPeer.Describe(Error is null ? first : null, Error);
        if (first?["checkpoint"] is not JsonObject c || Difference() is not { } diff) yield break;
        yield return $"checkpoint of ours ({c["keys"]} tensors) loaded into TorchSharp's S2-MLP by key: logits [{c["logits_shape"]}] " +
                     (diff <= LogitsTolerance ? "agree" : "DISAGREE") +
                     $", max |diff| {diff:0.##e0} (tolerance {LogitsTolerance:0e0}; largest |logit| {c["max_abs_logit"]!.GetValue<double>():G3})";
    }

    public JsonObject Json() => Error is null && first is not null
        ? new JsonObject
        {
            ["torchsharp"] = first["torchsharp"]?.DeepClone(), ["libtorch"] = first["libtorch"]?.DeepClone(),
            ["native_library"] = first["native_library"]?.DeepClone(), ["checkpoint"] = first["checkpoint"]?.DeepClone(),
        }
        : new JsonObject { ["error"] = Error };

    private double? Difference() => first?["checkpoint"]?["max_abs_diff"]?.GetValue<double>();

    /// <summary>A checkpoint of <paramref name="model"/> as the trainer writes one (<see cref="CheckpointStore"/>), and
    /// beside it four random images with the model's eval-mode logits; returns the temporary folder holding both.</summary>
    private static string WriteCheckpoint(ImageClassifier model, out string weights, out string io)
    {
        var folder = Directory.CreateTempSubdirectory("research-s2mlp-torchsharp-").FullName;
        var checkpoint = new CheckpointStore(folder).Save(0, model.state_dict(), new Dictionary<string, Tensor>(),
            new JsonObject { ["model"] = "s2mlp", ["written_by"] = "bench s2mlp, for TorchSharp's copy of the model" });
        weights = Path.Combine(checkpoint, CheckpointStore.WeightsFile);
        io = Path.Combine(folder, "io.safetensors");
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 32, 32);
        model.eval();
        Tensor logits;
        using (no_grad()) logits = model.forward(images);
        model.train();
        SafeTensors.Save(io, new Dictionary<string, Tensor> { ["input"] = images, ["logits"] = logits });
        return folder;
    }
}
