using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models.Counting;

/// <summary>Parameters and MACs of a model, measured on one forward pass of one image.</summary>
/// <param name="Params">Every parameter element.</param>
/// <param name="HeadParams">Parameters of the classifier (<see cref="ImageClassifier.get_classifier"/>).</param>
/// <param name="Macs">Multiply-accumulates of Linear, Conv2d and matmul for one image.</param>
/// <param name="MacsByOp">The same, by operator kind.</param>
/// <param name="Unreported">Linear and Conv2d layers of the model that did not report during the forward:
/// their MACs are missing from <paramref name="Macs"/> (a layer bypassed, or computed by ops the counter does not see).</param>
public sealed record ModelCount(long Params, long HeadParams, long Macs, IReadOnlyDictionary<string, long> MacsByOp, IReadOnlyList<string> Unreported)
{
    public double ParamsM => Params / 1e6;
    public double ParamsWithoutHeadM => (Params - HeadParams) / 1e6;
    public double GMacs => Macs / 1e9;

    /// <summary>The parameter count in the convention of <paramref name="paper"/> (with or without the classifier).</summary>
    public double ParamsMFor(PaperNumbers paper) => paper.ParamsExcludeHead ? ParamsWithoutHeadM : ParamsM;
}

/// <summary>Counts parameters and MACs by running the model.</summary>
public static class ModelCounter
{
    /// <summary>Builds <paramref name="name"/> at its paper configuration and counts it.</summary>
    public static ModelCount Count(string name)
    {
        var entry = Models.Get(name);
        using var model = Models.Create(name);
        return Count(model, entry.PaperOptions);
    }

    /// <summary>Runs <paramref name="model"/> in eval mode, without gradients, on one random image of
    /// <paramref name="options"/>' size, with a <see cref="MacCounter"/> listening.</summary>
    public static ModelCount Count(ImageClassifier model, ModelOptions options)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var grad = no_grad();
            using var counter = MacCounter.Start();
            var x = randn(1, options.InChannels, options.ImageSize, options.ImageSize);
            model.forward(x);
            var unreported = model.named_modules()
                .Where(m => m.module is Linear { weight: var w } && !counter.Weights.Contains(w)
                         || m.module is Conv2d { weight: var cw } && !counter.Weights.Contains(cw))
                .Select(m => $"{m.name} ({m.module.GetType().Name})")
                .ToList();
            long head = model.get_classifier()?.num_parameters() ?? 0;
            return new ModelCount(model.num_parameters(), head, counter.Macs, new Dictionary<string, long>(counter.ByOp), unreported);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
