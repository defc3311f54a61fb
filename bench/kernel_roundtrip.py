#!/usr/bin/python3
"""Kernel benchmark: startup-to-ready and the round trip of a trivial cell.

Startup: from launching the kernel process to its kernel_info_reply (jupyter_client's
wait_for_ready). Round trip: from sending an execute_request for a one-line cell to
receiving the kernel's idle status for it on iopub, after warm-up cells.

Run with Debian's Python: /usr/bin/python3 bench/kernel_roundtrip.py [--cells N] [--json PATH]
"""
import argparse
import json
import statistics
import sys
import time

from jupyter_client.manager import KernelManager

KERNEL = "research-csharp"


def wait_idle(kc, msg_id, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            return


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=200, help="measured cells (default 200)")
    parser.add_argument("--warmup", type=int, default=30, help="cells run before measuring (default 30)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    km = KernelManager(kernel_name=KERNEL)
    start = time.monotonic()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=30)
        ready = time.monotonic() - start

        times = []
        for i in range(args.warmup + args.cells):
            sent = time.monotonic()
            msg_id = kc.execute(f"{i} + 1", store_history=True)
            wait_idle(kc, msg_id)
            elapsed = time.monotonic() - sent
            kc.get_shell_msg(timeout=30)
            if i >= args.warmup:
                times.append(elapsed * 1000)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)

    times.sort()
    result = {
        "startup_to_ready_s": round(ready, 3),
        "roundtrip_median_ms": round(statistics.median(times), 2),
        "roundtrip_p90_ms": round(times[int(0.9 * (len(times) - 1))], 2),
        "roundtrip_min_ms": round(times[0], 2),
        "cells": len(times),
        "warmup_cells": args.warmup,
    }
    print(f"kernel ready after start: {result['startup_to_ready_s']:.2f} s (target < 3 s)")
    print(f"trivial cell round trip (execute_request -> idle), {len(times)} cells after {args.warmup} warm-up: "
          f"median {result['roundtrip_median_ms']:.1f} ms, p90 {result['roundtrip_p90_ms']:.1f} ms, "
          f"min {result['roundtrip_min_ms']:.1f} ms (target median < 20 ms)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    ok = result["startup_to_ready_s"] < 3 and result["roundtrip_median_ms"] < 20
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
