// The share of CPU time the hypervisor gave to other guests while a figure was measured (the
// "steal" column of /proc/stat). On a shared virtual machine it moved from 0 % to 33 % within the
// hour and step times with it, so every timed line carries it beside the load average.
import { readFileSync } from 'node:fs';

function cpuTimes(): { steal: number; total: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    return { steal: f[7] ?? 0, total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** Starts a meter; calling the result gives the steal percentage since then (null where unreadable). */
export function stealMeter(): () => number | null {
  const start = cpuTimes();
  return () => {
    const end = cpuTimes();
    if (!start || !end || end.total <= start.total) return null;
    return Math.round((1000 * (end.steal - start.steal)) / (end.total - start.total)) / 10;
  };
}
