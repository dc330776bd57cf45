// Progress of `dnas train`: a live bar on a terminal, a plain line every 10 s and per epoch otherwise.
import cliProgress from 'cli-progress';
import type { TrainEvent } from '../eval/train.js';

export interface TrainProgress {
  onEvent(e: TrainEvent): void;
  stop(): void;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function createTrainProgress(opts: { tty: boolean; quiet: boolean; write: (line: string) => void }): TrainProgress {
  if (opts.quiet) return { onEvent: () => {}, stop: () => {} };
  let stepsPerEpoch = 0;
  let epochs = 0;
  let bar: cliProgress.SingleBar | null = null;
  let lastLine = 0;
  let running = { loss: 0, correct: 0, count: 0 };
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  return {
    onEvent(e) {
      switch (e.type) {
        case 'start':
          stepsPerEpoch = e.stepsPerEpoch;
          epochs = e.epochs;
          opts.write(`train: ${(e.paramsWithoutAuxiliary / 1e6).toFixed(3)} M parameters (${(e.params / 1e6).toFixed(3)} M with the auxiliary head), ${epochs} epochs × ${stepsPerEpoch} steps${e.resumedFrom ? ` (resumed at epoch ${e.resumedFrom.epoch + 1}, step ${e.resumedFrom.step})` : ''}`);
          break;
        case 'step': {
          running.loss += e.loss * e.count;
          running.correct += e.correct;
          running.count += e.count;
          const payload = { epoch: `${e.epoch + 1}/${epochs}`, loss: (running.loss / running.count).toFixed(3), acc: pct(running.correct / running.count) };
          if (opts.tty) {
            if (!bar) {
              bar = new cliProgress.SingleBar({ format: 'epoch {epoch} [{bar}] {value}/{total} | loss {loss} | train {acc} | ETA {eta_formatted}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
              bar.start(stepsPerEpoch, e.step, payload);
            }
            bar.update(e.step + 1, payload);
          } else if (Date.now() - lastLine > 10_000) {
            lastLine = Date.now();
            opts.write(`epoch ${payload.epoch} step ${e.step + 1}/${stepsPerEpoch} loss ${payload.loss} train ${payload.acc} lr ${e.lr.toExponential(3)} (${e.seconds.toFixed(2)} s/step)`);
          }
          break;
        }
        case 'epoch':
          stopBar();
          running = { loss: 0, correct: 0, count: 0 };
          opts.write(`epoch ${e.epoch + 1}/${epochs}: train loss ${e.trainLoss.toFixed(4)} acc ${pct(e.trainAcc)}${e.testAcc === null ? '' : `, test loss ${e.testLoss!.toFixed(4)} acc ${pct(e.testAcc)}`}, lr ${e.lr.toExponential(3)}, drop path ${e.dropPathProb.toFixed(3)}, ${e.seconds.toFixed(1)} s`);
          break;
        case 'checkpoint':
          if (e.reason === 'interrupt') {
            stopBar();
            opts.write(`interrupted: checkpoint written at epoch ${e.epoch + 1}, step ${e.step}; continue with --resume`);
          }
          break;
      }
    },
    stop: stopBar,
  };
}
