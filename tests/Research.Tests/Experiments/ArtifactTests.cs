using Research.Experiments;
using Research.Tests.Training;

namespace Research.Tests.Experiments;

public sealed class ArtifactTests
{
    private sealed record Config(string Name);

    private static RunOutcome Keep(RunContext ctx, params (string Name, int Bytes)[] files)
    {
        foreach (var (name, bytes) in files) File.WriteAllBytes(ctx.ArtifactPath(name), new byte[bytes]);
        return new RunOutcome(new() { ["x"] = 1 });
    }

    [Fact]
    public void ArtifactOfACachedRun_OutlivesTheWorkFolder_AndIsFoundFromTheRecord()
    {
        using var dir = new TempDir();
        var cache = new RunCache(dir.Path);
        var runner = new ExperimentRunner("artifacts-local", Budget.Smoke, cache: cache);
        string? staged = null;
        var record = runner.RunOne(new Config("a"), 0, ctx => { staged = ctx.ArtifactPath("weights.bin"); return Keep(ctx, ("weights.bin", 10)); })!;

        Assert.False(File.Exists(staged));   // moved out of the work folder, which is gone
        Assert.Equal(new Dictionary<string, long> { ["weights.bin"] = 10 }, record.Artifacts);
        var path = runner.ArtifactPath(record, "weights.bin");
        Assert.Equal(Path.Combine(dir.Path, "artifacts-local", "artifacts", record.Key, "weights.bin"), path);
        Assert.Equal(10, new FileInfo(path!).Length);
        Assert.Null(runner.ArtifactPath(record, "other.bin"));

        var cached = runner.RunOne(new Config("a"), 0, _ => throw new InvalidOperationException("a finished run must not train again"))!;
        Assert.True(cached.Cached);
        Assert.Equal(path, runner.ArtifactPath(cached, "weights.bin"));
        Assert.Single(cache.All("artifacts-local"));   // the artifacts folder holds no record

        // A cached record whose kept file was deleted is computed again.
        File.Delete(path!);
        int calls = 0;
        var again = runner.RunOne(new Config("a"), 0, ctx => { calls++; return Keep(ctx, ("weights.bin", 12)); })!;
        Assert.Equal(1, calls);
        Assert.False(again.Cached);
        Assert.Equal(12, new FileInfo(runner.ArtifactPath(again, "weights.bin")!).Length);
    }

    [Fact]
    public void ArtifactsOfAFullBudgetRun_SmallOnesBesideTheCommittedResult_LargeOnesInTheLocalCache()
    {
        using var dir = new TempDir();
        var cache = new RunCache(Path.Combine(dir.Path, "cache"));
        var results = new RunCache(Path.Combine(dir.Path, "results"), RunStoreLayout.ByIdentity);
        var runner = new ExperimentRunner("artifacts-full", Budget.Full, cache: cache, results: results);
        int large = (int)RunCache.CommittedArtifactLimit + 1;
        var record = runner.RunOne(new Config("a"), 0, ctx => Keep(ctx, ("small.bin", 100), ("large.bin", large)))!;

        Assert.Equal(new Dictionary<string, long> { ["large.bin"] = large, ["small.bin"] = 100 }, record.Artifacts);
        Assert.Equal(Path.Combine(dir.Path, "results", "artifacts-full", "artifacts", record.Identity, "small.bin"), runner.ArtifactPath(record, "small.bin"));
        Assert.Equal(Path.Combine(dir.Path, "cache", "artifacts-full", "artifacts", record.Key, "large.bin"), runner.ArtifactPath(record, "large.bin"));

        // Another build reads the committed record and finds the committed artifact by the record's identity.
        var later = new ExperimentRunner("artifacts-full", Budget.Full, cache: cache, results: results, codeVersion: "later build");
        var committed = later.RunOne(new Config("a"), 0, _ => throw new InvalidOperationException("committed"))!;
        Assert.True(committed.FromOtherBuild);
        Assert.Equal(runner.ArtifactPath(record, "small.bin"), later.ArtifactPath(committed, "small.bin"));

        // On a fresh clone (no local cache) the large file is missing, the committed one is there.
        Directory.Delete(Path.Combine(dir.Path, "cache"), recursive: true);
        Assert.Null(runner.ArtifactPath(record, "large.bin"));
        Assert.NotNull(runner.ArtifactPath(record, "small.bin"));

        results.Clear("artifacts-full");
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "results", "artifacts-full", "artifacts")));
    }

    [Fact]
    public void AFailedRunKeepsNothing_AndArtifactNamesAreFileNames()
    {
        using var dir = new TempDir();
        var runner = new ExperimentRunner("artifacts-failed", Budget.Smoke, cache: new RunCache(dir.Path));
        Assert.Throws<InvalidOperationException>(() => runner.RunOne(new Config("a"), 0, ctx =>
        {
            Keep(ctx, ("half.bin", 3));
            throw new InvalidOperationException("interrupted");
        }));
        var record = runner.RunOne(new Config("a"), 0, ctx => Keep(ctx))!;
        Assert.Null(record.Artifacts);
        Assert.Null(runner.ArtifactPath(record, "half.bin"));

        runner.RunOne(new Config("b"), 0, ctx =>
        {
            foreach (var bad in new[] { "", "..", "sub/w.bin", "../w.bin" })
                Assert.Throws<ArgumentException>(() => ctx.ArtifactPath(bad));
            return Keep(ctx);
        });
    }
}
