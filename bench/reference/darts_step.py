"""One DARTS search step (architecture step + weight step) with the original code, for side-by-side
figures in bench/search-step.bench.ts.

The reference is imported, never copied: REF_DARTS names a checkout of quark0/darts' cnn/ folder.
It was written for PyTorch 0.3 on CUDA; the shims below make it run on CPU with PyTorch 1.13 without
touching its files. The step is train_search.py's: architect.step(...) then an SGD weight step with
gradient clipping, at its default hyperparameters, on random CIFAR-shaped data.

Prints one JSON line: {"bench": "reference-search-step", "order", "channels_last", "ms_median",
"peak_rss_mb", ...}. The first step warms allocators and is not counted, as in our bench.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time
import types

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument('--order', type=int, choices=[1, 2], default=1)
parser.add_argument('--channels-last', action='store_true')
parser.add_argument('--batch', type=int, default=64)
parser.add_argument('--layers', type=int, default=8)
parser.add_argument('--init-channels', type=int, default=16)
parser.add_argument('--steps', type=int, default=3)
parser.add_argument('--threads', type=int, default=2)
parser.add_argument('--seed', type=int, default=0)
parser.add_argument('--device', default='cpu', help='cpu, or cuda: the reference then runs where it was written for')
args = parser.parse_args()

ref = os.environ.get('REF_DARTS')
if not ref or not os.path.exists(os.path.join(ref, 'model_search.py')):
  sys.exit(f'REF_DARTS must name the cnn/ folder of a quark0/darts checkout (got {ref!r})')
sys.path.insert(0, ref)

# --- PyTorch 0.3 / CUDA shims -------------------------------------------------------------------
# The reference moves every model and the architecture parameters to CUDA with .cuda(); on CPU
# those calls become the identity (on CUDA they stay).
on_cuda = args.device.startswith('cuda')
if not on_cuda:
  torch.Tensor.cuda = lambda self, *a, **k: self
  nn.Module.cuda = lambda self, *a, **k: self
# Its deprecated positional-alpha calls (theta.sub(eta, v), p.data.add_(R, v) with R a 0-dim tensor)
# still work in 1.13 but warn on every call; a 0-dim tensor as alpha is rejected in later versions,
# so convert it to a Python number where it appears.
_add_ = torch.Tensor.add_
_sub_ = torch.Tensor.sub_
_sub = torch.Tensor.sub


def _alpha_first(orig):
  # In 1.13, alpha is keyword-only: two positional arguments can only be the old (alpha, other).
  def call(self, *a, **k):
    if len(a) == 2 and isinstance(a[1], torch.Tensor) and not k:
      alpha = a[0].item() if isinstance(a[0], torch.Tensor) else a[0]
      return orig(self, a[1], alpha=alpha)
    return orig(self, *a, **k)
  return call


torch.Tensor.add_ = _alpha_first(_add_)
torch.Tensor.sub_ = _alpha_first(_sub_)
torch.Tensor.sub = _alpha_first(_sub)

import architect as architect_module  # noqa: E402  (after the shims: the reference calls .cuda() at construction)
import model_search  # noqa: E402
from architect import Architect  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
memory_format = torch.channels_last if args.channels_last else torch.contiguous_format

if args.channels_last:
  # The reference flattens parameters with x.view(-1), which a channels-last weight refuses;
  # reshape gives the same (logical-order) vector, which is what _construct_model_from_theta expects.
  architect_module._concat = lambda xs: torch.cat([x.reshape(-1) for x in xs])
  # The unrolled model of the second-order step is built by Network.new(); keep it channels-last too.
  _new = model_search.Network.new
  model_search.Network.new = lambda self: _new(self).to(memory_format=torch.channels_last)

criterion = nn.CrossEntropyLoss()
model = model_search.Network(args.init_channels, 10, args.layers, criterion).to(args.device).to(memory_format=memory_format)
model.train()
hp = types.SimpleNamespace(momentum=0.9, weight_decay=3e-4, arch_learning_rate=3e-4, arch_weight_decay=1e-3)
lr, grad_clip = 0.025, 5.0
optimizer = torch.optim.SGD(model.parameters(), lr, momentum=hp.momentum, weight_decay=hp.weight_decay)
architect = Architect(model, hp)


def batch():
  x = torch.randn(args.batch, 3, 32, 32).contiguous(memory_format=memory_format).to(args.device)
  return x, torch.randint(0, 10, (args.batch,)).to(args.device)


(x_train, y_train), (x_valid, y_valid) = batch(), batch()


def step():
  architect.step(x_train, y_train, x_valid, y_valid, lr, optimizer, unrolled=args.order == 2)
  optimizer.zero_grad()
  loss = criterion(model(x_train), y_train)
  loss.backward()
  nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
  optimizer.step()
  return loss.item()


times = []
for s in range(args.steps + 1):
  t0 = time.perf_counter()
  step()
  if on_cuda:
    torch.cuda.synchronize()
  if s > 0:
    times.append((time.perf_counter() - t0) * 1000)

print(json.dumps({
  'bench': 'reference-search-step', 'order': args.order, 'channels_last': args.channels_last, 'batch': args.batch,
  'layers': args.layers, 'init_channels': args.init_channels, 'threads': torch.get_num_threads(), 'steps': len(times),
  'ms_median': round(statistics.median(times)), 'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
  'torch': torch.__version__, 'device': args.device,
  **({'peak_cuda_mb': round(torch.cuda.max_memory_allocated() / 2**20)} if on_cuda else {}),
}))
