// A small ONNX graph builder: initializers named after the module's state dict, nodes with unique
// value names, and dispatch from a module to the emitter that writes its eval-mode forward.
import type { Module } from '../../nn/index.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { IR_VERSION, onnx, OPSET_VERSION, type OnnxTypes } from './proto.js';
import { emitterFor } from './registry.js';

/** A node attribute, typed explicitly: ONNX distinguishes INT from FLOAT, and 1 vs 1.0 cannot tell them apart in JS. */
export type Attribute = { int: number } | { ints: number[] } | { float: number } | { string: string };

/** A dimension: a size, or a name for a size fixed only at run time (the batch). */
export type Dim = number | string;

/**
 * A module that writes its own eval-mode forward into an ONNX graph: a cell (preprocess, node sums,
 * concat; drop path is the identity in eval mode) or a whole network. `inputs` are value names (a
 * DARTS cell declares `toOnnx(g, s0, s1)`), the result is the output's value name. Children are
 * emitted with `g.emit(child, value)`, which names their weights by their state-dict keys.
 */
export interface OnnxExportable {
  toOnnx(g: OnnxGraph, ...inputs: string[]): string;
}

export function isOnnxExportable(m: unknown): m is OnnxExportable {
  return typeof (m as Partial<OnnxExportable>).toOnnx === 'function';
}

export class OnnxGraph {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly tensorNames = new Map<Tensor, string>();
  private readonly paths = new Map<Module, string>();

  /** `root` is the exported module: parameters are named by their path from it, as in its state dict. */
  constructor(readonly root: Module) {
    for (const [path, m] of root.namedModules()) this.paths.set(m, path);
  }

  /** The module's dotted path from the root ('' for the root); an error for a module outside it. */
  pathOf(m: Module): string {
    const p = this.paths.get(m);
    if (p === undefined) throw new Error(`ONNX export: a ${m.constructor.name} that is not a submodule of the exported ${this.root.constructor.name} was emitted; register it with registerModule so its weights have a name`);
    return p;
  }

