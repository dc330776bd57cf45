// `--nproc N`: the command starts N copies of itself on this machine, as torchrun does, each with
// RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT in its environment, and
// supervises them: a rank that fails stops the others (they could only wait in their next
// collective) and the launcher exits with its code, naming it; SIGINT and SIGTERM are passed on
// once to every rank, which then stop together at the same step with a checkpoint.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

/** Set in a launched rank's environment, so it joins the group instead of launching again. */
export const LAUNCHED_ENV = 'DNAS_LAUNCHED';

export function isLaunchedRank(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[LAUNCHED_ENV] === '1';
}

/** A TCP port that was free a moment ago (the OS picks it; rank 0 binds it soon after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('could not find a free port'))));
    });
  });
}

/**
 * Threads per rank when the user set none: the cores shared out, at least one each, so N ranks do
 * not oversubscribe the machine.
 */
export function threadsPerRank(nproc: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / nproc));
}

export interface LaunchOptions {
  nproc: number;
  /** The command line each rank runs (the script and its arguments, without node itself). */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Threads per rank, when neither DNAS_NUM_THREADS nor OMP_NUM_THREADS is set. */
  threads?: number;
  /** Where the launcher's own one-line messages go. */
  log?: (line: string) => void;
}

/**
 * The exit code of a rank whose collective failed because another rank is gone (closed its
 * connections or stopped answering): the launcher then names the rank that failed first instead.
 */
export const PEER_LOST_EXIT = 75;

/** How long after a first failure the launcher waits for the cause to show before stopping the rest. */
const SETTLE_MS = 1000;

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15, SIGABRT: 6 };
  return 128 + (numbers[signal!] ?? 1);
}

interface Failure {
  rank: number;
  code: number;
  how: string;
}

/** Runs the ranks to the end; resolves with the exit code the launcher should return. */
export async function launchRanks(o: LaunchOptions): Promise<number> {
  const env = o.env ?? process.env;
  const log = o.log ?? ((l) => process.stderr.write(`${l}\n`));
  const port = await freePort();
  const threads = env.DNAS_NUM_THREADS === undefined && env.OMP_NUM_THREADS === undefined ? { DNAS_NUM_THREADS: String(o.threads ?? threadsPerRank(o.nproc)) } : {};
  const children: ChildProcess[] = [];
  const alive = new Set<number>();
  const failures: Failure[] = [];
  const stopped = new Set<number>();
  let signalled = false;
  let settling: NodeJS.Timeout | null = null;

  const forward = (signal: NodeJS.Signals) => {
    signalled = true;
    for (const r of alive) children[r]?.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);

  const codes = await new Promise<number[]>((resolve) => {
    const codes: number[] = new Array(o.nproc).fill(0);
    const finishIfDone = () => {
      if (alive.size > 0) return;
      if (settling) clearTimeout(settling);
      resolve(codes);
    };
    for (let rank = 0; rank < o.nproc; rank++) {
      const child = spawn(process.execPath, [...process.execArgv, ...o.args], {
        env: { ...env, ...threads, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(o.nproc), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), [LAUNCHED_ENV]: '1' },
        // Its own process group, so a Ctrl-C on the terminal reaches the launcher alone and each rank
        // hears it once, from the launcher; the IPC channel tells a rank when the launcher is gone.
        detached: true,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      alive.add(rank);
      child.on('exit', (code, signal) => {
        alive.delete(rank);
        codes[rank] = exitCodeOf(code, signal);
        if (codes[rank] !== 0 && !signalled && !stopped.has(rank)) {
          const how = codes[rank] === PEER_LOST_EXIT ? 'lost contact with another rank' : signal ? `was killed by ${signal}` : `exited with code ${code}`;
          failures.push({ rank, code: codes[rank]!, how });
          // The others cannot finish without this rank (their last checkpoint is on disk). They are
          // stopped a moment later, so that a rank failing for its own reason at the same time is
          // seen as the cause rather than killed.
          settling ??= setTimeout(() => {
            for (const r of alive) {
              stopped.add(r);
              children[r]?.kill('SIGKILL');
            }
          }, SETTLE_MS);
        }
        finishIfDone();
      });
    }
  });
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  const cause = failures.find((f) => f.code !== PEER_LOST_EXIT) ?? failures[0];
  if (cause) {
    log(`dnas: rank ${cause.rank} of ${o.nproc} ${cause.how}; stopped the other ranks`);
    return cause.code === PEER_LOST_EXIT ? 1 : cause.code;
  }
  // Interrupted (or done): rank 0's code says how the run ended (130 or 143 after a stop with a checkpoint).
  return codes[0] ?? 0;
}

/**
 * In a launched rank: leave when the launcher is gone (killed without passing a signal on), rather
 * than compute for nobody; the IPC channel must not keep the rank alive once its work is done.
 */
export function exitWithLauncher(rank: number): void {
  if (!process.channel) return;
  process.on('disconnect', () => {
    process.stderr.write(`dnas: rank ${rank}: the launcher exited; stopping\n`);
    process.exit(1);
  });
  process.channel.unref();
}
