using Research.Data;
using Research.Experiments;
using Research.Models;

namespace Research.Tests.Data;

public sealed class ImageResizeTests
{
    // One 4x4 image of four 2x2 blocks (10, 20 / 30, 40) and one constant image, labels 0 and 1.
    private static ImageDataset Blocks() => new("blocks", Split.Train,
        [10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 40, 40, 30, 30, 40, 40, .. Enumerable.Repeat((byte)7, 16)], [0, 1], 1, 4, 4,
        ["a", "b"], new Normalization([0.2f], [0.3f]));

    [Fact]
    public void Resized_Smaller_AveragesEachArea()
    {
        var small = Blocks().Resized(2);
        Assert.Equal((2, 2, 2), (small.Count, small.Height, small.Width));
        Assert.Equal(new byte[] { 10, 20, 30, 40, 7, 7, 7, 7 }, small.Pixels.ToArray());
        Assert.Equal(new byte[] { 0, 1 }, small.Labels.ToArray());
    }

    [Fact]
    public void Resized_Larger_InterpolatesAndKeepsLabelsClassesAndNormalisation()
    {
        var source = Blocks();
        var large = source.Resized(8);
        Assert.Equal((8, 8), (large.Height, large.Width));
        Assert.All(large.Image(1).ToArray(), p => Assert.Equal(7, p));
        Assert.Equal(10, large.Image(0)[0]);
        Assert.Equal(40, large.Image(0)[63]);
        Assert.Equal(source.ClassNames, large.ClassNames);
        Assert.Same(source.Normalization, large.Normalization);
        Assert.Equal("blocks/train, resized to 8x8", large.Identity);
        Assert.NotEqual(source.Fingerprint, large.Fingerprint);
    }

    [Fact]
    public void Resized_SameSize_IsTheDataset_AndExperimentDataResizesBothSplits()
    {
        var source = Blocks();
        Assert.Same(source, source.Resized(4));
        var data = new ExperimentData(source, source).Resized(2);
        Assert.Equal((2, 2), (data.Train.Height, data.Test.Width));
        Assert.Equal(new ModelOptions(2, 2, 1), data.ModelOptions);
    }
}
