// Module: parameters, buffers and child modules under PyTorch's dotted names, train/eval,
// state dicts. Parameters and buffers are keep()'d: they outlive every tidy scope.
import * as torch from '../torch/index.js';
import type { Device, DType, MemoryFormat, Tensor } from '../torch/index.js';

export type ModuleTarget = Device | DType | { device?: Device; dtype?: DType; memoryFormat?: MemoryFormat };

export abstract class Module {
  training = true;
  private readonly _parameters = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _modules = new Map<string, Module>();

  abstract forward(...args: any[]): Tensor;

  registerParameter(name: string, t: Tensor | null): Tensor | null {
    if (t) {
      torch.keep(t);
      if (!t.requiresGrad) t.requiresGrad_(true);
    }
    this._parameters.set(name, t);
    return t;
  }

  registerBuffer(name: string, t: Tensor | null): Tensor | null {
    if (t) torch.keep(t);
    this._buffers.set(name, t);
    return t;
  }

  registerModule<M extends Module>(name: string, m: M): M {
    this._modules.set(name, m);
    return m;
  }

  /** The registered parameter/buffer named `name` of this module (not of children). */
  protected getTensor(name: string): Tensor | null {
    return this._parameters.get(name) ?? this._buffers.get(name) ?? null;
  }

  namedParameters(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedTensors('_parameters', prefix, recurse);
  }

  parameters(recurse = true): Tensor[] {
    return this.namedParameters('', recurse).map(([, t]) => t);
  }

  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedTensors('_buffers', prefix, recurse);
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, t]) => t);
  }

  private namedTensors(kind: '_parameters' | '_buffers', prefix: string, recurse: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const modules: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [modName, m] of modules) {
      for (const [name, t] of m[kind]) {
        if (!t || seen.has(t)) continue;
        seen.add(t);
        out.push([modName ? `${modName}.${name}` : name, t]);
      }
    }
    return out;
  }

  namedChildren(): [string, Module][] {
    return [...this._modules.entries()];
  }

  children(): Module[] {
    return [...this._modules.values()];
  }

  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [childName, child] of m._modules) visit(child, name ? `${name}.${childName}` : childName);
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else {
        const g = p.grad;
        if (g) {
          g.zero_();
          g.dispose();
        }
      }
    }
  }

  /**
   * Moves or converts every parameter and buffer. The registered tensors are replaced, so create
   * optimizers after calling this (as PyTorch advises for .cuda()). `memoryFormat` applies to 4-D tensors.
   */
  to(target: ModuleTarget): this {
    const o = typeof target === 'string' ? (isDtype(target) ? { dtype: target as DType } : { device: target }) : target;
    for (const m of this.modules()) {
      for (const kind of ['_parameters', '_buffers'] as const) {
        for (const [name, t] of m[kind]) {
          if (!t) continue;
          const converted = torch.noGrad(() => {
            const floating = t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16' || t.dtype === 'bfloat16';
            let x = t.to({ device: o.device, dtype: floating ? o.dtype : undefined });
            if (o.memoryFormat && o.memoryFormat !== 'preserve' && x.ndim === 4) {
              const y = x.contiguous(o.memoryFormat);
              x.dispose();
              x = y;
            }
            // A fresh leaf; the intermediate handles are released here, or they would pin the old
            // storages until the process exits (handles have no finalizer).
            const leaf = x.detach();
            x.dispose();
            return leaf;
          });
          torch.keep(converted);
          if (kind === '_parameters') converted.requiresGrad_(true);
          m[kind].set(name, converted);
          (m as unknown as Record<string, unknown>)[fieldName(m, name)] = converted;
          t.dispose();
        }
      }
    }
    return this;
  }

  /** Parameters and buffers under their dotted names, in PyTorch's order: each module's own parameters, then its buffers, then its children's. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const seen = new Set<Tensor>();
    for (const [modName, m] of this.namedModules()) {
      for (const kind of ['_parameters', '_buffers'] as const) {
        for (const [name, t] of m[kind]) {
          if (!t || seen.has(t)) continue;
          seen.add(t);
          out[modName ? `${modName}.${name}` : name] = t;
        }
      }
    }
    return out;
  }

  loadStateDict(sd: Record<string, Tensor>, opts: { strict?: boolean } = {}): void {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    if (strict) {
      const missing = Object.keys(own).filter((k) => !(k in sd));
      if (missing.length) throw new Error(`loadStateDict: missing key '${missing[0]}'${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}; the state dict was saved from a different model`);
      const unexpected = Object.keys(sd).filter((k) => !(k in own));
      if (unexpected.length) throw new Error(`loadStateDict: unexpected key '${unexpected[0]}'${unexpected.length > 1 ? ` (and ${unexpected.length - 1} more)` : ''}; the state dict was saved from a different model`);
    }
    torch.noGrad(() => {
      for (const [k, t] of Object.entries(own)) {
        const src = sd[k];
        if (!src) continue;
        const [a, b] = [t.shape, src.shape];
        if (a.length !== b.length || a.some((d, i) => d !== b[i])) throw new Error(`loadStateDict: shape mismatch for '${k}': the model has [${a.join(', ')}], the state dict [${b.join(', ')}]`);
        t.copy_(src);
      }
    });
  }

  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.numel(), 0);
  }
}

function isDtype(s: string): boolean {
  return ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool', 'float16', 'bfloat16', 'float', 'double', 'half', 'long', 'int'].includes(s);
}

// Fields mirror registrations under camelCase names (running_mean → runningMean).
function fieldName(m: Module, name: string): string {
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return camel in m ? camel : name;
}
