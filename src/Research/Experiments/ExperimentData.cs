using Research.Data;
using Research.Models;

namespace Research.Experiments;

/// <summary>The training and test images of one experiment at one budget. <see cref="StandInFor"/> names the dataset
/// that was asked for when it was not on this machine and a synthetic set took its place, so that a notebook still
/// runs top to bottom (and says so).</summary>
public sealed record ExperimentData(ImageDataset Train, ImageDataset Test, string? StandInFor = null)
{
    /// <summary>Training images in each dataset the kit reads from files: a budget's fraction of them is the number of
    /// images a stand-in gets, so a smoke run trains on as many images with or without the real files.</summary>
    private static readonly Dictionary<string, int> TrainImages = new() { ["fashion-mnist"] = 60_000, ["cifar10"] = 50_000 };

    /// <summary>The classes, image side and channels a model for these images needs.</summary>
    public ModelOptions ModelOptions => new(Train.NumClasses, Train.Height, Train.Channels);

    public bool IsStandIn => StandInFor is not null;

    /// <summary>The training and test images at <paramref name="side"/> × <paramref name="side"/> (see
    /// <see cref="ImageResize.Resized(ImageDataset, int, int)"/>), normalised as the originals are.</summary>
    public ExperimentData Resized(int side) => this with { Train = Train.Resized(side), Test = Test.Resized(side) };

    /// <summary><paramref name="name"/> (a <see cref="Datasets"/> name) at <paramref name="settings"/>: a class-balanced
    /// <see cref="BudgetSettings.DataFraction"/> of the training set (seed 0: every seed of a grid sees the same images)
    /// and the first <see cref="BudgetSettings.MaxTestImages"/> test images. When a file-based dataset is missing,
    /// <paramref name="standIn"/> (a synthetic set) is used with as many training images as the budget would have taken.</summary>
    public static ExperimentData Load(string name, BudgetSettings settings, string standIn = "stripes", string? folder = null)
    {
        var canonical = Canonical(name);
        bool present = canonical switch
        {
            "fashion-mnist" => FashionMnist.IsAvailable(folder),
            "cifar10" => Cifar10.IsAvailable(folder),
            _ => true,
        };
        if (!present)
        {
            var fallbackTrain = Datasets.Load(standIn, Split.Train);
            var wanted = Math.Max(1, (int)Math.Ceiling(settings.DataFraction * TrainImages[canonical]));
            return new ExperimentData(Take(fallbackTrain, Math.Min(1.0, (double)wanted / fallbackTrain.Count)),
                Datasets.Load(standIn, Split.Test).First(settings.MaxTestImages ?? int.MaxValue), StandInFor: canonical);
        }
        return new ExperimentData(Take(Datasets.Load(canonical, Split.Train, folder), settings.DataFraction),
            Datasets.Load(canonical, Split.Test, folder).First(settings.MaxTestImages ?? int.MaxValue));
    }

    /// <summary>One line for a notebook: which images, how many, what shape, and whether a stand-in is used.</summary>
    public override string ToString() =>
        (IsStandIn ? $"{StandInFor} is not on this machine: the synthetic {Train.Name} set stands in. " : "") +
        $"{Train.Identity}: {Train.Count} training images; {Test.Identity}: {Test.Count} test images; " +
        $"{Train.Channels}x{Train.Height}x{Train.Width}, {Train.NumClasses} classes";

    private static ImageDataset Take(ImageDataset full, double fraction) => fraction >= 1 ? full : full.Fraction(fraction, seed: 0);

    private static string Canonical(string name) => name.ToLowerInvariant() switch
    {
        "fashion_mnist" or "fmnist" => "fashion-mnist",
        "cifar-10" => "cifar10",
        var n => n,
    };
}
