// `dnas setup`: makes an installed package usable — system packages where it may (root + apt) and
// the native addon, built in the package folder. The package ships compiled JavaScript and npm has
// installed its dependencies, so this never runs npm ci or tsc (scripts/setup.sh --native-only).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';

/** The package root: the nearest folder above this file holding scripts/setup.sh (dist/src/cli → three levels; src/cli under tsx → two). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'setup.sh')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`dnas setup: cannot find scripts/setup.sh above ${from}; reinstall the package (npm install dnas)`);
  }
}

export function setupCommand(): Command {
  return new Command('setup')
    .description('install the system packages dnas needs (as root, with apt-get) and build its native addon; run once after npm install')
    .addHelpText('after', "\nExamples:\n  npx dnas setup\n  LIBTORCH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))') npx dnas setup   # another libtorch (CUDA)")
    .action(() => {
      const root = packageRoot();
      const r = spawnSync('bash', [join(root, 'scripts', 'setup.sh'), '--native-only'], { cwd: root, stdio: 'inherit' });
      if (r.error) throw new Error(`dnas setup: cannot run bash (${r.error.message.split('\n')[0]}); install bash or run scripts/setup.sh --native-only in ${root} yourself`);
      if (r.status !== 0) throw new Error(`setup did not finish (exit status ${r.status}); fix what it reported above and run 'npx dnas setup' again`);
      process.stderr.write('dnas setup: ready\n');
    });
}
