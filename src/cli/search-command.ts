// `dnas search`: resolves flags into a validated config, prepares the run directory, runs the
// search with progress output, writes genotype.json.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { hasCheckpoint } from '../nas/checkpoint.js';
import { parseSearchConfig, resolveSearchConfig, type SearchConfig } from '../nas/config.js';
import { assertResumeWorldSize, type DataParallel, processGroupDataParallel } from '../nas/data-parallel.js';
import { METHODS } from '../nas/methods.js';
import { runSearch } from '../nas/search.js';
import { openSearchData } from '../nas/search-data.js';
import { SEARCH_SETTINGS, type Setting } from '../nas/settings.js';
import { PRIMITIVE_LISTS } from '../nas/spaces/op-tables.js';
import type { Nb201Curve } from '../eval/nb201-table.js';
import * as torch from '../torch/index.js';
import { exitWithLauncher, launchRanks, PEER_LOST_EXIT } from './launch.js';
import { choice, float, int } from './options.js';
import { type Placement, resolvePlacement } from './placement.js';
import { createProgress } from './progress.js';
import { RunDir } from './run-dir.js';
import { addSettingOptions, settingOverrides } from './settings-options.js';

export { resolveSearchConfig, QUICK_PRESET } from '../nas/config.js';

/** Flags that steer the command rather than the search. */
interface RunFlags {
  out?: string;
  resume?: boolean;
  preset?: string;
  json?: boolean;
  report?: string | boolean;
  nb201?: string;
  rank?: number;
  masterAddr?: string;
  masterPort?: number;
  distBackend?: 'gloo' | 'nccl';
  distTimeout?: number;
}

/** Flags a resume may give: they steer how it runs, not what it searches. */
const RESUME_FLAGS = ['--resume', '--out', '--json', '--threads', '--checkpoint-every', '--report', '--nb201', '--nproc', '--world-size', '--rank', '--master-addr', '--master-port', '--dist-backend', '--dist-timeout'];

/** The NAS-Bench-201 table lookup of a derived cell, when the run searches the benchmark's own space. */
async function nb201Annotator(cfg: SearchConfig, table: string | undefined): Promise<((genotype: string) => Nb201Curve) | undefined> {
  const benchmarkOps = PRIMITIVE_LISTS.nb201!;
  if (cfg.space !== 'nb201' || cfg.primitives.length !== benchmarkOps.length || cfg.primitives.some((p, i) => p !== benchmarkOps[i])) return undefined;
  const { nb201Lookup } = await import('../eval/nb201-table.js');
  nb201Lookup('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|', table); // loads the table now: a bad --nb201 fails before the search
  return (genotype) => nb201Lookup(genotype, table);
}

function formatNb201(curve: Nb201Curve): string {
  return Object.entries(curve)
    .map(([dataset, acc]) => `${dataset} valid ${acc.valid.toFixed(2)} test ${acc.test.toFixed(2)}`)
    .join(' | ');
}

function defaultRunName(cfg: SearchConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return join('runs', `${cfg.space}-${cfg.method}-o${cfg.order}-${stamp}`);
}

/**
 * Joins the data-parallel process group (a rank that cannot reach rank 0 fails after --dist-timeout,
 * naming the flags to check).
 */
function joinProcessGroup(place: Placement, flags: RunFlags, cfg: SearchConfig): DataParallel {
  const masterAddr = flags.masterAddr ?? process.env.MASTER_ADDR ?? '127.0.0.1';
  const masterPort = flags.masterPort ?? (process.env.MASTER_PORT ? Number(process.env.MASTER_PORT) : 29500);
  const backend = flags.distBackend ?? (cfg.device.startsWith('cuda') && torch.distributed.isNcclAvailable() ? 'nccl' : 'gloo');
  try {
    torch.distributed.initProcessGroup({ backend, rank: place.rank, worldSize: place.worldSize, masterAddr, masterPort, timeout: flags.distTimeout === undefined ? undefined : flags.distTimeout * 1000 });
  } catch (e) {
    throw new Error(`--master-addr/--master-port: ${(e as Error).message.replace(/^initProcessGroup: /, '')}; check that rank 0 is running there and reachable, or raise --dist-timeout`);
  }
  if (place.launched) exitWithLauncher(place.rank);
  return processGroupDataParallel();
}

/** --nproc: starts the ranks on this machine and waits for them (the launcher computes nothing). */
async function launch(place: Placement, flags: RunFlags, cfg: SearchConfig): Promise<void> {
  const args = process.argv.slice(1);
  if (!flags.resume) {
    // Every rank must name the same run directory; rank 0 alone creates it.
    const out = flags.out ?? defaultRunName(cfg);
    if (hasCheckpoint(out)) throw new Error(`'${out}' already holds a search: pass --resume to continue it, or choose another --out`);
    if (!flags.out) args.push('--out', out);
  }
  process.exitCode = await launchRanks({ nproc: place.nproc, args });
}

