// The run directory (DESIGN.md): config.json, log.jsonl, genotype.json, checkpoint/.
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../torch/index.js';

export class RunDir {
  constructor(readonly path: string) {}

  get configPath(): string { return join(this.path, 'config.json'); }
  get logPath(): string { return join(this.path, 'log.jsonl'); }
  get genotypePath(): string { return join(this.path, 'genotype.json'); }

  create(): void {
    mkdirSync(this.path, { recursive: true });
  }

  writeJSON(file: string, value: unknown): void {
    writeFileAtomic(join(this.path, file), `${JSON.stringify(value, null, 2)}\n`);
  }

  readConfig(): unknown {
    if (!existsSync(this.configPath)) throw new Error(`'${this.path}' is not a dnas run directory (no config.json); check --out`);
    try {
      return JSON.parse(readFileSync(this.configPath, 'utf8'));
    } catch {
      throw new Error(`'${this.configPath}' is not valid JSON; fix it or start a new run`);
    }
  }

  log(event: object): void {
    appendFileSync(this.logPath, `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
  }

  logBytes(): number {
    return existsSync(this.logPath) ? statSync(this.logPath).size : 0;
  }

  truncateLog(bytes: number): void {
    if (existsSync(this.logPath) && statSync(this.logPath).size > bytes) truncateSync(this.logPath, bytes);
  }
}
