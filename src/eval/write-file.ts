// Atomic writes of exported files, with a one-line error a user can act on.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../torch/index.js';

/** Writes `data` to `file` atomically; a missing folder or a failed write is one line naming the file and the fix. */
export function writeFileAtomically(file: string, data: Uint8Array, what: string): void {
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`cannot write the ${what} to '${file}': folder '${dir}' does not exist (create it or choose another path)`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new Error(`cannot write the ${what} to '${file}': it is a folder (give a file name)`);
  try {
    writeFileAtomic(file, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0];
    throw new Error(`cannot write the ${what} to '${file}' (${code}); check that its folder is writable`);
  }
}
