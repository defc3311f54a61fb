"""Golden values for the tensor layer's tests: each case's inputs, output, and the
gradients of sum(output * upstream) with respect to every floating input, computed
by PyTorch on the same libtorch the kit binds.

Regenerate (from the repository root) with Debian's PyTorch:
    /usr/bin/python3 tests/golden/torch_ops.py
It rewrites tests/golden/torch_ops.safetensors. Each case name below must match a
case in tests/Research.Torch.Tests/Tensors/GoldenOpCases.cs.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

torch.manual_seed(1234)
g = torch.Generator().manual_seed(1234)


def r(*shape, dtype=torch.float64):
    return torch.randn(tuple(shape), generator=g, dtype=dtype)


CASES = {}


def case(name, fn, inputs):
    CASES[name] = (fn, inputs)


x4 = lambda: r(2, 3, 6, 6)
case("linear", lambda x, w, b: F.linear(x, w, b), [r(4, 5), r(3, 5), r(3)])
case("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [x4(), r(4, 3, 3, 3), r(4)])
case("conv2d_dilated", lambda x, w: F.conv2d(x, w, None, padding=2, dilation=2), [x4(), r(2, 3, 3, 3)])
case("conv2d_depthwise", lambda x, w: F.conv2d(x, w, None, padding=1, groups=3), [x4(), r(3, 1, 3, 3)])
case("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 1, 1), [x4()])
case("avg_pool2d_no_pad_count", lambda x: F.avg_pool2d(x, 3, 1, 1, count_include_pad=False), [x4()])
case("max_pool2d", lambda x: F.max_pool2d(x, 2), [x4()])
case("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, 1), [x4()])
case("layer_norm", lambda x, w, b: F.layer_norm(x, [5], w, b, 1e-6), [r(3, 4, 5), r(5), r(5)])
case("group_norm", lambda x, w, b: F.group_norm(x, 1, w, b, 1e-5), [x4(), r(3), r(3)])
case("group_norm3", lambda x, w, b: F.group_norm(x, 3, w, b, 1e-5), [x4(), r(3), r(3)])
case("batch_norm_train", lambda x, w, b: F.batch_norm(x, torch.zeros(3, dtype=x.dtype), torch.ones(3, dtype=x.dtype), w, b, True, 0.1, 1e-5), [x4(), r(3), r(3)])
case("gelu", lambda x: F.gelu(x), [r(20)])
case("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), [r(20)])
case("relu", lambda x: F.relu(x), [r(20)])
case("silu", lambda x: F.silu(x), [r(20)])
case("sigmoid", lambda x: torch.sigmoid(x), [r(20)])
case("tanh", lambda x: torch.tanh(x), [r(20)])
case("softmax", lambda x: F.softmax(x, -1), [r(3, 7)])
case("log_softmax", lambda x: F.log_softmax(x, 1), [r(3, 7)])
labels = torch.tensor([1, 0, 6], dtype=torch.int64)
case("cross_entropy", lambda x: F.cross_entropy(x, labels), [r(3, 7)])
case("cross_entropy_smoothing", lambda x: F.cross_entropy(x, labels, label_smoothing=0.1), [r(3, 7)])
case("nll_loss", lambda x: F.nll_loss(F.log_softmax(x, 1), labels), [r(3, 7)])
case("kl_div_log_target", lambda x, t: F.kl_div(x, t, reduction="batchmean", log_target=True), [F.log_softmax(r(3, 7), 1), F.log_softmax(r(3, 7), 1)])
case("kl_div", lambda x, t: F.kl_div(x, t, reduction="sum"), [F.log_softmax(r(3, 7), 1), F.softmax(r(3, 7), 1)])
case("mse_loss", lambda x, t: F.mse_loss(x, t), [r(3, 4), r(3, 4)])
case("interpolate_nearest", lambda x: F.interpolate(x, size=[9, 9], mode="nearest"), [x4()])
case("interpolate_bilinear", lambda x: F.interpolate(x, size=[9, 4], mode="bilinear", align_corners=False), [x4()])
case("interpolate_bicubic", lambda x: F.interpolate(x, size=[10, 10], mode="bicubic", align_corners=False), [x4()])
case("interpolate_bicubic_corners", lambda x: F.interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=True), [x4()])
case("grid_sample", lambda x, grid: F.grid_sample(x, grid, align_corners=False), [x4(), torch.tanh(r(2, 4, 5, 2))])
case("grid_sample_border", lambda x, grid: F.grid_sample(x, grid, padding_mode="border", align_corners=True), [x4(), 1.3 * torch.tanh(r(2, 4, 5, 2))])
case("pad_replicate", lambda x: F.pad(x, [1, 2, 0, 1], mode="replicate"), [x4()])
case("pad_reflect", lambda x: F.pad(x, [1, 1, 2, 2], mode="reflect"), [x4()])
case("pad_constant", lambda x: F.pad(x, [1, 1, 1, 1], value=0.5), [x4()])
case("unfold", lambda x: F.unfold(x, 3, padding=1, stride=2), [x4()])
case("roll", lambda x: torch.roll(x, shifts=[1, -2], dims=[2, 3]), [x4()])
case("flip", lambda x: torch.flip(x, [1, 3]), [x4()])
case("matmul", lambda a, b: a @ b, [r(2, 3, 4), r(4, 5)])
case("bmm", lambda a, b: torch.bmm(a, b), [r(2, 3, 4), r(2, 4, 5)])
case("einsum", lambda a, b: torch.einsum("bhn,hnm->bhm", a, b), [r(2, 3, 4), r(3, 4, 5)])
case("logsumexp", lambda x: torch.logsumexp(x, 1), [r(3, 7)])
case("var", lambda x: x.var(dim=1), [r(3, 7)])
case("std_biased", lambda x: x.std(dim=[0], unbiased=False, keepdim=True), [r(3, 7)])
case("mean_dims", lambda x: x.mean(dim=[2, 3], keepdim=True), [x4()])
case("max_dim", lambda x: x.max(dim=1).values, [r(3, 7)])
case("pow_exp_log", lambda x: (x.abs() + 0.5).log().exp().pow(1.5).sqrt(), [r(10)])
case("clamp", lambda x: x.clamp(-0.5, 0.7), [r(20)])
index = torch.tensor([[0, 2, 1], [1, 1, 0]], dtype=torch.int64)
case("gather", lambda x: x.gather(1, index), [r(2, 3)])
case("index_add", lambda x, s: x.index_add(0, torch.tensor([0, 2, 0]), s), [r(4, 3), r(3, 3)])
case("index_select", lambda x: x.index_select(1, torch.tensor([2, 0, 2])), [r(3, 4)])
case("scatter_add", lambda x, s: x.scatter_add(1, index, s), [r(2, 3), r(2, 3)])
mask = torch.tensor([[True, False, True], [False, False, True]])
case("masked_fill", lambda x: x.masked_fill(mask, -1.0), [r(2, 3)])
case("where", lambda a, b: torch.where(mask, a, b), [r(2, 3), r(2, 3)])
case("cumsum", lambda x: x.cumsum(1), [r(2, 5)])
case("slicing", lambda x: x[:, 1:, ::2, 1:-1], [x4()])
case("cat_stack", lambda a, b: torch.stack([torch.cat([a, b], 1), torch.cat([b, a], 1)]), [r(2, 3), r(2, 3)])
case("permute_reshape", lambda x: x.permute(0, 2, 3, 1).reshape(2, 36, 3).transpose(1, 2).flatten(1), [x4()])
case("expand_repeat", lambda x: x.unsqueeze(0).expand(3, 2, 4).repeat(1, 2, 1), [r(2, 4)])
sp_i = torch.tensor([[0, 1, 2, 2], [1, 0, 2, 0]])
case("sparse_mm", lambda v, d: torch.sparse.mm(torch.sparse_coo_tensor(sp_i, v, (3, 3)), d), [r(4), r(3, 2)])
case("dropout_eval", lambda x: F.dropout(x, 0.5, training=False), [r(10)])
case("one_hot", lambda: F.one_hot(torch.tensor([0, 2, 1]), 4), [])
case("argmax", lambda x: x.argmax(1), [r(3, 7)])

out = {}
for name, (fn, inputs) in CASES.items():
    inputs = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    y = fn(*inputs)
    out[f"{name}.output"] = y.detach()
    for k, t in enumerate(inputs):
        out[f"{name}.input{k}"] = t.detach()
    if y.is_floating_point() and any(t.requires_grad for t in inputs):
        up = r(*y.shape)
        out[f"{name}.upstream"] = up
        grads = torch.autograd.grad((y * up).sum(), [t for t in inputs if t.requires_grad], allow_unused=True)
        for k, gr in enumerate(grads):
            if gr is not None:
                out[f"{name}.grad{k}"] = gr

# Same libtorch, same CPU generator: seeded draws must match number for number.
torch.manual_seed(42)
out["rng.randn"] = torch.randn(2, 3)
out["rng.rand"] = torch.rand(4)
out["rng.randint"] = torch.randint(0, 10, (5,))
out["rng.dropout"] = F.dropout(torch.ones(8), 0.5, training=True)

# Optimizers: 5 steps on a fixed least-squares problem.
A, b = r(6, 4), r(6)
for name, make in {
    "adamw": lambda p: torch.optim.AdamW([p], lr=0.1, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05),
    "sgd_momentum": lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9, nesterov=True),
    "sgd_plain": lambda p: torch.optim.SGD([p], lr=0.05),
}.items():
    p = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    opt = make(p)
    for _ in range(5):
        opt.zero_grad()
        ((A @ p - b) ** 2).sum().backward()
        opt.step()
    out[f"optim.{name}"] = p.detach()
out["optim.A"], out["optim.b"] = A, b

# Gradient clipping by global norm.
p1, p2 = r(3, 4).requires_grad_(), r(5).requires_grad_()
((p1 ** 2).sum() * 3 + p2.sum()).backward()
total = torch.nn.utils.clip_grad_norm_([p1, p2], 1.0)
out["clip.grad0"], out["clip.grad1"], out["clip.total"] = p1.grad, p2.grad, total.reshape(1)
out["clip.p0"], out["clip.p1"] = p1.detach(), p2.detach()

safetensors_io.save(os.path.join(os.path.dirname(__file__), "torch_ops.safetensors"), out,
                    {"torch": torch.__version__, "script": "tests/golden/torch_ops.py"})
print(f"wrote {len(out)} tensors for {len(CASES)} cases")
