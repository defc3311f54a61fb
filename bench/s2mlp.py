"""S2-MLP and S2-MLPv2 in PyTorch: the same models as src/Research/Models/S2Mlp.cs and S2MlpV2.cs (same
layers, same order of operations, same state-dict keys), and the PyTorch side of `./research bench s2mlp`.

Tokens are channels-last [B, H, W, C]. The shift is either S2-MLP's Algorithm 1 (clone, then copy
shifted slices: "slicing", what public PyTorch ports of S2-MLP do) or the kit's default (split into
direction groups, index_select of clamped rows/columns, cat: "index_select").

Run by the C# benchmark with Debian's /usr/bin/python3 (PyTorch 1.13, the libtorch the kit binds);
usable alone:
    /usr/bin/python3 bench/s2mlp.py --model v1 --threads 2 --batch 128 --steps 5
tests/golden/s2mlp.py imports the models from here.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# ----- shift patterns: (dy, dx) per group, content moves down / right for +1 ---------------------------

RIGHT, LEFT, DOWN, UP, STAY = (0, 1), (0, -1), (1, 0), (-1, 0), (0, 0)
SHIFT1 = [RIGHT, LEFT, DOWN, UP]          # S2-MLP Alg. 1 / S2-MLPv2 shift-1
EIGHT = SHIFT1 + [(1, 1), (1, -1), (-1, 1), (-1, -1)]   # S2-MLP Table 7 (b): then the diagonals
SHIFT2 = [DOWN, UP, RIGHT, LEFT]          # S2-MLPv2 shift-2
IDENTITY = []


def concat(*parts):
    """One pattern over equal-width parts side by side (as ShiftPattern.Concat)."""
    groups = 1
    for p in parts:
        g = max(1, len(p))
        groups = groups * g // __import__("math").gcd(groups, g)
    out = []
    for p in parts:
        if not p:
            out += [STAY] * groups
        else:
            for d in p:
                out += [d] * (groups // len(p))
    return out


def runs(pattern, channels):
    """Consecutive channel runs sharing a direction: [(length, (dy, dx))]."""
    if not pattern:
        return [(channels, STAY)]
    size = channels // len(pattern)
    result = []
    for d in pattern:
        if result and result[-1][1] == d:
            result[-1] = (result[-1][0] + size, d)
        else:
            result.append((size, d))
    return result


class SpatialShift(nn.Module):
    """out[b, y, x, c] = in[b, clamp(y - dy), clamp(x - dx), c] on [B, H, W, C]."""

    def __init__(self, pattern, impl="index_select"):
        super().__init__()
        self.pattern, self.impl = pattern, impl
        self._index = {}

    def _idx(self, n, k, device):
        key = (n, k, device)
        if key not in self._index:
            self._index[key] = (torch.arange(n, device=device) - k).clamp(0, n - 1)
        return self._index[key]

    def forward(self, x):
        if all(d == STAY for d in self.pattern):
            return x
        c = x.shape[3]
        r = runs(self.pattern, c)
        if self.impl == "slicing":
            return self._slicing(x, r)
        h, w = x.shape[1], x.shape[2]
        parts = x.split([n for n, _ in r], 3)
        out = []
        for part, (_, (dy, dx)) in zip(parts, r):
            if dy:
                part = part.index_select(1, self._idx(h, dy, x.device))
            if dx:
                part = part.index_select(2, self._idx(w, dx, x.device))
            out.append(part)
        return torch.cat(out, 3)

    @staticmethod
    def _slicing(x, r):
        out = x.clone()
        start = 0
        for n, (dy, dx) in r:
            s = slice(start, start + n)
            start += n
            if dy == 1:
                out[:, 1:, :, s] = x[:, :-1, :, s]
            elif dy == -1:
                out[:, :-1, :, s] = x[:, 1:, :, s]
            src = out[:, :, :, s].clone() if dy else x[:, :, :, s]
            if dx == 1:
                out[:, :, 1:, s] = src[:, :, :-1]
            elif dx == -1:
                out[:, :, :-1, s] = src[:, :, 1:]
        return out


# ----- shared layers ------------------------------------------------------------------------------

class Mlp(nn.Module):
    def __init__(self, dim, hidden, out=None):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, out or dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Affine(nn.Module):
    def __init__(self, dim, init_alpha=1.0):
        super().__init__()
        self.alpha = nn.Parameter(torch.full((1, 1, dim), init_alpha))
        self.beta = nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x):
        return torch.addcmul(self.beta, self.alpha, x)


class PatchEmbed(nn.Module):
    def __init__(self, patch, in_chans, dim, norm=None):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, patch, stride=patch)
        self.norm = norm or nn.Identity()

    def forward(self, x):
        return self.norm(self.proj(x).permute(0, 2, 3, 1).contiguous())   # [B, D, h, w] -> [B, h, w, D]


class Downsample(nn.Module):
    def __init__(self, dim, out, patch=2):
        super().__init__()
        self.proj = nn.Conv2d(dim, out, patch, stride=patch)

    def forward(self, x):
        return self.proj(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1).contiguous()


class SplitAttention(nn.Module):
    def __init__(self, dim, k=3, ratio=0.25):
        super().__init__()
        self.dim, self.k = dim, k
        self.mlp = Mlp(dim, max(1, int(dim * ratio)), dim * k)

    def forward(self, x):                                   # [B, H, W, K, C]
        b = x.shape[0]
        a = x.mean((1, 2)).sum(1)                           # [B, C]
        w = self.mlp(a).reshape(b, self.dim, self.k).softmax(2).permute(0, 2, 1).reshape(b, 1, 1, self.k, self.dim)
        return (x * w).sum(3)


class MeanFusion(nn.Module):
    def forward(self, x):
        return x.mean(3)


def init_linear(model):
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)


# ----- S2-MLP -------------------------------------------------------------------------------------

class SpatialShiftMlp(nn.Module):
    def __init__(self, dim, pattern, impl):
        super().__init__()
        self.fc1 = nn.Linear(dim, dim)
        self.act = nn.GELU()
        self.shift = SpatialShift(pattern, impl)
        self.fc2 = nn.Linear(dim, dim)

    def forward(self, x):
        return self.fc2(self.shift(self.act(self.fc1(x))))


class S2MlpBlock(nn.Module):
    def __init__(self, dim, hidden, pattern, norm, impl):
        super().__init__()
        self.spatial_mlp = SpatialShiftMlp(dim, pattern, impl)
        self.norm1 = norm(dim)
        self.channel_mlp = Mlp(dim, hidden)
        self.norm2 = norm(dim)

    def forward(self, x):
        x = x + self.norm1(self.spatial_mlp(x))
        return x + self.norm2(self.channel_mlp(x))


class S2Mlp(nn.Module):
    def __init__(self, patch=16, dim=768, depth=12, mlp_ratio=4, norm="layernorm", affine_init=None,
                 pattern=SHIFT1, impl="index_select", num_classes=1000, in_chans=3):
        super().__init__()
        if norm == "layernorm":
            branch, stem_norm = (lambda d: nn.LayerNorm(d)), nn.LayerNorm(dim)
        else:
            a = affine_init if affine_init is not None else (0.1 if depth <= 12 else 1e-5 if depth <= 24 else 1e-6)
            branch, stem_norm = (lambda d: Affine(d, a)), Affine(dim)
        self.stem = PatchEmbed(patch, in_chans, dim, stem_norm)
        self.blocks = nn.ModuleList([S2MlpBlock(dim, int(dim * mlp_ratio), pattern, branch, impl) for _ in range(depth)])
        self.head = nn.Linear(dim, num_classes)
        init_linear(self)

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x.mean((1, 2)))


# ----- S2-MLPv2 -----------------------------------------------------------------------------------

class S2MlpV2Mixer(nn.Module):
    def __init__(self, dim, branches, fusion, impl):
        super().__init__()
        self.dim, self.k = dim, len(branches)
        self.mlp1 = nn.Linear(dim, dim * self.k)
        self.shift = SpatialShift(concat(*branches), impl)
        self.fuse = SplitAttention(dim, self.k) if fusion == "split_attention" else MeanFusion()
        self.mlp2 = nn.Linear(dim, dim)

    def forward(self, x):
        b, h, w, _ = x.shape
        return self.mlp2(self.fuse(self.shift(self.mlp1(x)).view(b, h, w, self.k, self.dim)))


class S2MlpV2Block(nn.Module):
    def __init__(self, dim, mlp_ratio, branches, fusion, impl):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.mixer = S2MlpV2Mixer(dim, branches, fusion, impl)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.mixer(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class S2MlpV2Stage(nn.Module):
    def __init__(self, downsample, blocks):
        super().__init__()
        self.downsample = downsample
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x):
        x = self.downsample(x)
        for block in self.blocks:
            x = block(x)
        return x


class S2MlpV2(nn.Module):
    def __init__(self, patch=7, dims=(192, 384), depths=(4, 14), mlp_ratio=3, fusion="split_attention",
                 branches=(SHIFT1, SHIFT2, IDENTITY), impl="index_select", num_classes=1000, in_chans=3):
        super().__init__()
        self.stem = PatchEmbed(patch, in_chans, dims[0])
        self.stages = nn.ModuleList([
            S2MlpV2Stage(nn.Identity() if i == 0 else Downsample(dims[i - 1], dims[i]),
                         [S2MlpV2Block(dims[i], mlp_ratio, branches, fusion, impl) for _ in range(depths[i])])
            for i in range(len(dims))])
        self.norm = nn.LayerNorm(dims[-1])
        self.head = nn.Linear(dims[-1], num_classes)
        init_linear(self)

    def forward(self, x):
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return self.head(self.norm(x).mean((1, 2)))


# ----- the benchmark ------------------------------------------------------------------------------

def build(model, impl, width, depth, patch, num_classes):
    if model == "v1":
        return S2Mlp(patch=patch, dim=width, depth=depth, impl=impl, num_classes=num_classes)
    # the pyramid: half the width for the first quarter of the blocks at 2x the tokens, then a 2x2 merge
    first = max(1, depth // 4)
    return S2MlpV2(patch=patch, dims=(width // 2, width), depths=(first, depth - first), impl=impl, num_classes=num_classes)


def train_throughput(model, batch, image, steps, warmup, repeats):
    """Images per second of forward + backward + AdamW step on a fixed random batch."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    x = torch.randn(batch, 3, image, image)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(warmup):
        step()
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(steps):
            step()
        samples.append(batch * steps / (time.perf_counter() - t))
    return statistics.median(samples)


def add_training_arguments(ap, threads, batch):
    """The options of a fixed-batch training benchmark, shared with bench/ddp.py."""
    ap.add_argument("--threads", type=int, default=threads)
    ap.add_argument("--batch", type=int, default=batch)
    ap.add_argument("--image", type=int, default=32)
    ap.add_argument("--patch", type=int, default=4)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["v1", "v2"], default="v1")
    ap.add_argument("--shift", choices=["index_select", "slicing"], default="index_select")
    add_training_arguments(ap, threads=torch.get_num_threads(), batch=128)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = build(a.model, a.shift, a.width, a.depth, a.patch, 10)
    ips = train_throughput(model, a.batch, a.image, a.steps, a.warmup, a.repeats)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "model": a.model, "shift": a.shift,
                      "params": sum(p.numel() for p in model.parameters()), "images_per_s": ips}))


if __name__ == "__main__":
    main()
