import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getDerivation } from '../../../src/nas/derivation.js';
import { edgeWeights, nodeRanges } from '../../../src/nas/mixing/edge-norm.js';
import { dartsEdgeTargets, dartsSpace } from '../../../src/nas/spaces/darts-space.js';
import * as torch from '../../../src/torch/index.js';

const close = (a: number[], b: number[], tol = 1e-12) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < tol, `${i}: ${v} vs ${b[i]}`));

describe('PC-DARTS edge normalisation', () => {
  test('eachNodeSoftmaxesItsOwnIncomingEdges', () => {
    assert.deepEqual(nodeRanges(dartsEdgeTargets()), [[0, 2], [2, 5], [5, 9], [9, 14]]);
    const betas = [0, Math.log(3), 0, 0, Math.log(2), ...Array(9).fill(0)];
    const w = edgeWeights(torch.tensor(betas, { dtype: 'float64' }), dartsEdgeTargets()).tolist() as number[];
    close(w.slice(0, 2), [0.25, 0.75]);
    close(w.slice(2, 5), [0.25, 0.25, 0.5]);
    close(w.slice(5, 9), [0.25, 0.25, 0.25, 0.25]);
    close(w.slice(9, 14), [0.2, 0.2, 0.2, 0.2, 0.2]);
  });

  test('dartsDerivationRanksEdgesByAlphaTimesBeta', () => {
    // Node 0: edge 0's best op (sep_conv_3x3, 0.5) beats edge 1's (max_pool, 0.4) on α alone, but
    // β gives edge 1 three times edge 0's weight. Node 1 (edges 2–4): one edge set to zero by β.
    const ops = Array.from({ length: 14 }, () => [0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    ops[0] = [0.1, 0.05, 0.05, 0.1, 0.5, 0.1, 0.05, 0.05];
    ops[1] = [0.1, 0.4, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05];
    ops[2] = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 0.1];
    ops[3] = [0.1, 0.1, 0.1, 0.1, 0.1, 0.4, 0.05, 0.05];
    ops[4] = [0.1, 0.1, 0.1, 0.5, 0.1, 0.05, 0.05, 0];
    const edges = [0.25, 0.75, 0.5, 0.5, 0, ...Array(9).fill(0.25)];
    const derive = getDerivation('darts-top2', dartsSpace);
    const withoutBeta = derive.derive(dartsSpace, { normal: { ops }, reduce: { ops } }) as { normal: [string, number][] };
    const withBeta = derive.derive(dartsSpace, { normal: { ops, edges }, reduce: { ops, edges } }) as { normal: [string, number][] };
    assert.deepEqual(withoutBeta.normal.slice(0, 4), [['sep_conv_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['sep_conv_5x5', 1]]);
    assert.deepEqual(withBeta.normal.slice(0, 4), [['max_pool_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_5x5', 1], ['dil_conv_3x3', 0]]);
  });

  test('aDerivationForAnotherTopologyIsAnErrorNamingTheFlag', () => {
    assert.throws(() => getDerivation('argmax', dartsSpace), /--derive: 'argmax' derives nb201-cells, but the 'darts' space has darts-cells; use darts-top2 or top2-pairs/);
    assert.throws(() => getDerivation('best', dartsSpace), /--derive: unknown derivation 'best'/);
  });
});
