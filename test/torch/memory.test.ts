import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';

describe('memory', () => {
  test('tidyFreesEverythingButTheResultAndKeepExempts', () => {
    const before = torch.memory().tensors;
    let kept: torch.Tensor | undefined;
    const out = torch.tidy(() => {
      const a = torch.ones([10]);
      kept = torch.keep(a.mul(2));
      const inner = torch.tidy(() => a.add(1).mul(3));
      return { y: inner.sum(), list: [a.sub(1)] };
    });
    assert.equal(torch.memory().tensors, before + 3);
    assert.equal(out.y.item(), 60);
    assert.equal(kept!.sum().item(), 20);
    for (const t of [out.y, out.list[0]!, kept!]) t.dispose();
    assert.equal(torch.memory().tensors, before + 1); // the sum() read above was created outside any tidy
    assert.equal(torch.scopeDepth(), 0);
  });

  test('aTrainingLoopInTidyHoldsMemoryFlat', () => {
    torch.manualSeed(0);
    const w = torch.keep(torch.randn([16, 3, 3, 3], { requiresGrad: true }));
    const x = torch.keep(torch.randn([8, 3, 12, 12]));
    const step = () =>
      torch.tidy(() => {
        const loss = torch.conv2d(x, w, { padding: 1 }).relu().mean();
        loss.backward();
        torch.noGrad(() => w.sub_(w.grad!, { alpha: 0.01 }));
        w.grad = null;
      });
    for (let i = 0; i < 100; i++) step();
    (globalThis as { gc?: () => void }).gc?.();
    const tensors = torch.memory().tensors;
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 2000; i++) step();
    (globalThis as { gc?: () => void }).gc?.();
    assert.equal(torch.memory().tensors, tensors);
    const growth = (process.memoryUsage().rss - rss) / 2 ** 20;
    assert.ok(growth < 20, `RSS grew ${growth.toFixed(1)} MB over 2,000 steps`);
  });

  test('usingADisposedTensorIsAClearError', () => {
    const t = torch.ones([2]);
    t.dispose();
    t.dispose(); // idempotent
    assert.equal(t.isDisposed, true);
    assert.throws(() => t.add(1), /^Error: add: tensor was disposed/);
    assert.throws(() => t.shape, /tensor was disposed/);
    const escaped = torch.tidy(() => {
      torch.ones([1]);
      return 1;
    });
    assert.equal(escaped, 1);
    let leaked: torch.Tensor | undefined;
    torch.tidy(() => {
      leaked = torch.ones([1]);
    });
    assert.throws(() => leaked!.item(), /item: tensor was disposed/);
  });
});
