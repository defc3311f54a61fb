using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Research.Torch;
using Research.Training;

namespace Research.Experiments;

/// <summary>Mean and sample standard deviation (divisor n − 1; 0 for a single value) of a metric over seeds.</summary>
public sealed record MeanStd(double Mean, double Std, int N)
{
    public static MeanStd Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return new MeanStd(double.NaN, double.NaN, 0);
        double mean = v.Average();
        double std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return new MeanStd(mean, std, v.Length);
    }

    /// <summary><c>91.23 ± 0.15</c>, after multiplying by <paramref name="scale"/> (100 for accuracies in percent).</summary>
    public string Format(string format = "0.00", double scale = 1) =>
        (Mean * scale).ToString(format, System.Globalization.CultureInfo.InvariantCulture) + " ± " +
        (Std * scale).ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() => Format();
}

/// <summary>One finished run: its key (inputs and code version hashed), its identity (the inputs alone), the inputs
/// themselves as canonical JSON (so a record says what it is), the code version that computed it, its final metrics,
/// its history when it kept one, and how long it took.</summary>
public sealed record RunRecord(
    string Key, string Identity, string Experiment, JsonObject Inputs, int Seed, string Budget, string CodeVersion,
    Dictionary<string, double> Metrics, TrainingHistory? History, double Seconds, DateTime FinishedUtc)
{
    /// <summary>The files the run kept (<see cref="RunContext.ArtifactPath"/>), by name, with their sizes in bytes;
    /// null when it kept none. <see cref="ExperimentRunner.ArtifactPath"/> finds them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, long>? Artifacts { get; init; }

    /// <summary>True when this record was read from disk rather than computed now.</summary>
    [JsonIgnore] public bool Cached { get; init; }

    /// <summary>True when a committed result was computed by another build than this one (its inputs are the same).</summary>
    [JsonIgnore] public bool FromOtherBuild { get; init; }
}

/// <summary>Where finished runs are kept: the <see cref="RunCache.Local"/> cache, keyed by everything including the
/// code version, or an experiment's committed results (<see cref="RunCache.Results"/>), one record per identity.</summary>
public enum RunStoreLayout { ByKey, ByIdentity }

