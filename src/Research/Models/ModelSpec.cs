namespace Research.Models;

/// <summary>A registered model with its configuration resolved: the registry name, the family's configuration record
/// after every override, and the options (classes, image side, channels). It is what a run builds and what its cache
/// key holds, so the key cannot drift from the model that trains.</summary>
public sealed record ModelSpec(string Name, object Config, ModelOptions Options)
{
    /// <summary>The registry's configuration of <paramref name="name"/> passed through <paramref name="configure"/>:
    /// <c>ModelSpec.Of&lt;S2MlpConfig&gt;("s2mlp_wide", c =&gt; c with { Depth = 4 }, data.ModelOptions)</c>.</summary>
    public static ModelSpec Of<TConfig>(string name, Func<TConfig, TConfig> configure, ModelOptions options) where TConfig : class
    {
        var entry = Models.Get(name);
        if (entry.Config is not TConfig config)
            throw new ArgumentException($"ModelSpec.Of('{name}'): its config is {entry.Config.GetType().Name}, not {typeof(TConfig).Name}");
        return new ModelSpec(name, configure(config), options);
    }

    /// <summary>The registry's configuration of <paramref name="name"/>, unchanged.</summary>
    public static ModelSpec Of(string name, ModelOptions options) => new(name, Models.Get(name).Config, options);

    /// <summary>A new, randomly initialised model (seed libtorch first for a reproducible one).</summary>
    public ImageClassifier Create() => Models.Create(Name, Options.NumClasses, Options.ImageSize, Options.InChannels, _ => Config);

    /// <summary>The configuration as its family's record type.</summary>
    public TConfig ConfigAs<TConfig>() where TConfig : class =>
        Config as TConfig ?? throw new InvalidCastException($"{Name}: its config is {Config.GetType().Name}, not {typeof(TConfig).Name}");
}
