#!/usr/bin/env python3
"""PyTorch single-thread anchor for `npm run bench -- compute`: training samples/s of the same presets.

Usage: compute_torch.py --presets mlp,mnist-small-cnn --batch 64 --seconds 3
Prints one JSON object: {"torch": version, "threads": 1, "blas": {"library": path, "threads": n}, "results": {...}}.
compute_torch.py --serve: prints that object without results, then answers each stdin line {"preset", "batch",
"seconds"} with one line {"preset", "samplesPerSec"}, so the bench can alternate torch and ours preset by preset.
Run it with OPENBLAS_NUM_THREADS=1 (the bench does): Debian's torch reaches OpenBLAS through libblas.so.3, and
torch.set_num_threads(1) does not bind OpenBLAS's own threads.
Architectures mirror core's presetSpec (models area): BN before ReLU, no conv bias under BN, dropout as there.
"""
import argparse
import ctypes
import json
import os
import sys
import time

import torch
import torch.nn as nn

INPUTS = {"mlp": (1, 28, 28), "mnist-small-cnn": (1, 28, 28), "seed-convnet": (3, 32, 32)}


def conv_block(cin, filters, convs, dropout_conv):
    layers = []
    for _ in range(convs):
        layers += [nn.Conv2d(cin, filters, 3, padding=1, bias=False), nn.BatchNorm2d(filters), nn.ReLU()]
        cin = filters
    layers.append(nn.MaxPool2d(2))
    if dropout_conv > 0:
        layers.append(nn.Dropout2d(dropout_conv))
    return layers, cin


def build(name, num_classes=10):
    c, h, w = INPUTS[name]
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, 256), nn.ReLU(), nn.Dropout(0.2),
                             nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, num_classes))
    if name == "mnist-small-cnn":
        b1, c1 = conv_block(c, 16, 1, 0)
        b2, c2 = conv_block(c1, 32, 1, 0)
        flat = c2 * (h // 4) * (w // 4)
        return nn.Sequential(*b1, *b2, nn.Flatten(), nn.Linear(flat, 128), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(128, num_classes))
    if name == "seed-convnet":
        b1, c1 = conv_block(c, 32, 2, 0.05)
        b2, c2 = conv_block(c1, 64, 3, 0.05)
        b3, c3 = conv_block(c2, 128, 3, 0.05)
        flat = c3 * (h // 8) * (w // 8)
        return nn.Sequential(*b1, *b2, *b3, nn.Flatten(), nn.Linear(flat, 512, bias=False), nn.BatchNorm1d(512),
                             nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, num_classes))
    raise ValueError(f"unknown preset {name!r}")


def samples_per_second(name, batch, seconds):
    torch.manual_seed(0)
    model = build(name)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, *INPUTS[name])
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    steps, start = 0, time.perf_counter()
    while steps < 5 or time.perf_counter() - start < seconds:
        step()
        steps += 1
    return batch * steps / (time.perf_counter() - start)


def blas_in_use():
    """The BLAS library this process actually loaded (from /proc/self/maps) and, for OpenBLAS, its thread count."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1] and line.split()[-1].startswith("/")})
    real = sorted({os.path.realpath(p) for p in paths})
    library = next((p for p in real if "openblas" in p), real[0] if real else "none found")
    threads = None
    if "openblas" in library:
        try:
            threads = ctypes.CDLL(library).openblas_get_num_threads()
        except (OSError, AttributeError):
            pass
    return {"library": library, "threads": threads}


def serve():
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_in_use()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        ask = json.loads(line)
        rate = samples_per_second(ask["preset"], int(ask["batch"]), float(ask["seconds"]))
        print(json.dumps({"preset": ask["preset"], "samplesPerSec": rate}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--presets", default="mlp,mnist-small-cnn,seed-convnet")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--serve", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.serve:
        serve()
        return
    results = {name: samples_per_second(name, a.batch, a.seconds) for name in a.presets.split(",")}
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_in_use(), "results": results}))


if __name__ == "__main__":
    main()
