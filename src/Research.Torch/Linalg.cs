using Research.Torch.Native;

namespace Research.Torch;

public static partial class torch
{
    /// <summary><c>torch.linalg</c>: the decompositions the kit uses.</summary>
    public static class linalg
    {
        /// <summary>Eigenvalues (ascending) and orthonormal eigenvectors (the columns) of a symmetric matrix, read from
        /// its lower triangle (<paramref name="UPLO"/> "L") or upper ("U"), as <c>torch.linalg.eigh</c>.</summary>
        public static (Tensor eigenvalues, Tensor eigenvectors) eigh(Tensor a, string UPLO = "L")
        {
            if (UPLO is not ("L" or "U")) throw new ArgumentException($"linalg.eigh: UPLO must be \"L\" or \"U\", got \"{UPLO}\"", nameof(UPLO));
            var result = aten.linalg_eigh.InvokeMany(a, UPLO);
            return (result[0], result[1]);
        }
    }
}
