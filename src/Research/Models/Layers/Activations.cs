using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Models.Layers;

/// <summary>The activations a configuration may name, by name, so that a config record stays plain data.</summary>
public static class Activations
{
    /// <summary>The names <see cref="Create"/> knows.</summary>
    public static readonly IReadOnlyList<string> Names = ["gelu", "relu", "silu", "starrelu", "squaredrelu"];

    /// <summary>gelu (exact), relu, silu (x · sigmoid(x)), starrelu (<see cref="StarReLU"/>, learnt scale and bias)
    /// or squaredrelu (<see cref="SquaredReLU"/>).</summary>
    public static nn.Module<Tensor, Tensor> Create(string name) => name switch
    {
        "gelu" => new GELU(),
        "relu" => new ReLU(),
        "silu" => new SiLU(),
        "starrelu" => new StarReLU(),
        "squaredrelu" => new SquaredReLU(),
        _ => throw new ArgumentException($"Unknown activation '{name}': expected one of {string.Join(", ", Names)}"),
    };
}
