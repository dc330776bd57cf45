// Where this process stands in a data-parallel search: from --nproc, or from --world-size/--rank
// with the environment variables torchrun and PyTorch's env:// use (WORLD_SIZE, RANK) as fallbacks.
import { isLaunchedRank } from './launch.js';

export interface Placement {
  /** Processes this command starts on this machine (1 unless --nproc launches them). */
  nproc: number;
  worldSize: number;
  /** This process's rank (0 for a launcher, which computes nothing itself). */
  rank: number;
  /** True in a rank started by --nproc's launcher. */
  launched: boolean;
}

export interface PlacementFlags {
  nproc?: number;
  worldSize?: number;
  rank?: number;
}

function envInt(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min) throw new Error(`${name}: expected an integer ≥ ${min}, got '${text}'`);
  return n;
}

export function resolvePlacement(flags: PlacementFlags, env: NodeJS.ProcessEnv = process.env): Placement {
  if (isLaunchedRank(env)) {
    const worldSize = envInt(env, 'WORLD_SIZE', 1) ?? 1;
    return { nproc: worldSize, worldSize, rank: envInt(env, 'RANK', 0) ?? 0, launched: true };
  }
  const nproc = flags.nproc ?? 1;
  if (nproc > 1) {
    // The launcher hands out ranks 0..N-1 itself; a machine-spanning group is started rank by rank.
    if (flags.rank !== undefined) throw new Error(`--rank: --nproc ${nproc} starts ranks 0 to ${nproc - 1} itself; leave out --rank, or drop --nproc to start each rank yourself`);
    if (flags.worldSize !== undefined && flags.worldSize !== nproc) throw new Error(`--world-size: --nproc ${nproc} starts all ${nproc} processes on this machine; leave out --world-size ${flags.worldSize}, or drop --nproc to start each rank yourself`);
    return { nproc, worldSize: nproc, rank: 0, launched: false };
  }
  const worldSize = flags.worldSize ?? envInt(env, 'WORLD_SIZE', 1) ?? 1;
  const rank = flags.rank ?? envInt(env, 'RANK', 0) ?? 0;
  if (rank >= worldSize) throw new Error(`--rank: rank ${rank} must be below --world-size ${worldSize} (ranks count from 0)`);
  return { nproc: 1, worldSize, rank, launched: false };
}
