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

  // biome-ignore lint/suspicious/noExplicitAny: each layer has its own forward signature (PyTorch's nn.Module.forward(*args)), and callers pass tensors to modules typed as Module
  abstract forward(...args: any[]): Tensor;

  /** Registers `t` as a trainable parameter under `name` (requiresGrad set, kept beyond every tidy scope). */
  registerParameter(name: string, t: Tensor | null): Tensor | null {
    this.checkName(name, this._parameters);
    if (t) {
      // A parameter must be a leaf, or gradients would flow into whatever computed it instead of accumulating in .grad.
      if (t.gradFn !== null) throw new Error(`registerParameter: '${name}' is the result of '${t.gradFn}'; register a leaf (e.g. t.detach()) instead`);
      torch.keep(t);
      if (!t.requiresGrad) t.requiresGrad_(true);
    }
    this._parameters.set(name, t);
    return t;
  }

  /** Registers a tensor that is state but not trained (BatchNorm's running statistics); saved in the state dict. */
  registerBuffer(name: string, t: Tensor | null): Tensor | null {
    this.checkName(name, this._buffers);
    if (t) torch.keep(t);
    this._buffers.set(name, t);
    return t;
  }

  registerModule<M extends Module>(name: string, m: M): M {
    this.checkName(name, this._modules);
    this._modules.set(name, m);
    return m;
  }

  // Names are path segments of the state dict, so each must be unique across kinds and dot-free.
  private checkName(name: string, own: Map<string, unknown>): void {
    if (name === '' || name.includes('.')) throw new Error(`${this.constructor.name}: invalid name '${name}' (names must be non-empty and contain no '.')`);
    for (const kind of [this._parameters, this._buffers, this._modules] as Map<string, unknown>[]) {
      if (kind !== own && kind.has(name)) throw new Error(`${this.constructor.name}: '${name}' is already registered as a ${kind === this._parameters ? 'parameter' : kind === this._buffers ? 'buffer' : 'module'}`);
    }
  }

  /** The registered parameter/buffer named `name` of this module (not of children). */
  protected getTensor(name: string): Tensor | null {
    return this._parameters.get(name) ?? this._buffers.get(name) ?? null;
  }

  /** The submodule at a dotted path ('cells.0.ops.1'); '' is this module. */
  getSubmodule(target: string): Module {
    let m: Module = this;
    if (target === '') return m;
    for (const part of target.split('.')) {
      const child = m._modules.get(part);
      if (!child) throw new Error(`getSubmodule: ${m.constructor.name} has no submodule '${part}' (in '${target}'; it has: ${[...m._modules.keys()].join(', ') || 'none'})`);
      m = child;
    }
    return m;
  }

  /** The parameter at a dotted path ('cells.0.ops.1.weight'). */
  getParameter(target: string): Tensor {
    return this.getNamedTensor(target, '_parameters', 'parameter');
  }

  /** The buffer at a dotted path ('stem.1.running_mean'). */
  getBuffer(target: string): Tensor {
    return this.getNamedTensor(target, '_buffers', 'buffer');
  }

  private getNamedTensor(target: string, kind: '_parameters' | '_buffers', what: string): Tensor {
    const dot = target.lastIndexOf('.');
    const m = this.getSubmodule(dot < 0 ? '' : target.slice(0, dot));
    const t = m[kind].get(target.slice(dot + 1));
    if (!t) throw new Error(`get${what[0]!.toUpperCase()}${what.slice(1)}: no ${what} '${target}' (${m.constructor.name} has: ${[...m[kind].keys()].join(', ') || 'none'})`);
    return t;
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
    // A tensor shared by several modules is converted once, so they stay tied.
    const converted = new Map<Tensor, Tensor>();
    for (const m of this.modules()) {
      for (const kind of ['_parameters', '_buffers'] as const) {
        for (const [name, t] of m[kind]) {
          if (!t) continue;
          let next = converted.get(t);
          if (!next) {
            next = convertTensor(t, o, kind === '_parameters');
            converted.set(t, next);
          }
          if (next === t) continue;
          m[kind].set(name, next);
          (m as unknown as Record<string, unknown>)[fieldName(m, name)] = next;
        }
      }
    }
    for (const [old, next] of converted) if (next !== old) old.dispose();
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

const FLOATING = new Set<DType>(['float32', 'float64', 'float16', 'bfloat16'] as DType[]);

/** `t` converted as Module.to asks (only floating tensors change dtype, as in PyTorch); `t` itself when nothing changes. */
function convertTensor(t: Tensor, o: { device?: Device; dtype?: DType; memoryFormat?: MemoryFormat }, isParameter: boolean): Tensor {
  const dtype = o.dtype !== undefined && FLOATING.has(t.dtype) ? o.dtype : undefined;
  const format = o.memoryFormat && o.memoryFormat !== 'preserve' && t.ndim === 4 ? o.memoryFormat : undefined;
  const sameDevice = o.device === undefined || sameDeviceAs(t.device, o.device);
  const sameDtype = dtype === undefined || t.dtype === canonicalDtype(dtype);
  if (sameDevice && sameDtype && (format === undefined || t.isContiguous(format))) return t;
  const out = torch.noGrad(() => {
    let x = t.to({ device: o.device, dtype });
    if (format) {
      const y = x.contiguous(format);
      x.dispose();
      x = y;
    }
    // A fresh leaf; the intermediate handles are released here, or they would pin the old
    // storages until the process exits (handles have no finalizer).
    const leaf = x.detach();
    x.dispose();
    return leaf;
  });
  torch.keep(out);
  if (isParameter) out.requiresGrad_(true);
  return out;
}

function sameDeviceAs(a: Device, b: Device): boolean {
  return a === b || (a === 'cuda:0' && b === 'cuda') || (a === 'cuda' && b === 'cuda:0');
}

function canonicalDtype(d: DType): DType {
  const alias: Record<string, string> = { float: 'float32', double: 'float64', half: 'float16', long: 'int64', int: 'int32' };
  return (alias[d] ?? d) as DType;
}

function isDtype(s: string): boolean {
  return ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool', 'float16', 'bfloat16', 'float', 'double', 'half', 'long', 'int'].includes(s);
}

// Fields mirror registrations under camelCase names (running_mean → runningMean).
function fieldName(m: Module, name: string): string {
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return camel in m ? camel : name;
}

/**
 * Whether `m` is exactly an instance of `cls` running the class's own forward: subclasses may
 * compute something else, and an instance whose forward was replaced (a hook, a shape trace such
 * as countMacs) must see its calls, so neither is fused with its neighbours.
 */
export function plain<M extends Module>(m: Module | undefined, cls: new (...args: never[]) => M): m is M {
  return m instanceof cls && m.constructor === cls && !Object.hasOwn(m, 'forward');
}
