"""Times training steps of quark0/darts' own NetworkCIFAR (imported from $REF_DARTS/model.py, not
copied) with the settings of bench/train.bench.ts: DARTS_V2, C=36, 20 cells, auxiliary head 0.4,
drop path 0.2, SGD 0.025 / 0.9 / 3e-4, clip 5, random CIFAR-shaped data; channels-last unless
BENCH_CHANNELS_LAST=0 (the reference's own code is contiguous). Prints one JSON line. Run by the benchmark; needs /usr/bin/python3 with torch (Debian python3-torch).
"""
import json
import os
import resource
import sys
import time
import types

import torch
import torch.nn as nn

# utils.py imports torchvision for its data transforms only; the model does not need it.
for name in ("torchvision", "torchvision.transforms"):
    sys.modules.setdefault(name, types.ModuleType(name))
sys.path.insert(0, os.environ["REF_DARTS"])
import genotypes  # noqa: E402
import model  # noqa: E402
from model import NetworkCIFAR  # noqa: E402


def drop_path_on_input_device(x, drop_prob):
    """The reference's drop path (per-sample Bernoulli keep mask, scaled by 1/keep), on x's device:
    utils.drop_path allocates its mask as torch.cuda.FloatTensor, which fails on a CPU-only torch."""
    if drop_prob > 0.0:
        keep = 1.0 - drop_prob
        mask = torch.empty(x.size(0), 1, 1, 1, device=x.device).bernoulli_(keep)
        x = x.div(keep).mul(mask)
    return x


if not torch.cuda.is_available():
    model.drop_path = drop_path_on_input_device

steps = int(os.environ.get("BENCH_STEPS", "5"))
batch = int(os.environ.get("BENCH_BATCH", "96"))
torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
torch.manual_seed(0)
channels_last = os.environ.get("BENCH_CHANNELS_LAST", "1") != "0"
fmt = torch.channels_last if channels_last else torch.contiguous_format

stdout = sys.stdout
sys.stdout = open(os.devnull, "w")  # model.py prints every cell's channels
net = NetworkCIFAR(36, 10, 20, True, genotypes.DARTS_V2).to(memory_format=fmt)
sys.stdout = stdout
net.train()
net.drop_path_prob = 0.2
opt = torch.optim.SGD(net.parameters(), 0.025, momentum=0.9, weight_decay=3e-4)
criterion = nn.CrossEntropyLoss()
x = torch.randn(batch, 3, 32, 32).contiguous(memory_format=fmt)
y = torch.randint(0, 10, (batch,))
times = []
for s in range(steps + 1):
    t0 = time.perf_counter()
    opt.zero_grad()
    logits, logits_aux = net(x)
    loss = criterion(logits, y) + 0.4 * criterion(logits_aux, y)
    loss.backward()
    nn.utils.clip_grad_norm_(net.parameters(), 5)
    opt.step()
    if s > 0:
        times.append(time.perf_counter() - t0)
times.sort()
median = times[len(times) // 2]
print(json.dumps({"bench": "train-step-reference", "batch": batch, "threads": torch.get_num_threads(), "channels_last": channels_last, "ms_median": round(1000 * median),
                  "images_per_s": round(batch / median, 2), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
