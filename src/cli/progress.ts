// Progress display: a live bar with loss, accuracy and ETA on a terminal; plain periodic lines
// otherwise (logs, CI), so output stays readable when redirected.
import cliProgress from 'cli-progress';
import type { SearchEvent } from '../nas/search.js';

export interface Progress {
  onEvent(e: SearchEvent): void;
  stop(): void;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '  -  ' : `${(100 * x).toFixed(1)}%`);

export function createProgress(opts: { tty: boolean; quiet: boolean; write: (line: string) => void }): Progress {
  if (opts.quiet) return { onEvent: () => {}, stop: () => {} };
  let stepsPerEpoch = 0;
  let epochs = 0;
  let bar: cliProgress.SingleBar | null = null;
  let lastLine = 0;
  let running = { loss: 0, correct: 0, count: 0, vcorrect: 0, vcount: 0 };
  const reset = () => { running = { loss: 0, correct: 0, count: 0, vcorrect: 0, vcount: 0 }; };
  return {
    onEvent(e) {
      switch (e.type) {
        case 'start':
          stepsPerEpoch = e.stepsPerEpoch;
          epochs = e.epochs;
          opts.write(`search: ${e.weights.toLocaleString('en-US')} weights, ${e.archParams} arch params, ${epochs} epochs × ${stepsPerEpoch} steps${e.resumedFrom ? ` (resumed at epoch ${e.resumedFrom.epoch + 1}, step ${e.resumedFrom.step})` : ''}`);
          break;
        case 'step': {
          running.loss += e.trainLoss * e.trainCount;
          running.correct += e.trainCorrect;
          running.count += e.trainCount;
          running.vcorrect += e.validCorrect ?? 0;
          running.vcount += e.validCount ?? 0;
          const payload = { epoch: `${e.epoch + 1}/${epochs}`, loss: (running.loss / running.count).toFixed(3), acc: pct(running.correct / running.count), vacc: running.vcount ? pct(running.vcorrect / running.vcount) : '  -  ' };
          if (opts.tty) {
            if (!bar) {
              bar = new cliProgress.SingleBar({ format: 'epoch {epoch} [{bar}] {value}/{total} | loss {loss} | train {acc} | valid {vacc} | ETA {eta_formatted}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
              bar.start(stepsPerEpoch, e.step, payload);
            }
            bar.update(e.step + 1, payload);
          } else if (Date.now() - lastLine > 10_000 || e.step + 1 === stepsPerEpoch) {
            lastLine = Date.now();
            opts.write(`epoch ${payload.epoch} step ${e.step + 1}/${stepsPerEpoch} loss ${payload.loss} train ${payload.acc} valid ${payload.vacc} lr ${e.lr.toExponential(3)} (${e.seconds.toFixed(2)} s/step)`);
          }
          break;
        }
        case 'epoch':
          bar?.stop();
          bar = null;
          reset();
          opts.write(`epoch ${e.epoch + 1}/${epochs}: train loss ${e.trainLoss.toFixed(4)} acc ${pct(e.trainAcc)}, valid loss ${e.validLoss === null ? '-' : e.validLoss.toFixed(4)} acc ${pct(e.validAcc)}, ${e.seconds.toFixed(1)} s`);
          opts.write(`  genotype: ${e.genotype}`);
          break;
        case 'checkpoint':
          if (e.reason === 'interrupt') {
            bar?.stop();
            bar = null;
            opts.write(`interrupted: checkpoint written at epoch ${e.epoch + 1}, step ${e.step}; continue with --resume`);
          }
          break;
      }
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