async function search(flags: RunFlags, cmd: Command, attributes: Map<string, string>): Promise<void> {
  let cfg: SearchConfig;
  let dir: RunDir;
  let place: Placement;
  if (flags.resume) {
    if (!flags.out) throw new Error('--resume needs --out DIR: the run directory to continue');
    dir = new RunDir(flags.out);
    cfg = parseSearchConfig(dir.readConfig());
    const given = cmd.options.filter((o) => !RESUME_FLAGS.includes(o.long ?? '') && cmd.getOptionValueSource(o.attributeName()) === 'cli');
    if (given.length) throw new Error(`--resume continues the run with its saved config.json; remove ${given.map((o) => o.long).join(', ')} (or start a new run with another --out)`);
    const threads = cmd.getOptionValue('threads') as number | undefined;
    if (threads !== undefined) cfg.numThreads = threads;
    const every = cmd.getOptionValue('checkpointEvery') as string | undefined;
    if (every !== undefined) cfg.checkpointEvery = every;
    // A resume runs as many processes as the run had: --nproc again by default, unless the ranks
    // are placed by hand (--world-size, WORLD_SIZE).
    const worldSize = cmd.getOptionValue('worldSize') as number | undefined;
    const placedByHand = worldSize !== undefined || process.env.WORLD_SIZE !== undefined;
    place = resolvePlacement({ nproc: (cmd.getOptionValue('nproc') as number | undefined) ?? (placedByHand ? undefined : cfg.nproc), worldSize, rank: flags.rank });
    assertResumeWorldSize(cfg.worldSize, place.worldSize);
  } else {
    const overrides = settingOverrides(cmd, attributes) as Partial<SearchConfig>;
    place = resolvePlacement({ nproc: overrides.nproc, worldSize: overrides.worldSize, rank: flags.rank });
    cfg = resolveSearchConfig({ ...overrides, nproc: place.nproc, worldSize: place.worldSize, preset: flags.preset });
    dir = new RunDir(flags.out ?? defaultRunName(cfg));
  }
  if (place.nproc > 1 && !place.launched) return launch(place, flags, cfg);

  const dataParallel = place.worldSize > 1 ? joinProcessGroup(place, flags, cfg) : undefined;
  // Rank 0 alone writes the run directory and prints; the other ranks print only their errors.
  const writes = place.rank === 0;
  try {
    if (!flags.resume && writes) {
      if (hasCheckpoint(dir.path)) throw new Error(`'${dir.path}' already holds a search: pass --resume to continue it, or choose another --out`);
      dir.create();
      dir.writeJSON('config.json', cfg);
      if (existsSync(dir.logPath)) dir.truncateLog(0);
    }
    await searchAndReport(cfg, dir, flags, writes, dataParallel);
  } catch (e) {
    // A collective failed because another rank is gone: the launcher then names that rank instead.
    if (e instanceof torch.distributed.DistBackendError) Object.assign(e, { exitCode: PEER_LOST_EXIT });
    throw e;
  }
  if (dataParallel) torch.distributed.destroyProcessGroup();
}

