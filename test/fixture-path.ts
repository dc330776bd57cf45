// Locates a JSON fixture committed under test/, whether the test runs compiled (dist/test/…) or from source.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Reads `test/<relative>` from the repository root (the nearest ancestor with a package.json). */
export function readFixture<T>(relative: string): T {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return JSON.parse(readFileSync(join(dir, 'test', relative), 'utf8')) as T;
}
