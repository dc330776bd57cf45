import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { archHessianEigenvalue, collapseDiagnostics } from '../../../src/nas/diagnostics/collapse.js';
import { dominantEigenvalue, withHessianVectorProduct } from '../../../src/nas/diagnostics/hessian-eigen.js';
import { supernetLoss } from '../../../src/nas/update/common.js';
import * as torch from '../../../src/torch/index.js';
import type { Tensor } from '../../../src/torch/index.js';
import { tinyNb201 } from './tiny-nb201.js';

const values = (ts: Tensor[]) => ts.map((t) => Array.from(t.data() as Float64Array | BigInt64Array, Number));

describe('collapse diagnostics', () => {
  test('oneEpochsDiagnosticsHoldCellCountsEdgeStatisticsAndTheEigenvalue', () => {
    const { ctx, batches } = tinyNb201();
    const archWeights = Object.fromEntries(Object.entries(ctx.mixing.derivationWeights(ctx.arch, ctx.space)).map(([cell, w]) => [cell, w.ops]));
    const genotypeJSON = { space: 'nb201', arch: '|skip_connect~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|' };
    const d = collapseDiagnostics({ archWeights, genotypeJSON, hessian: { ctx, batches, iterations: 4, seed: 2 } });
    assert.equal(d.paramFreeOps, 4);
    assert.equal(d.skipConnects, 2);
    assert.deepEqual(Object.keys(d.edgeEntropy), ['cell']);
    assert.equal(d.edgeEntropy.cell!.length, 6);
    assert.ok(d.edgeEntropy.cell!.every((h) => h > 0 && h < Math.log(5)));
    assert.equal(d.edgeMargin.cell!.length, 6);
    const loss = (b: (typeof batches)[number]) => supernetLoss({ ...ctx, sample: null }, b, true).loss;
    const direct = withHessianVectorProduct(loss, ctx.archParams, batches, (hvp) => dominantEigenvalue(hvp, ctx.archParams, { iterations: 4, seed: 2 }));
    assert.equal(d.hessianEigenvalue, direct.value);
    assert.deepEqual(JSON.parse(JSON.stringify(d)), d, 'plain JSON');
  });

  test('withoutBatchesThereIsNoEigenvalue', () => {
    const d = collapseDiagnostics({ archWeights: { normal: [[0.5, 0.5]] }, genotypeJSON: { space: 'nb201', arch: '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' } });
    assert.equal(d.hessianEigenvalue, undefined);
    assert.equal(d.paramFreeOps, 6);
  });

  test('measuringTheEigenvalueLeavesWeightsBatchNormStatisticsRandomStreamAndMemoryAsTheyWere', () => {
    const { ctx, batches } = tinyNb201();
    ctx.net.train();
    const before = { weights: values(ctx.weights), buffers: values(ctx.net.buffers()), arch: values(ctx.archParams) };
    const live = torch.memory().tensors;
    torch.manualSeed(3);
    const r = archHessianEigenvalue(ctx, batches, { iterations: 3 });
    assert.equal(torch.noGrad(() => archHessianEigenvalue(ctx, batches, { iterations: 3 })).value, r.value, 'works inside noGrad too');
    assert.equal(torch.memory().tensors, live, 'no tensor left behind');
    const draw = torch.rand([1]).item();
    torch.manualSeed(3);
    assert.equal(draw, torch.rand([1]).item(), 'torch random stream untouched');
    assert.deepEqual(values(ctx.weights), before.weights);
    assert.deepEqual(values(ctx.net.buffers()), before.buffers);
    assert.deepEqual(values(ctx.archParams), before.arch);
    assert.ok(ctx.weights.every((p) => p.requiresGrad && p.grad === null), 'weights still learnable, no gradients left behind');
  });
});
