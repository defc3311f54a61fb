using Research.Torch;
using Research.Torch.Golden;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Tests;

/// <summary>Every case of tests/golden/torch_ops.py (the table is GoldenOpCases.cs): the same inputs through our binding give
/// PyTorch's outputs, and the gradients of sum(output * upstream) match PyTorch's autograd.</summary>
public sealed class GoldenOpsTests : IClassFixture<GoldenOpsTests.Golden>
{
    public sealed class Golden : IDisposable
    {
        public Dictionary<string, Tensor> Values { get; } = SafeTensors.Load(Repo.Golden("torch_ops.safetensors"));
        public void Dispose() { foreach (var t in Values.Values) t.Dispose(); }
    }

    private readonly Dictionary<string, Tensor> _golden;

    public GoldenOpsTests(Golden golden) => _golden = golden.Values;

    public static TheoryData<string> CaseNames => new(GoldenOpCases.All.Keys);

    [Fact]
    public void EveryGoldenCaseHasATest()
    {
        var inFile = _golden.Keys.Where(k => k.EndsWith(".output")).Select(k => k[..^".output".Length]).ToHashSet();
        Assert.Equal(inFile.OrderBy(k => k), GoldenOpCases.All.Keys.OrderBy(k => k));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void OutputAndGradientsMatchPyTorch(string name)
    {
        using var scope = NewDisposeScope();
        var (output, grads) = GoldenOpCases.Evaluate(_golden, name, Device.CPU);
        var expected = _golden[$"{name}.output"];
        Assert.Equal(expected.shape, output.shape);
        Assert.Equal(expected.dtype, output.dtype);
        Assert.True(output.allclose(expected, rtol: 1e-7, atol: 1e-9), $"{name}: output differs from PyTorch\nours {output}\nPyTorch {expected}");

        if (grads is null) return;
        for (int k = 0; k < grads.Length; k++)
        {
            if (!_golden.TryGetValue($"{name}.grad{k}", out var expectedGrad)) { Assert.Null(grads[k]); continue; }
            Assert.NotNull(grads[k]);
            Assert.True(grads[k]!.allclose(expectedGrad, rtol: 1e-7, atol: 1e-9), $"{name}: gradient of input {k} differs from PyTorch\nours {grads[k]}\nPyTorch {expectedGrad}");
        }
    }

    [Fact]
    public void SeededDrawsMatchPyTorchNumberForNumber()
    {
        using var scope = NewDisposeScope();
        manual_seed(42);
        Assert.True(randn(2, 3).equal(_golden["rng.randn"]));
        Assert.True(rand(4).equal(_golden["rng.rand"]));
        Assert.True(randint(0, 10, [5]).equal(_golden["rng.randint"]));
        Assert.True(F.dropout(ones(8), 0.5, training: true).equal(_golden["rng.dropout"]));
    }

    // A strided parameter takes AdamW's operator-by-operator path instead of the fused kernel; foreach: true
    // takes the multi-tensor path a GPU takes, and foreach: false the operator-by-operator one, on purpose.
    [Theory]
    [InlineData("adamw", false)]
    [InlineData("adamw", true)]
    [InlineData("adamw_foreach", false)]
    [InlineData("adamw_per_op", false)]
    [InlineData("sgd_momentum", false)]
    [InlineData("sgd_nesterov", false)]
    [InlineData("sgd_plain", false)]
    public void OptimizerStepsMatchPyTorch(string name, bool strided)
    {
        using var scope = NewDisposeScope();
        var (A, b) = (_golden["optim.A"], _golden["optim.b"]);
        var p = new Parameter(strided ? zeros([4, 2], float64)[.., 0] : zeros([4], float64));
        Assert.Equal(!strided, p.is_contiguous());
        using optim.Optimizer opt = name switch
        {
            "adamw" => new optim.AdamW([p], lr: 0.1, beta1: 0.8, beta2: 0.95, eps: 1e-6, weight_decay: 0.05),
            "adamw_foreach" => new optim.AdamW([p], lr: 0.1, beta1: 0.8, beta2: 0.95, eps: 1e-6, weight_decay: 0.05, @foreach: true),
            "adamw_per_op" => new optim.AdamW([p], lr: 0.1, beta1: 0.8, beta2: 0.95, eps: 1e-6, weight_decay: 0.05, @foreach: false),
            "sgd_momentum" => new optim.SGD([p], lr: 0.05, momentum: 0.9, weight_decay: 0.01),
            "sgd_nesterov" => new optim.SGD([p], lr: 0.05, momentum: 0.9, nesterov: true),
            _ => new optim.SGD([p], lr: 0.05),
        };
        for (int i = 0; i < 5; i++)
        {
            using var step = NewDisposeScope();
            opt.zero_grad();
            (A.matmul(p) - b).pow(2).sum().backward();
            opt.step();
        }
        var expected = _golden[$"optim.{(name.StartsWith("adamw") ? "adamw" : name)}"];
        Assert.True(p.allclose(expected, rtol: 1e-10, atol: 1e-12), $"{name}: ours {p}, PyTorch {expected}");
    }

    [Fact]
    public void MultiTensorAdamWOverAWholeModel_MatchesTheOperatorByOperatorRule()
    {
        using var scope = NewDisposeScope();
        nn.Module<Tensor, Tensor> Model() => new Modules.Sequential(new Modules.Linear(5, 7), new Modules.GELU(), new Modules.Linear(7, 3));
        using var perOp = Model();
        using var multi = Model();
        // the same start by copy, not by seeding twice: tests running beside this one draw from the same generator
        multi.load_state_dict(perOp.state_dict());
        using var a = new optim.AdamW(perOp.parameters(), lr: 0.01, weight_decay: 0.05, @foreach: false);
        using var b = new optim.AdamW(multi.parameters(), lr: 0.01, weight_decay: 0.05, @foreach: true);
        var x = randn(8, 5);
        for (int i = 0; i < 4; i++)
        {
            using var step = NewDisposeScope();
            foreach (var (model, opt) in new[] { (perOp, (optim.Optimizer)a), (multi, b) })
            {
                opt.zero_grad();
                model.forward(x).pow(2).sum().backward();
                opt.step();
            }
        }
        foreach (var (p, q) in perOp.parameters().Zip(multi.parameters()))
            Assert.True(p.allclose(q, rtol: 1e-5, atol: 1e-7), $"multi-tensor AdamW differs: {p} vs {q}");
    }

    [Fact]
    public void GradientClippingMatchesPyTorch()
    {
        using var scope = NewDisposeScope();
        var p0 = new Parameter(_golden["clip.p0"]);
        var p1 = new Parameter(_golden["clip.p1"]);
        (p0.pow(2).sum() * 3 + p1.sum()).backward();
        double total = nn.utils.clip_grad_norm_([p0, p1], 1.0);
        Assert.Equal(_golden["clip.total"].ToDouble(), total, 6);
        Assert.True(p0.grad!.allclose(_golden["clip.grad0"], rtol: 1e-5));
        Assert.True(p1.grad!.allclose(_golden["clip.grad1"], rtol: 1e-5));
    }
}
