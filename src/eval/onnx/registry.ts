// Which emitter writes a module's eval-mode forward as ONNX nodes, looked up by class (a subclass
// inherits its base's emitter unless it registers its own).
import type { Module } from '../../nn/index.js';
import type { ModuleClass, OnnxEmitter } from './emitter.js';
import { NAS_OP_EMITTERS } from './nas-op-emitters.js';
import { NN_EMITTERS } from './nn-emitters.js';

const emitters = new Map<ModuleClass<Module>, OnnxEmitter>(
  [...NN_EMITTERS, ...NAS_OP_EMITTERS].map(([cls, emitter]) => [cls, emitter]),
);

/** Registers the emitter for modules of class `cls`, for a class that cannot implement toOnnx itself. */
export function registerOnnxEmitter<M extends Module>(cls: ModuleClass<M>, emitter: OnnxEmitter<M>): void {
  emitters.set(cls as ModuleClass<Module>, emitter as OnnxEmitter);
}

export function emitterFor(m: Module): OnnxEmitter | undefined {
  for (let proto = Object.getPrototypeOf(m); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const e = emitters.get(proto.constructor);
    if (e) return e;
  }
  return undefined;
}
