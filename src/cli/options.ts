// Parsers for numeric flags that say what was wrong and what is expected.
import { InvalidArgumentError } from 'commander';

export function int(min = 0): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}, got '${v}'.`);
    return n;
  };
}

export function float(opts: { min?: number; max?: number; exclusiveMin?: boolean } = {}): (v: string) => number {
  return (v) => {
    const n = Number(v);
    const { min = -Infinity, max = Infinity } = opts;
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (opts.exclusiveMin && n === min)) {
      throw new InvalidArgumentError(`expected a number${Number.isFinite(min) ? ` ${opts.exclusiveMin ? '>' : '≥'} ${min}` : ''}${Number.isFinite(max) ? ` and ≤ ${max}` : ''}, got '${v}'.`);
    }
    return n;
  };
}

export function choice<T extends string>(allowed: readonly T[]): (v: string) => T {
  return (v) => {
    if (!allowed.includes(v as T)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got '${v}'.`);
    return v as T;
  };
}

export function pair(v: string): [number, number] {
  const parts = v.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n))) throw new InvalidArgumentError(`expected two numbers separated by a comma (e.g. 0.5,0.999), got '${v}'.`);
  return [parts[0]!, parts[1]!];
}
