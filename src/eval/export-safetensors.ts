// exportSafetensors: a module's state dict as a safetensors file PyTorch loads with load_state_dict.
import type { Module } from '../nn/index.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { writeFileAtomically } from './write-file.js';

const FLOATING = new Set(['float32', 'float64', 'float16', 'bfloat16']);

/**
 * Writes every parameter and buffer under its PyTorch state-dict name, floating tensors as float32
 * on the CPU; integer buffers (BatchNorm's num_batches_tracked) keep their dtype, as PyTorch's
 * strict load_state_dict expects them. `metadata` goes into the header's __metadata__. Written
 * atomically. Returns the names written.
 */
export function exportSafetensors(module: Module, file: string, metadata: Record<string, string> = {}): string[] {
  const bytes = torch.tidy(() => {
    const tensors: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(module.stateDict())) {
      tensors[name] = FLOATING.has(t.dtype) ? t.detach().to({ dtype: 'float32', device: 'cpu' }) : t.detach().to({ device: 'cpu' });
    }
    // 'format: pt' is what Python's safetensors writes for PyTorch state dicts.
    return torch.serialize(tensors, { ...metadata, format: 'pt' });
  });
  writeFileAtomically(file, bytes, 'safetensors file');
  return Object.keys(module.stateDict());
}
