"""The PyTorch side of `Research.Bench gpu`: training throughput of S2-MLP, S2-MLPv2 and MLP-Mixer on one device
(forward + backward + AdamW step on a fixed random batch, float32 or bfloat16 autocast), and the device's matrix-product
peak. The S2-MLP models are bench/s2mlp.py's, imported; the Mixer is written here op for op as
src/Research/Models/Mixer.cs (channels-last patch embedding, pre-norm token and channel MLPs).

With --serve (how the C# side runs it) it builds each model once and then answers one JSON request per stdin line with
one JSON line, so that the two sides can take turns round by round without paying PyTorch's start-up each time.
CUDA timings synchronize before each clock reading: kernels are queued, not done, when a call returns.

Usable alone, with any PyTorch (CUDA 2.x on the GPU machine, Debian's 1.13 here):
    python3 bench/gpu.py --device cuda --batch 256
"""
import argparse
import json
import os
import sys
import time
import traceback

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from s2mlp import Mlp, PatchEmbed, S2Mlp, S2MlpV2  # noqa: E402


# ----- MLP-Mixer, as src/Research/Models/Mixer.cs ------------------------------------------------------------------

class MixerBlock(nn.Module):
    def __init__(self, dim, seq_len, tokens_dim, channels_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp_tokens = Mlp(seq_len, tokens_dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp_channels = Mlp(dim, channels_dim)

    def forward(self, x):                                              # [B, N, C]
        x = x + self.mlp_tokens(self.norm1(x).transpose(1, 2)).transpose(1, 2)   # the token MLP runs along N
        return x + self.mlp_channels(self.norm2(x))


class Mixer(nn.Module):
    def __init__(self, patch, dim, depth, image=32, token_ratio=0.5, channel_ratio=4.0, num_classes=10, in_chans=3):
        super().__init__()
        n = (image // patch) ** 2
        self.stem = PatchEmbed(patch, in_chans, dim)
        self.blocks = nn.ModuleList([MixerBlock(dim, n, int(token_ratio * dim), int(channel_ratio * dim)) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.stem(x).flatten(1, 2)                                 # [B, h, w, C] -> [B, N, C]
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x).mean(1))


def build(spec):
    """A model from the C# side's description of it (GpuBench.cs, Spec.Python)."""
    family = spec["family"]
    if family == "s2mlp":
        return S2Mlp(patch=spec["patch"], dim=spec["width"], depth=spec["depth"], num_classes=10)
    if family == "s2mlpv2":
        return S2MlpV2(patch=spec["patch"], dims=tuple(spec["dims"]), depths=tuple(spec["depths"]), num_classes=10)
    if family == "mixer":
        return Mixer(patch=spec["patch"], dim=spec["width"], depth=spec["depth"], image=spec["image"])
    raise ValueError(f"unknown model family {family!r}")


# ----- timing ------------------------------------------------------------------------------------------------------

def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Training:
    """A model with its AdamW (PyTorch's default implementation for the device) and one fixed batch on the device."""

    def __init__(self, model, batch, image, device):
        self.model, self.batch, self.device = model.to(device).train(), batch, device
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=1e-3, weight_decay=0.05)
        self.x = torch.randn(batch, 3, image, image, device=device)
        self.y = torch.randint(0, 10, (batch,), device=device)

    def step(self, precision):
        self.opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = F.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()

    def images_per_s(self, precision, steps, warmup):
        for _ in range(warmup):
            self.step(precision)
        sync(self.device)
        t = time.perf_counter()
        for _ in range(steps):
            self.step(precision)
        sync(self.device)
        return self.batch * steps / (time.perf_counter() - t)


def matmul_tflops(n, dtype, device, calls, repeats):
    """The best over `repeats` of the mean rate of `calls` n x n products (2 n^3 flops each), as the C# side times it."""
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    for _ in range(3):
        a.mm(b)
    best = 0.0
    for _ in range(repeats):
        sync(device)
        t = time.perf_counter()
        for _ in range(calls):
            a.mm(b)
        sync(device)
        best = max(best, 2 * n ** 3 * calls / (time.perf_counter() - t) / 1e12)
    return best


DTYPES = {"bf16": torch.bfloat16, "fp32": torch.float32}


def device_info(device):
    info = {"torch": torch.__version__, "device": str(device), "cuda": torch.version.cuda, "threads": torch.get_num_threads()}
    if device.type == "cuda":
        info["device_name"] = torch.cuda.get_device_name(device)
        info["cudnn_allow_tf32"] = torch.backends.cudnn.allow_tf32
        info["matmul_allow_tf32"] = torch.backends.cuda.matmul.allow_tf32
    return info


def serve(device):
    """One JSON request per line in, one JSON reply per line out; a failed request replies {"error": ...}."""
    trainings = {}
    print(json.dumps({"ready": True, **device_info(device)}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        op = request["op"]
        if op == "quit":
            break
        try:
            if op == "build":
                torch.manual_seed(0)
                model = build(request["spec"])
                trainings[request["key"]] = Training(model, request["batch"], request["spec"]["image"], device)
                reply = {"params": sum(p.numel() for p in model.parameters())}
            elif op == "train":
                reply = {"images_per_s": trainings[request["key"]].images_per_s(request["precision"], request["steps"], request["warmup"])}
            elif op == "matmul":
                reply = {"tflops": matmul_tflops(request["n"], DTYPES[request["precision"]], device, request["calls"], request["repeats"])}
            else:
                raise ValueError(f"unknown request {op!r}")
        except Exception as e:  # the C# side reports it and stops; the traceback says where
            reply = {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
        print(json.dumps(reply), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"CUDA is not available to this PyTorch ({torch.__version__})")
    if a.serve:
        serve(device)
        os._exit(0)   # past CUDA's teardown, which can take seconds and has nothing left to do
    specs = {
        "s2mlp": {"family": "s2mlp", "patch": 4, "width": 256, "depth": 8, "image": 32},
        "s2mlpv2": {"family": "s2mlpv2", "patch": 2, "dims": [128, 256], "depths": [2, 6], "image": 32},
        "mixer": {"family": "mixer", "patch": 4, "width": 256, "depth": 8, "image": 32},
    }
    rows = {}
    for name, spec in specs.items():
        torch.manual_seed(0)
        training = Training(build(spec), a.batch, spec["image"], device)
        rows[name] = {}
        for p in ("fp32", "bf16"):
            try:
                rows[name][p] = training.images_per_s(p, a.steps, a.warmup)
            except RuntimeError as e:  # PyTorch 1.13's CPU autocast cannot run LayerNorm in bf16
                rows[name][p] = f"not run: {e}"
    print(json.dumps({**device_info(device), "batch": a.batch, "images_per_s": rows,
                      "bf16_matmul_tflops": matmul_tflops(8192 if device.type == "cuda" else 1024, torch.bfloat16, device, 10, 3)}))


if __name__ == "__main__":
    main()
