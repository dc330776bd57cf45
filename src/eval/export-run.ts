// Exports the network of a trained run (`dnas train`'s run directory) as ONNX or safetensors.
// Which network a run holds is the business of whoever trains it: it is injected as a
// BuildNetworkForRun, so this file knows only the run-directory contract (DESIGN.md).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointPath, hasCheckpoint, loadCheckpoint, unprefixed } from '../nas/checkpoint.js';
import type { Module } from '../nn/index.js';
import { exportSafetensors } from './export-safetensors.js';
import { exportOnnx } from './onnx/index.js';

export const EXPORT_FORMATS = ['onnx', 'safetensors'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What `dnas export` needs from a run: its network, freshly built from config.json (weights are loaded here), and one input's shape. */
export interface RunNetwork {
  network: Module;
  /** [1, C, H, W] of the data the run trained on; the batch dimension stays free in the ONNX file. */
  inputShape: number[];
  /** Strings a user of the file needs (the input normalisation, the genotype); stored in the file's metadata. */
  metadata?: Record<string, string>;
}

/** Builds the untrained network a run's config.json describes; throws a one-line error for a config it cannot build. */
export type BuildNetworkForRun = (run: { dir: string; config: unknown }) => RunNetwork;

export interface ExportRunResult {
  file: string;
  format: ExportFormat;
  tensors: number;
}

/** Default output file: inside the run directory, named by format. */
export function defaultExportPath(runDir: string, format: ExportFormat): string {
  return join(runDir, format === 'onnx' ? 'model.onnx' : 'model.safetensors');
}

export function exportRun(runDir: string, format: ExportFormat, buildNetworkForRun: BuildNetworkForRun, out = defaultExportPath(runDir, format)): ExportRunResult {
  if (!EXPORT_FORMATS.includes(format)) throw new Error(`unknown export format '${format}' (known: ${EXPORT_FORMATS.join(', ')})`);
  const config = readRunConfig(runDir);
  if (!hasCheckpoint(runDir)) throw new Error(`'${runDir}' was never trained: there is no ${checkpointPath(runDir)}; run 'dnas train' and export the run it writes`);
  const ckpt = loadCheckpoint<unknown>(runDir);
  try {
    // search.ts stores the architecture parameters as 'arch.*': a supernet, not a network to deploy.
    if (Object.keys(ckpt.tensors).some((k) => k.startsWith('arch.'))) {
      throw new Error(`'${runDir}' is a search run (its checkpoint holds architecture parameters); train its genotype with 'dnas train' and export that run`);
    }
    const weights = unprefixed('net', ckpt.tensors);
    if (Object.keys(weights).length === 0) throw new Error(`'${checkpointPath(runDir)}' holds no network weights ('net.*' tensors); it was not written by 'dnas train'`);
    const { network, inputShape, metadata = {} } = buildNetworkForRun({ dir: runDir, config });
    try {
      network.loadStateDict(weights);
    } catch (e) {
      throw new Error(`the checkpoint of '${runDir}' does not fit the network its config.json describes: ${(e as Error).message}`);
    }
    if (format === 'onnx') exportOnnx(network, inputShape, out, { metadata });
    else exportSafetensors(network, out, metadata);
    return { file: out, format, tensors: Object.keys(weights).length };
  } finally {
    for (const t of Object.values(ckpt.tensors)) t.dispose();
  }
}

function readRunConfig(runDir: string): unknown {
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) throw new Error(`'${runDir}' is not a dnas run directory (no config.json); give the folder 'dnas train' wrote`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(`'${path}' is not valid JSON; restore it from the run that wrote it`);
  }
}
