"""The PyTorch side of `./research bench ddp`: one rank of S2-MLP training over Gloo, through PyTorch's own
DistributedDataParallel, on the same libtorch as the kit (Debian's /usr/bin/python3, PyTorch 1.13).

Each rank trains on its own fixed random batch (forward, backward with DDP's bucketed all-reduce, AdamW);
with one process the model is not wrapped, the baseline the scaling is measured against. Beside the step,
the time of one all-reduce of a tensor as large as all the gradients (what DDP sends per step, timed alone)
gives communication's share of a step. Rank 0 prints one JSON line. The ranks are processes started as
torchrun starts them (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), by the C# benchmark or by hand:
    /usr/bin/python3 -m torch.distributed.run --nproc_per_node 2 bench/ddp.py --batch 64 --steps 5
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from s2mlp import S2Mlp, add_training_arguments


def worker(args):
    torch.set_num_threads(args.threads)
    rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        dist.init_process_group("gloo")
    torch.manual_seed(0)
    model = S2Mlp(patch=args.patch, dim=args.width, depth=args.depth, num_classes=10)
    params = sum(p.numel() for p in model.parameters())
    if world > 1:
        model = DistributedDataParallel(model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    g = torch.Generator().manual_seed(1 + rank)
    x = torch.randn(args.batch, 3, args.image, args.image, generator=g)
    y = torch.randint(0, 10, (args.batch,), generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(args.warmup):
        step()
    if world > 1:
        dist.barrier()
    t = time.perf_counter()
    for _ in range(args.steps):
        step()
    if world > 1:
        dist.barrier()
    seconds = time.perf_counter() - t
    comm = 0.0
    if world > 1:
        flat = torch.zeros(params)
        dist.all_reduce(flat)
        t = time.perf_counter()
        for _ in range(args.comm_repeats):
            dist.all_reduce(flat)
        comm = (time.perf_counter() - t) / args.comm_repeats
        dist.barrier()
    if rank == 0:
        print(json.dumps({"torch": torch.__version__, "world": world, "params": params, "step_s": seconds / args.steps,
                   "images_per_s": world * args.batch * args.steps / seconds, "allreduce_s": comm}))
    # Leave here, with the model alive: in Debian's PyTorch 1.13, destroying DDP's reducer destroys its Gloo
    # group, which joins a Gloo thread that waits for the GIL the destroying thread holds, so a rank that
    # returns can hang for good (seen on rank 1, its TCPStore thread spinning a core). Nothing is left to
    # clean up once the result is printed.
    sys.stdout.flush()
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_training_arguments(ap, threads=1, batch=64)
    ap.add_argument("--comm-repeats", type=int, default=5)
    worker(ap.parse_args())


if __name__ == "__main__":
    main()
