// Memory scopes: every tensor is born into the innermost open scope; leaving `tidy` frees all of a
// scope's tensors except those returned or kept. This is how a training step holds memory flat
// without a dispose() call per temporary.

export interface Scoped {
  /** Set by keep(): survives every enclosing tidy. */
  kept: boolean;
  readonly isDisposed: boolean;
  dispose(): void;
  /** Hands the object to the garbage collector's care (a finalizer), once no scope will dispose it. */
  makeCollectable(): void;
}

const scopes: Scoped[][] = [];

// Tensors born outside every scope are handed to the garbage collector's care (a
// FinalizationRegistry entry, ~0.3 µs each, as much as a small op) only if they outlive the
// current job or the next few creations: most such temporaries are disposed at once
// (`x.relu().dispose()`) and never pay for it. At most NURSERY_LIMIT tensors wait here, so a loop
// that never disposes still has its tensors collectable after a bounded delay.
const nursery: Scoped[] = [];
const NURSERY_LIMIT = 32;
let nurseryFlushQueued = false;

function registerNursery(): void {
  for (const t of nursery) if (!t.isDisposed) t.makeCollectable();
  nursery.length = 0;
}

function flushNursery(): void {
  nurseryFlushQueued = false;
  registerNursery();
}

/** Registers a newly created tensor with the innermost scope, or with the garbage collector. */
export function track(t: Scoped): void {
  const n = scopes.length;
  if (n !== 0) {
    scopes[n - 1]!.push(t);
    return;
  }
  nursery.push(t);
  if (nursery.length >= NURSERY_LIMIT) registerNursery();
  else if (!nurseryFlushQueued) {
    nurseryFlushQueued = true;
    queueMicrotask(flushNursery);
  }
}

/**
 * Forgets a tensor disposed while it is still the newest of the innermost scope (the common
 * `x.relu().dispose()`), so a long scope does not hold every temporary's JS object until it
 * closes, and a top-level temporary is never registered with the garbage collector.
 */
export function untrackIfNewest(t: Scoped): void {
  const n = scopes.length;
  const list = n !== 0 ? scopes[n - 1]! : nursery;
  if (list[list.length - 1] === t) list.pop();
}

/** Exempts tensors from every enclosing tidy scope; they live until disposed or collected. */
export function keep<T extends Scoped>(t: T): T {
  t.kept = true;
  t.makeCollectable();
  return t;
}

function collect(result: unknown, into: Set<Scoped>, depth = 0): void {
  if (result === null || typeof result !== 'object' || depth > 4) return;
  if ('isDisposed' in result && 'dispose' in result && 'kept' in result) {
    into.add(result as Scoped);
    return;
  }
  if (Array.isArray(result)) {
    for (const r of result) collect(r, into, depth + 1);
  } else if (result instanceof Map) {
    for (const r of result.values()) collect(r, into, depth + 1);
  } else if (Object.getPrototypeOf(result) === Object.prototype) {
    for (const r of Object.values(result)) collect(r, into, depth + 1);
  }
}

/**
 * Runs `fn` in a new scope. Tensors created inside are disposed on exit, except those in the
 * result (a tensor, or arrays / plain objects / Maps of them), which move to the enclosing scope.
 * An async `fn` is not supported: the scope would close before its awaits resume.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scoped[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!t.kept) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) throw new Error('tidy() got an async function: its tensors would be freed before the awaits resume; use tidy inside the async code instead');
  const survivors = new Set<Scoped>();
  collect(result, survivors);
  const parent = scopes.length ? scopes[scopes.length - 1]! : null;
  for (const t of scope) {
    if (t.kept || t.isDisposed) continue;
    if (!survivors.has(t)) t.dispose();
    else if (parent) parent.push(t);
    else t.makeCollectable();
  }
  return result;
}

/** How many scopes are open (for tests and diagnostics). */
export function scopeDepth(): number {
  return scopes.length;
}
