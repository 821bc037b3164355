"""Data-parallel training with PyTorch DDP on CPU (gloo): the sample of a distributed run.

Every rank (process) trains the same small network on its own shard of a generated regression
problem; DistributedDataParallel averages the gradients across ranks at each step, so all ranks hold
the same weights. The ranks find each other through the env:// rendezvous that a PyTorchJob sets up:
MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK (Kubeflow training-operator puts them in every pod).

Each step prints one log line with the rank, and the rank's loss behind the KUBEML_RESULT marker
with split "rank<N>". Run alone it is a world of one:
    MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 WORLD_SIZE=1 RANK=0 python3 ddp_train.py --steps 5
"""
import argparse
import os
import socket
import sys
import time
from datetime import timedelta

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

import kubeml_results as results


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=30, help="optimizer steps")
    p.add_argument("--step-seconds", type=float, default=0.8, help="pause after each step (a run of ~20-30 s)")
    p.add_argument("--samples", type=int, default=2048, help="rows of generated data per rank")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=42, help="seed of the generated problem")
    p.add_argument("--timeout", type=float, default=120, help="seconds to wait for the other ranks (rendezvous)")
    return p.parse_args(argv)


def generated_problem(seed, rank, samples):
    """y = x . w + noise, with the same w on every rank and rows of its own per rank."""
    g = torch.Generator().manual_seed(seed)
    true_w = torch.randn(8, 1, generator=g)
    g_rank = torch.Generator().manual_seed(seed * 1000 + rank + 1)
    x = torch.randn(samples, 8, generator=g_rank)
    y = x @ true_w + 0.1 * torch.randn(samples, 1, generator=g_rank)
    return x, y


def main(argv=None):
    args = parse_args(argv)
    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    master = f"{os.environ.get('MASTER_ADDR', '?')}:{os.environ.get('MASTER_PORT', '?')}"
    torch.set_num_threads(1)
    print(f"[rank {rank}/{world}] host {socket.gethostname()}: joining the gloo group at {master} "
          f"(timeout {args.timeout:g} s, torch {torch.__version__})", flush=True)
    t0 = time.monotonic()
    dist.init_process_group(backend="gloo", init_method="env://", timeout=timedelta(seconds=args.timeout))
    print(f"[rank {rank}/{world}] joined the group of {dist.get_world_size()} in {time.monotonic() - t0:.1f} s", flush=True)

    torch.manual_seed(args.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    model = DistributedDataParallel(torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    x, y = generated_problem(args.seed, rank, args.samples)
    batch = 128
    for step in range(1, args.steps + 1):
        i = (step - 1) * batch % args.samples
        xb, yb = x[i : i + batch], y[i : i + batch]
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        loss.backward()  # gradients are all-reduced across ranks here
        opt.step()
        print(f"[rank {rank}/{world}] step {step}/{args.steps} loss {loss.item():.5f}", flush=True)
        results.metric("loss", loss.item(), step=step, split=f"rank{rank}")
        time.sleep(args.step_seconds)

    # All ranks must hold the same weights: compare each rank's checksum with the group's maximum.
    checksum = torch.tensor([sum(p.detach().double().sum().item() for p in model.parameters())], dtype=torch.float64)
    highest = checksum.clone()
    dist.all_reduce(highest, op=dist.ReduceOp.MAX)
    same = bool(torch.isclose(checksum, highest, rtol=0, atol=1e-9).item())
    results.metric("weights_in_sync", 1.0 if same else 0.0, split=f"rank{rank}")
    print(f"[rank {rank}/{world}] done: weights {'in sync with' if same else 'DIFFER from'} the other ranks", flush=True)
    dist.destroy_process_group()
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
