#!/usr/bin/env python3
"""Device-to-host copy rates on the GPU machine, through PyTorch: into
pageable and into pinned host memory, and a host-to-host copy of the same
size (NumPy, one thread). What bounds trilobite's end-to-end GPU rates
(results copied home) next to its kernel rates. Median of 7 after a warm-up.

    python3 bench/device/link_bandwidth.py [MiB ...]
"""
import statistics
import sys
import time

import numpy as np
import torch


def rate(fn, nbytes, reps=7):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return nbytes / statistics.median(times) / 1e9


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [64, 256, 1024]
    print(f"{'MiB':>6} {'d2h pageable GB/s':>18} {'d2h pinned GB/s':>16} {'h2d pinned GB/s':>16} "
          f"{'host copy GB/s':>15}")
    for mib in sizes:
        n = mib << 20
        dev = torch.randint(0, 255, (n,), dtype=torch.uint8, device="cuda")
        pageable = torch.empty(n, dtype=torch.uint8)
        pinned = torch.empty(n, dtype=torch.uint8, pin_memory=True)
        pageable.fill_(1)
        pinned.fill_(1)
        a = rate(lambda: pageable.copy_(dev), n)
        b = rate(lambda: pinned.copy_(dev, non_blocking=True), n)
        c = rate(lambda: dev.copy_(pinned, non_blocking=True), n)
        src, dst = pinned.numpy(), pageable.numpy()
        d = rate(lambda: np.copyto(dst, src), n)
        print(f"{mib:6d} {a:18.1f} {b:16.1f} {c:16.1f} {d:15.1f}")


if __name__ == "__main__":
    main()