/// <summary>Finished runs on disk, one JSON file per run. The local cache (<see cref="ResearchPaths.Cache"/>, ignored
/// by git) files them as <c>runs/&lt;experiment&gt;/&lt;key&gt;.json</c>: change anything that decides a result (see
/// <see cref="RunKey"/>) or rebuild the code, and the run is computed again. The committed results
/// (<c>data/results/&lt;experiment&gt;/runs/&lt;identity&gt;.json</c>, tracked by git) keep one record per set of inputs,
/// so a fresh clone reads them at once and says when they came from an earlier build. The files a run keeps
/// (<see cref="RunContext.ArtifactPath"/>) lie beside its record, in <c>artifacts/&lt;key or identity&gt;/</c> of the
/// experiment's folder (<see cref="ArtifactFile"/>).</summary>
public sealed class RunCache
{
    /// <summary>The largest artifact kept beside a committed result: 1 MiB. The weights of the small models the
    /// notebooks train (about 0.4 MB) are committed with their runs, so a fresh clone draws them without training;
    /// a larger file would grow every clone of the repository for good, so it stays in the local cache of the machine
    /// that trained it (filed by the run's key) and the record still lists it.</summary>
    public const long CommittedArtifactLimit = 1 << 20;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
        Converters = { new HistoryConverter() },
    };

    public RunCache(string? directory = null, RunStoreLayout layout = RunStoreLayout.ByKey)
    {
        Directory = Path.GetFullPath(directory ?? Path.Combine(ResearchPaths.Cache, "runs"));
        Layout = layout;
    }

    /// <summary>The local cache under <see cref="ResearchPaths.Cache"/>.</summary>
    public static RunCache Local => new();

    /// <summary>The committed results under <see cref="ResearchPaths.Results"/>.</summary>
    public static RunCache Results => new(ResearchPaths.Results, RunStoreLayout.ByIdentity);

    public string Directory { get; }
    public RunStoreLayout Layout { get; }

    public string FolderOf(string experiment) => Layout == RunStoreLayout.ByKey
        ? Path.Combine(Directory, Sanitize(experiment))
        : Path.Combine(Directory, Sanitize(experiment), "runs");

    public string PathOf(string experiment, string name) => Path.Combine(FolderOf(experiment), name + ".json");

    private string NameOf(RunRecord record) => Layout == RunStoreLayout.ByKey ? record.Key : record.Identity;

    /// <summary>The folder of the files <paramref name="record"/>'s run kept, in this store:
    /// <c>&lt;experiment&gt;/artifacts/&lt;key&gt;/</c> in the local cache, <c>&lt;experiment&gt;/artifacts/&lt;identity&gt;/</c>
    /// among committed results (<c>data/results/&lt;experiment&gt;/artifacts/&lt;identity&gt;/</c>, tracked by git
    /// beside <c>runs/</c>).</summary>
    public string ArtifactFolder(RunRecord record) => Path.Combine(Directory, Sanitize(record.Experiment), "artifacts", NameOf(record));

    /// <summary>Where this store files the artifact <paramref name="name"/> of <paramref name="record"/> (whether or not
    /// it is there; <see cref="ExperimentRunner.ArtifactPath"/> looks it up).</summary>
    public string ArtifactFile(RunRecord record, string name)
    {
        CheckArtifactName(name);
        return Path.Combine(ArtifactFolder(record), name);
    }

    /// <summary>An artifact's name is a plain file name: no folder, no <c>..</c>.</summary>
    public static void CheckArtifactName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name is "." or ".." || name.IndexOfAny(['/', '\\']) >= 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"artifact name '{name}': a file name without a folder (weights.safetensors)", nameof(name));
    }

    /// <summary>The folder a run may use for its own files (checkpoints, so an interrupted run resumes); always in the
    /// local cache, never among committed results.</summary>
    public static string WorkFolder(string experiment, string key) => Path.Combine(ResearchPaths.Cache, "runs", Sanitize(experiment), key);

    /// <summary>The record of the run with this <paramref name="key"/> and <paramref name="identity"/>: in the local
    /// cache only an exact key; among committed results the record of that identity, marked
    /// <see cref="RunRecord.FromOtherBuild"/> when its key differs. Null when there is none or the file cannot be read
    /// (a damaged entry counts as absent).</summary>
    public RunRecord? TryGet(string experiment, string key, string identity)
    {
        var record = Read(PathOf(experiment, Layout == RunStoreLayout.ByKey ? key : identity));
        if (record is null || record.Identity != identity) return null;
        // A cached run whose kept files were deleted is computed again (a committed one stands: a large artifact of
        // it lives on the machine that trained it).
        if (Layout == RunStoreLayout.ByKey && record.Artifacts?.Keys.Any(name => !File.Exists(ArtifactFile(record, name))) == true) return null;
        if (record.Key == key) return record with { Cached = true };
        return Layout == RunStoreLayout.ByIdentity ? record with { Cached = true, FromOtherBuild = true } : null;
    }

    /// <summary>Stores <paramref name="record"/> atomically (temporary file and rename).</summary>
    public void Put(RunRecord record) =>
        AtomicFile.WriteAllText(PathOf(record.Experiment, NameOf(record)), JsonSerializer.Serialize(record with { Cached = false, FromOtherBuild = false }, Json));

    /// <summary>Every readable record of <paramref name="experiment"/> on disk.</summary>
    public IEnumerable<RunRecord> All(string experiment)
    {
        var dir = FolderOf(experiment);
        if (!System.IO.Directory.Exists(dir)) yield break;
        foreach (var f in System.IO.Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal))
            if (Read(f) is { } r) yield return r with { Cached = true };
    }

    /// <summary>Whether any record of <paramref name="experiment"/> is on disk.</summary>
    public bool Has(string experiment) =>
        System.IO.Directory.Exists(FolderOf(experiment)) && System.IO.Directory.EnumerateFiles(FolderOf(experiment), "*.json").Any();

    /// <summary>Deletes every stored run of <paramref name="experiment"/> and the files the runs kept.</summary>
    public void Clear(string experiment)
    {
        foreach (var dir in new[] { FolderOf(experiment), Path.Combine(Directory, Sanitize(experiment), "artifacts") })
            if (System.IO.Directory.Exists(dir)) System.IO.Directory.Delete(dir, recursive: true);
    }

    private static RunRecord? Read(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(path), Json); }
        catch (Exception e) when (e is JsonException or IOException or InvalidDataException or NotSupportedException) { return null; }
    }

    private static string Sanitize(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());

    // The history is stored as its two record lists.
    private sealed class HistoryConverter : JsonConverter<TrainingHistory>
    {
        public override TrainingHistory Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var node = JsonNode.Parse(ref reader)!.AsObject();
            var h = new TrainingHistory();
            h.Train.AddRange(node["train"].Deserialize<List<TrainRecord>>(TrainingHistory.Json) ?? []);
            h.Eval.AddRange(node["eval"].Deserialize<List<EvalRecord>>(TrainingHistory.Json) ?? []);
            return h;
        }

        public override void Write(Utf8JsonWriter writer, TrainingHistory value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("train");
            JsonSerializer.Serialize(writer, value.Train, TrainingHistory.Json);
            writer.WritePropertyName("eval");
            JsonSerializer.Serialize(writer, value.Eval, TrainingHistory.Json);
            writer.WriteEndObject();
        }
    }
}
