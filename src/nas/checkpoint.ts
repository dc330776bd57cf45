// A search checkpoint is one safetensors file: every tensor (supernet weights and buffers, arch
// params, optimizer states, RNG state) plus a JSON description of where the run stands in the
// metadata. One file written atomically means a crash can never leave a half-written checkpoint.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const META_KEY = 'dnas.checkpoint';

export interface Checkpoint<S> {
  tensors: Record<string, Tensor>;
  state: S;
}

export function checkpointPath(runDir: string): string {
  return join(runDir, 'checkpoint', CHECKPOINT_FILE);
}

export function saveCheckpoint<S>(runDir: string, ckpt: Checkpoint<S>): void {
  mkdirSync(join(runDir, 'checkpoint'), { recursive: true });
  torch.save(checkpointPath(runDir), ckpt.tensors, { [META_KEY]: JSON.stringify(ckpt.state) });
}

export function hasCheckpoint(runDir: string): boolean {
  return existsSync(checkpointPath(runDir));
}

export function loadCheckpoint<S>(runDir: string): Checkpoint<S> {
  const path = checkpointPath(runDir);
  if (!existsSync(path)) throw new Error(`cannot resume: no checkpoint at '${path}' (start the run without --resume, or point --out at the run directory)`);
  const file = torch.loadFile(path);
  const meta = file.metadata[META_KEY];
  if (meta === undefined) throw new Error(`'${path}' is a safetensors file but not a dnas checkpoint (no '${META_KEY}' metadata)`);
  let state: S;
  try {
    state = JSON.parse(meta) as S;
  } catch {
    throw new Error(`'${path}' has a corrupt checkpoint description (invalid JSON); delete it to restart the run`);
  }
  return { tensors: file.tensors, state };
}

/** Prefixes tensor names so several state dicts share one file. */
export function prefixed(prefix: string, tensors: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(tensors).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** The tensors stored under `prefix.`, with the prefix removed. */
export function unprefixed(prefix: string, tensors: Record<string, Tensor>): Record<string, Tensor> {
  const p = `${prefix}.`;
  return Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(p)).map(([k, v]) => [k.slice(p.length), v]));
}