  /** A value name not used before, derived from `hint`. */
  fresh(hint: string): string {
    // The root module's path is '': its values still need a non-empty name.
    const base = hint || 'value';
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Appends the ONNX nodes of `m`'s eval-mode forward applied to `inputs`; returns the output's value name. */
  emit(m: Module, ...inputs: string[]): string {
    if (isOnnxExportable(m)) return m.toOnnx(this, ...inputs);
    const emitter = emitterFor(m);
    if (!emitter) {
      throw new Error(`ONNX export: no emitter for ${m.constructor.name} at '${this.pathOf(m) || '(root)'}'; implement toOnnx(g, input) on it or call registerOnnxEmitter(${m.constructor.name}, …)`);
    }
    if (inputs.length !== 1) throw new Error(`ONNX export: ${m.constructor.name} at '${this.pathOf(m)}' takes one input, got ${inputs.length}`);
    return emitter(this, m, inputs[0]!);
  }

  /** Declares a graph input of float32 elements. */
  addInput(name: string, dims: Dim[]): string {
    if (this.names.has(name)) throw new Error(`ONNX export: value name '${name}' is already used`);
    this.names.add(name);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Declares `value` a graph output named `name` (an Identity node renames it when needed). */
  addOutput(value: string, name: string, dims: Dim[]): void {
    if (value !== name) {
      const producer = this.nodes.find((n) => n.output?.[0] === value);
      const consumed = this.nodes.some((n) => n.input?.includes(value));
      if (producer && !consumed && !this.names.has(name)) {
        // Renaming the producing node's output keeps the graph free of a pointless Identity.
        this.names.add(name);
        producer.output = [name];
      } else {
        // A graph input or a value used elsewhere: an Identity gives the output its own name.
        this.node('Identity', [value], {}, name, name);
      }
    }
    this.outputs.push(valueInfo(name, dims));
  }

  /** A module's parameter or buffer as an initializer named `<path>.<field>` (its state-dict key); stored once however often it is used. */
  param(m: Module, field: string, t: Tensor): string {
    const known = this.tensorNames.get(t);
    if (known) return known;
    const path = this.pathOf(m);
    const name = this.addInitializer(path ? `${path}.${field}` : field, tensorToFloat32(t), t.shape);
    this.tensorNames.set(t, name);
    return name;
  }

  /** A float32 constant (BatchNorm's unit scale when affine=false, a multiplier). */
  constant(hint: string, values: ArrayLike<number>, dims: number[]): string {
    return this.addInitializer(hint, Float32Array.from(values), dims);
  }

  /** An int64 constant (Slice's starts/ends/axes/steps are inputs, not attributes, since opset 10). */
  constantInt64(hint: string, values: number[]): string {
    const name = this.fresh(hint);
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  private addInitializer(hint: string, data: Float32Array, dims: number[]): string {
    const name = this.fresh(hint);
    // raw_data is little-endian, as typed arrays are on every platform Node runs on.
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  /** Appends one node with one output; returns the output's value name. */
  node(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, hint = opType, outputName?: string): string {
    const output = outputName ?? this.fresh(hint || opType);
    if (outputName !== undefined) {
      if (this.names.has(outputName)) throw new Error(`ONNX export: value name '${outputName}' is already used`);
      this.names.add(outputName);
    }
    this.nodes.push({ name: output, opType, input: inputs, output: [output], attribute: Object.entries(attributes).map(([n, a]) => attribute(n, a)) });
    return output;
  }

  // Tensor ops the cell forwards need, named as in ONNX.
  add(a: string, b: string, hint = 'add'): string {
    return this.node('Add', [a, b], {}, hint);
  }

  /** x · c for a scalar constant c ('none' is x · 0, so its shape follows x's). */
  mulConstant(x: string, c: number, hint = 'mul'): string {
    return this.node('Mul', [x, this.constant(`${hint}_factor`, [c], [])], {}, hint);
  }

  concat(xs: string[], axis: number, hint = 'concat'): string {
    return this.node('Concat', xs, { axis: { int: axis } }, hint);
  }

  /** x[..., starts:ends:steps] along `axes`; an end of Number.MAX_SAFE_INTEGER means "to the end". */
  slice(x: string, o: { axes: number[]; starts: number[]; ends?: number[]; steps?: number[] }, hint = 'slice'): string {
    const ends = o.ends ?? o.axes.map(() => Number.MAX_SAFE_INTEGER);
    const steps = o.steps ?? o.axes.map(() => 1);
    const inputs = [x, this.constantInt64(`${hint}_starts`, o.starts), this.constantInt64(`${hint}_ends`, ends), this.constantInt64(`${hint}_axes`, o.axes), this.constantInt64(`${hint}_steps`, steps)];
    return this.node('Slice', inputs, {}, hint);
  }

  /** x.view(N, -1): the classifier input after global pooling. */
  flatten(x: string, hint = 'flatten'): string {
    return this.node('Flatten', [x], { axis: { int: 1 } }, hint);
  }

  relu(x: string, hint = 'relu'): string {
    return this.node('Relu', [x], {}, hint);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** The ModelProto for everything added so far (private: its type is onnx-proto's, kept out of our public types). */
  private toModel(graphName: string, metadata: Record<string, string> = {}): OnnxTypes.ModelProto {
    if (this.inputs.length === 0 || this.outputs.length === 0) throw new Error('ONNX export: the graph needs an input and an output (call addInput and addOutput)');
    return onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET_VERSION }],
      producerName: 'dnas',
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
  }

  encode(graphName: string, metadata: Record<string, string> = {}): Uint8Array {
    return onnx.ModelProto.encode(this.toModel(graphName, metadata)).finish();
  }
}

function valueInfo(name: string, dims: Dim[]): OnnxTypes.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } } };
}

function attribute(name: string, a: Attribute): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in a) return { name, type: T.INT, i: a.int };
  if ('ints' in a) return { name, type: T.INTS, ints: a.ints };
  if ('float' in a) return { name, type: T.FLOAT, f: a.float };
  return { name, type: T.STRING, s: new TextEncoder().encode(a.string) };
}

/** A tensor's elements as float32, row-major, on the CPU (the graph stores every weight as float32). */
function tensorToFloat32(t: Tensor): Float32Array {
  return torch.tidy(() => {
    const f = t.dtype === 'float32' && t.device === 'cpu' ? t : t.detach().to({ dtype: 'float32', device: 'cpu' });
    const d = f.data();
    return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
  }) as Float32Array;
}
