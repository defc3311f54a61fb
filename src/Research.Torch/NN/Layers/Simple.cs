using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Modules;

/// <summary>Zeroes elements with probability p in training and scales the rest by 1/(1-p); identity in eval.</summary>
public sealed class Dropout(double p = 0.5) : nn.Module<Tensor, Tensor>
{
    public double p { get; } = p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: p must be in [0, 1], got {p}");
    public override Tensor forward(Tensor x) => F.dropout(x, p, training);
    public override string extra_repr() => $"p={ModuleSummary.Py(p)}, inplace=False";
}

/// <summary>GELU, exact ("none") or with the tanh approximation.</summary>
public sealed class GELU(string approximate = "none") : nn.Module<Tensor, Tensor>
{
    public string approximate { get; } = approximate;
    public override Tensor forward(Tensor x) => F.gelu(x, approximate);
    public override string extra_repr() => approximate == "none" ? "" : $"approximate='{approximate}'";
}

public sealed class ReLU : nn.Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor x) => F.relu(x);
}

/// <summary>x · sigmoid(x) (PyTorch's <c>nn.SiLU</c>, the swish).</summary>
public sealed class SiLU : nn.Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor x) => F.silu(x);
}

/// <summary>Returns its input (as a new handle to the same tensor): the slot an optional layer takes when it is off.</summary>
public sealed class Identity : nn.Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor x) => x.alias();
}

/// <summary>Flattens dimensions <c>start_dim..end_dim</c> into one.</summary>
public sealed class Flatten(long start_dim = 1, long end_dim = -1) : nn.Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor x) => x.flatten(start_dim, end_dim);
}

/// <summary>Runs its modules in order; children are named 0, 1, 2 as in PyTorch.</summary>
public sealed class Sequential : nn.Module<Tensor, Tensor>
{
    [nn.Ignore] private readonly List<nn.Module<Tensor, Tensor>> _layers;

    public Sequential(params nn.Module<Tensor, Tensor>[] layers) => _layers = layers.ToList();

    public int Count => _layers.Count;
    public nn.Module<Tensor, Tensor> this[int i] => _layers[i];

    public override IEnumerable<(string name, nn.Module module)> named_children() =>
        _layers.Select((m, i) => (i.ToString(), (nn.Module)m));

    public override Tensor forward(Tensor x)
    {
        // Intermediates are released as soon as the next layer has consumed them, so a deep
        // stack does not hold every activation handle until the caller's scope ends.
        var current = x;
        foreach (var layer in _layers)
        {
            var next = layer.forward(current);
            if (!ReferenceEquals(current, x) && !ReferenceEquals(current, next)) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, x) ? x.alias() : current;
    }
}

/// <summary>A list of modules registered as children 0, 1, 2; <c>forward</c> is the owner's to write.</summary>
public sealed class ModuleList<T> : nn.Module, IEnumerable<T> where T : nn.Module
{
    [nn.Ignore] private readonly List<T> _items;

    public ModuleList(IEnumerable<T> items) => _items = items.ToList();
    public ModuleList(params T[] items) => _items = items.ToList();

    public int Count => _items.Count;
    public T this[int i] => _items[i];
    public void Add(T item) => _items.Add(item);

    public override IEnumerable<(string name, nn.Module module)> named_children() =>
        _items.Select((m, i) => (i.ToString(), (nn.Module)m));

    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Modules by name, registered as children under their keys, in insertion order.</summary>
public sealed class ModuleDict<T> : nn.Module where T : nn.Module
{
    [nn.Ignore] private readonly List<(string Key, T Module)> _items = new();

    public void Add(string key, T module)
    {
        if (_items.Any(i => i.Key == key)) throw new ArgumentException($"ModuleDict: key '{key}' is already present");
        _items.Add((key, module));
    }

    public T this[string key] => _items.First(i => i.Key == key).Module;
    public IEnumerable<string> Keys => _items.Select(i => i.Key);

    public override IEnumerable<(string name, nn.Module module)> named_children() => _items.Select(i => (i.Key, (nn.Module)i.Module));
}
