"""The PyTorch side of `./research bench torch`: the same measurements as
bench/Research.Bench/TorchBench.cs, on the same libtorch, printed as one JSON object.

Run by the C# benchmark with Debian's /usr/bin/python3; usable alone:
    /usr/bin/python3 bench/torch_bench.py --threads 2
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F


def timed(fn, calls, repeats):
    """Minimum over `repeats` of the mean seconds per call over `calls` calls (as timeit advises:
    noise only ever adds time; the C# side times the same way)."""
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - t) / calls)
    return min(samples)


def dispatch(calls, repeats):
    a, b = torch.ones(4, 4), torch.ones(4, 4)
    ops = {
        "add": lambda: a.add(b),
        "mul_scalar": lambda: a.mul(2.0),
        "relu": lambda: F.relu(a),
        "matmul_4x4": lambda: a.matmul(b),
        "sum": lambda: a.sum(),
        "view": lambda: a.view(16),
        "cat": lambda: torch.cat([a, b], 0),
    }
    for fn in ops.values():
        timed(fn, calls, 1)
    return {name: timed(fn, calls, repeats) * 1e6 for name, fn in ops.items()}


def mlp_step(batch, steps, repeats):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 1024),
                                torch.nn.ReLU(), torch.nn.Linear(1024, 10))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, foreach=False)
    x, y = torch.randn(batch, 784), torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    return timed(step, steps, repeats) * 1e3


def sgemm(n, calls, repeats):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a.mm(b)
    seconds = timed(lambda: a.mm(b), calls, repeats)
    return 2 * n ** 3 / seconds / 1e9


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    q = args.quick
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "dispatch_us": dispatch(2000 if q else 20000, 3 if q else 7),
        "mlp_step_ms": mlp_step(256, 3 if q else 10, 3 if q else 5),
        "sgemm_gflops": sgemm(1024 if q else 2048, 3 if q else 10, 3 if q else 5),
    }))
