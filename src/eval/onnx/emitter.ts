// The emitter contract shared by the registry and the per-layer tables.
import type { Module } from '../../nn/index.js';
import type { OnnxGraph } from './graph.js';

/** Appends the nodes of `m`'s eval-mode forward on `input`; returns the output's value name. */
export type OnnxEmitter<M extends Module = Module> = (g: OnnxGraph, m: M, input: string) => string;

// biome-ignore lint/suspicious/noExplicitAny: constructors of any signature
export type ModuleClass<M extends Module> = abstract new (...args: any[]) => M;

export type EmitterEntry = readonly [ModuleClass<Module>, OnnxEmitter];

/** A table row pairing a class with its emitter, type-checked against that class. */
export function emitterEntry<M extends Module>(cls: ModuleClass<M>, emitter: OnnxEmitter<M>): EmitterEntry {
  return [cls as ModuleClass<Module>, emitter as OnnxEmitter];
}
