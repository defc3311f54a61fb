using Research.Torch;
using static Research.Torch.torch;

namespace Research.Torch.Tests;

/// <summary>Given the operators model and graph code once called by schema name, when they are called through their
/// typed wrappers, then they give what PyTorch's functions of the same names give on small cases worked by hand.</summary>
public sealed class TypedOpsTests
{
    [Fact]
    public void Addcmul_adds_the_scaled_product()
    {
        using var scope = NewDisposeScope();
        var y = tensor(new float[] { 1, 1 }).addcmul(tensor(new float[] { 2, 3 }), tensor(new float[] { 4, 5 }), value: 0.5);
        Assert.Equal(new float[] { 5, 8.5f }, y.data<float>());
    }

    [Fact]
    public void Block_diag_puts_the_blocks_on_the_diagonal()
    {
        using var scope = NewDisposeScope();
        var block = tensor(new float[,] { { 1, 2 }, { 3, 4 } });
        var y = block_diag(block, block);
        Assert.Equal(new long[] { 4, 4 }, y.shape);
        Assert.Equal(new float[] { 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4 }, y.data<float>());
    }

    [Fact]
    public void Eigh_of_a_symmetric_matrix_gives_ascending_values_and_orthonormal_vectors()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new double[,] { { 2, 1 }, { 1, 2 } });
        var (values, vectors) = linalg.eigh(a);
        var v = values.data<double>();
        Assert.Equal(1.0, v[0], 12);
        Assert.Equal(3.0, v[1], 12);
        var reconstructed = (vectors * values).matmul(vectors.t());                     // U Λ Uᵀ = A (columns scaled by λ)
        Assert.True((reconstructed - a).abs().max().ToDouble() < 1e-12);
        var error = Assert.Throws<ArgumentException>(() => linalg.eigh(a, "X"));
        Assert.Contains("UPLO", error.Message);
    }

    [Fact]
    public void Segment_reduce_takes_the_maximum_of_each_run()
    {
        using var scope = NewDisposeScope();
        var data = tensor(new float[] { 1, 5, 3, 2, 4, 0 });
        var y = segment_reduce(data, "max", tensor(new long[] { 2, 1, 3 }));
        Assert.Equal(new float[] { 5, 3, 4 }, y.data<float>());
    }
}
