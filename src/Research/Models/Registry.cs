using Research.Torch;

namespace Research.Models;

/// <summary>Every model of the kit by name, from an explicit table (no reflection), so
/// <c>Models.Create("s2mlpv2_small_7", numClasses: 10, imageSize: 32)</c> builds the same code at
/// ImageNet size or at CPU size.</summary>
public static class Models
{
    // Each family contributes its variants table; add a family by adding its line here.
    private static readonly Lazy<IReadOnlyList<ModelEntry>> Table = new(() =>
    [
        ..MlpMixer.Variants,
        ..MetaFormer.Variants,
        ..MsMlp.Variants,
        ..RaftMlp.Variants,
        ..CycleMlp.Variants,
        ..Vip.Variants,
        ..S2Mlp.Variants, ..S2MlpV2.Variants,
    ]);

    /// <summary>All registered variants, in family order.</summary>
    public static IReadOnlyList<ModelEntry> All => Table.Value;

    public static IEnumerable<string> Names => All.Select(e => e.Name);

    public static ModelEntry Get(string name) =>
        All.FirstOrDefault(e => e.Name == name)
        ?? throw new ArgumentException($"Unknown model '{name}'. Registered: {string.Join(", ", Names)}", nameof(name));

    /// <summary>Builds <paramref name="name"/> with the paper's configuration, or with overrides: the
    /// three options every model takes, and <paramref name="configure"/> for the family's config record.</summary>
    public static ImageClassifier Create(string name, long? numClasses = null, long? imageSize = null, long? inChannels = null,
        Func<object, object>? configure = null)
    {
        var entry = Get(name);
        var paper = entry.PaperOptions;
        var options = new ModelOptions(numClasses ?? paper.NumClasses, imageSize ?? paper.ImageSize, inChannels ?? paper.InChannels);
        var config = configure is null ? entry.Config : configure(entry.Config);
        if (config.GetType() != entry.ConfigType)
            throw new ArgumentException($"Models.Create('{name}'): configure returned {config.GetType().Name}, expected {entry.ConfigType.Name}");
        return entry.Build(config, options);
    }

    /// <summary>Builds <paramref name="name"/> at its small configuration (<see cref="ModelEntry.SmallConfig"/> with
    /// <see cref="ModelEntry.SmallOptions"/>): what CPU tests and smoke budgets train.</summary>
    public static ImageClassifier CreateSmall(string name, long? numClasses = null, long? imageSize = null, long? inChannels = null,
        Func<object, object>? configure = null)
    {
        var entry = Get(name);
        var small = entry.SmallOptions;
        var baseConfig = entry.SmallConfig ?? entry.Config;
        return Create(name, numClasses ?? small.NumClasses, imageSize ?? small.ImageSize, inChannels ?? small.InChannels,
            c => configure is null ? baseConfig : configure(baseConfig));
    }

    /// <summary>Typed overrides and a typed model: <c>Models.Create&lt;S2MlpConfig&gt;("s2mlp_wide", c =&gt; c with { Depth = 4 },
    /// numClasses: 10)</c> gives an <c>ImageClassifier&lt;S2MlpConfig&gt;</c> whose <c>Config</c> is the record it was built from.</summary>
    public static ImageClassifier<TConfig> Create<TConfig>(string name, Func<TConfig, TConfig> configure, long? numClasses = null, long? imageSize = null, long? inChannels = null)
        where TConfig : class
    {
        var entry = Get(name);
        if (entry.Config is not TConfig config)
            throw new ArgumentException($"Models.Create('{name}'): its config is {entry.ConfigType.Name}, not {typeof(TConfig).Name}");
        var configured = configure(config);
        return Create(name, numClasses, imageSize, inChannels, _ => configured) as ImageClassifier<TConfig>
            ?? throw new InvalidOperationException($"Models.Create('{name}'): its family does not build an ImageClassifier<{typeof(TConfig).Name}>");
    }
}