async function searchAndReport(cfg: SearchConfig, dir: RunDir, flags: RunFlags, writes: boolean, dataParallel: DataParallel | undefined): Promise<void> {
  const data = await openSearchData(cfg);
  // Ctrl-C, and SIGTERM (what schedulers and container runtimes send before they kill a job), stop
  // after the current step with a checkpoint; a second signal quits at once.
  let stop: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop) process.exit(signal === 'SIGTERM' ? 143 : 130);
    stop = signal;
    if (writes) process.stderr.write(`\n${signal}: stopping after this step with a checkpoint (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit without one)…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const lookup = writes ? await nb201Annotator(cfg, flags.nb201) : undefined;
  const reportWhen = flags.report === true ? 'end' : flags.report;
  if (reportWhen !== undefined && reportWhen !== 'end' && reportWhen !== 'epoch') throw new Error(`--report: expected 'end' or 'epoch', got '${reportWhen}'`);
  const reportPath = join(dir.path, 'report', 'index.html');
  let reports = Promise.resolve();
  const writeRunReport = () => {
    reports = reports.then(async () => (await import('../report/index.js')).writeReport([dir.path], reportPath, { nb201Table: flags.nb201 }));
  };
  const progress = createProgress({ tty: Boolean(process.stderr.isTTY), quiet: Boolean(flags.json) || !writes, write: (l) => process.stderr.write(`${l}\n`) });
  try {
    const result = await runSearch(cfg, {
      runDir: dir.path,
      resume: Boolean(flags.resume),
      data,
      dataParallel,
      onEvent: (e) => {
        if (!writes) return;
        progress.onEvent(e);
        dir.log(e);
        if (e.type === 'epoch' && e.earlyStop) process.stderr.write(`early stop (${e.earlyStop.rule}) at epoch ${e.epoch + 1}: ${e.earlyStop.reason}\n`);
        if (e.type === 'checkpoint' && e.reason === 'epoch' && reportWhen === 'epoch') writeRunReport();
      },
      annotateEpoch: lookup ? (e) => ({ nb201: lookup(e.genotype) }) : undefined,
      logBytes: () => dir.logBytes(),
      truncateLog: (b) => {
        if (writes) dir.truncateLog(b);
      },
      shouldStop: () => stop !== null,
    });
    progress.stop();
    if (result.interrupted) process.exitCode = stop === 'SIGTERM' ? 143 : 130;
    if (!writes) return;
    if (!result.interrupted) {
      dir.writeJSON('genotype.json', { ...result.genotypeJSON, genotype: result.genotype });
    }
    if (reportWhen !== undefined) writeRunReport();
    await reports;
    const nb201 = lookup ? lookup(result.genotype) : undefined;
    const summary = { runDir: dir.path, genotype: result.genotype, interrupted: result.interrupted, epochs: result.epochsDone, ...(result.earlyStop ? { earlyStop: result.earlyStop } : {}), ...(nb201 ? { nb201 } : {}) };
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`${result.interrupted ? 'interrupted; genotype so far' : 'genotype'}: ${result.genotype}\n`);
      if (result.earlyStop) process.stdout.write(`stopped early by the ${result.earlyStop.rule} rule after epoch ${result.earlyStop.epoch + 1}: ${result.earlyStop.reason}\n`);
      if (nb201) process.stdout.write(`NAS-Bench-201: ${formatNb201(nb201)}\n`);
      if (reportWhen !== undefined) process.stdout.write(`report: ${reportPath}\n`);
      process.stdout.write(`run directory: ${dir.path}\n`);
    }
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function searchCommand(): Command {
  const cmd = new Command('search')
    .description('search a cell architecture with a DARTS-family method; writes a run directory (config.json, log.jsonl, genotype.json, checkpoint/)')
    .option('--out <dir>', 'run directory (default runs/<space>-<method>-<time>)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--preset <name>', "'quick': a small search (C=8, 5 cells, 3 epochs) on 2,000 images for a first look")
    .option('--json', 'print the result as one JSON line on stdout (no progress output)')
    .option('--report [when]', "write RUN/report/index.html at the 'end' of the search (default) or after every 'epoch'")
    .option('--nb201 <file>', 'NAS-Bench-201 table for the per-epoch lookup of the derived cell (default: the copy shipped in data/nb201/)')
    .option('--rank <n>', 'data-parallel across machines: this process\'s rank, 0 to --world-size − 1 (default: RANK); rank 0 writes the run directory', int(0))
    .option('--master-addr <host>', 'data-parallel: the host where rank 0 serves the rendezvous (default: MASTER_ADDR, else 127.0.0.1)')
    .option('--master-port <port>', 'data-parallel: the port rank 0 listens on (default: MASTER_PORT, else 29500; --nproc picks a free one)', int(1))
    .option('--dist-backend <name>', "data-parallel collectives: 'gloo' (CPU; the default) or 'nccl' (CUDA, when dnas was built against a CUDA libtorch with NCCL; the default on --device cuda then)", choice(['gloo', 'nccl'] as const))
    .option('--dist-timeout <seconds>', 'data-parallel: how long the rendezvous and each collective wait for the other ranks before failing (default 1800, as PyTorch)', float({ min: 0, exclusiveMin: true }));
  const methods = Object.values(METHODS).map((m) => `  ${m.name.padEnd(12)} ${m.description}`).join('\n');
  const attributes = addSettingOptions(
    cmd,
    SEARCH_SETTINGS as Record<string, Setting>,
    `Defaults: the chosen method's paper settings for the chosen space (config.json records every value used).
Methods (--method):
${methods}

Examples:
  dnas search --preset quick                                  a first look on the embedded Fashion-MNIST
  dnas search --space darts --method darts --order 2 --dataset cifar10 --data-dir ~/data
  dnas search --space nb201 --method gdas --dataset cifar10 --data-dir ~/data
  dnas search --method pc-darts --partial-channels 2          PC-DARTS with K=2
  dnas search --method darts --mixing gdas                    a combination the papers never tried
  dnas search --out runs/my-run --resume                      continue an interrupted search
  dnas search --preset quick --nproc 2                        data-parallel: 2 processes, each on half of every batch
  RANK=0 WORLD_SIZE=2 MASTER_ADDR=node0 MASTER_PORT=29500 dnas search --out runs/r …   (one per machine, RANK=1 on the other)

Data-parallel search (--nproc, or --world-size/--rank across machines) averages the weight and
architecture gradients over the processes before every step (one allreduce over Gloo), so N
processes with --batch-size B (a multiple of N) step as one process with batch B would, for every
method and update rule; BatchNorm statistics are per process, as in PyTorch's DDP, which makes
the match approximate in train mode. Rank 0 writes the run directory; a resume needs as many processes.`,
  );
  return cmd.action(async (flags: RunFlags, c: Command) => search(flags, c, attributes));
}
