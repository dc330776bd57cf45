// Paths of the committed fixture runs, whether the tests run compiled (dist/test/…) or from source.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export const DARTS_RUN = join(repositoryRoot(), 'test', 'report', 'fixtures', 'darts-synthetic');
export const NB201_RUN = join(repositoryRoot(), 'test', 'report', 'fixtures', 'nb201-synthetic');
export const NB201_GDAS_RUN = join(repositoryRoot(), 'test', 'report', 'fixtures', 'nb201-gdas-synthetic');
export const CLI = join(repositoryRoot(), 'dist', 'src', 'cli', 'main.js');
