// Loading a reference fixture (written by the generators in ./fixtures from the original Python
// code) into dnas, and comparing trajectories with float32 tolerances.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Module } from '../../../src/nn/index.js';
import * as torch from '../../../src/torch/index.js';
import type { Tensor } from '../../../src/torch/index.js';

export interface ReferenceFixture {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
  get(name: string): Tensor;
}

/** Reads test/nas/conformance/fixtures/<file> whether the test runs compiled or from source. */
export function loadReferenceFixture(file: string): ReferenceFixture {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  const loaded = torch.loadFile(join(dir, 'test', 'nas', 'conformance', 'fixtures', file));
  const tensors = loaded.tensors;
  return {
    tensors,
    metadata: loaded.metadata ?? {},
    get(name: string): Tensor {
      const t = tensors[name];
      if (!t) throw new Error(`fixture ${file} has no tensor '${name}'`);
      return t;
    },
  };
}

/**
 * Copies the reference's initial weights into `net`: `toReference` maps each of our parameter
 * names to the reference's. Every parameter on both sides must be matched exactly once, so a
 * mapping that silently skips a layer fails here rather than as a numeric mismatch later.
 */
export function loadReferenceWeights(net: Module, fixture: ReferenceFixture, prefix: string, toReference: (ours: string) => string): void {
  const refNames = new Set(Object.keys(fixture.tensors).filter((k) => k.startsWith(`${prefix}.`)));
  torch.noGrad(() => {
    for (const [name, p] of net.namedParameters()) {
      const key = `${prefix}.${toReference(name)}`;
      const src = fixture.tensors[key];
      assert.ok(src, `our parameter '${name}' maps to '${key}', which the reference does not have`);
      assert.deepEqual(p.shape, src.shape, `shape of '${name}' vs reference '${key}'`);
      p.copy_(src);
      refNames.delete(key);
    }
  });
  assert.deepEqual([...refNames], [], 'reference parameters left without a counterpart in dnas');
}

/** Largest |a − b| and whether every element satisfies |a − b| ≤ atol + rtol·|b|. */
export function compareTensors(actual: Tensor, expected: Tensor, rtol: number, atol: number): { maxAbs: number; ok: boolean } {
  const a = Array.from(actual.detach().contiguous().data() as Float32Array);
  const b = Array.from(expected.detach().contiguous().data() as Float32Array);
  assert.equal(a.length, b.length, 'element count');
  let maxAbs = 0;
  let ok = true;
  a.forEach((v, i) => {
    const d = Math.abs(v - b[i]!);
    maxAbs = Math.max(maxAbs, d);
    if (!(d <= atol + rtol * Math.abs(b[i]!))) ok = false;
  });
  return { maxAbs, ok };
}

export function assertTensorClose(actual: Tensor, expected: Tensor, what: string, rtol = 1e-5, atol = 1e-5): void {
  const { maxAbs, ok } = compareTensors(actual, expected, rtol, atol);
  assert.ok(ok, `${what}: max |dnas − reference| = ${maxAbs.toExponential(3)} exceeds atol ${atol} + rtol ${rtol}·|reference|`);
}

export function assertScalarClose(actual: number, expected: Tensor, what: string, rtol = 1e-5, atol = 1e-6): void {
  const e = expected.item();
  assert.ok(Math.abs(actual - e) <= atol + rtol * Math.abs(e), `${what}: dnas ${actual} vs reference ${e}`);
}
