// `dnas eval RUN`: test accuracy, loss, parameters and multiply-adds of a trained run; writes eval.json.
import { Command } from 'commander';
import { evaluateRun } from '../eval/evaluate.js';
import * as torch from '../torch/index.js';
import { int } from './options.js';
import { RunDir } from './run-dir.js';

interface EvalFlags {
  dataDir?: string;
  batchSize?: number;
  threads?: number;
  json?: boolean;
}

export function evalCommand(): Command {
  return new Command('eval')
    .description("evaluate a run written by dnas train on its data set's test split (or other data of the same classes); writes eval.json into the run")
    .argument('<run>', 'run directory written by dnas train')
    .option('--data-dir <dir>', 'test data of the same classes: the data set\'s folder, or a folder with CIFAR-10.1\'s cifar10.1_v6_data.npy and _labels.npy')
    .option('--batch-size <n>', 'images per forward pass (default: the training batch size)', int(2))
    .option('--threads <n>', 'CPU threads (default: all cores)', int(1))
    .option('--json', 'print eval.json on stdout instead of a summary')
    .addHelpText(
      'after',
      `
Examples:
  dnas eval runs/train-DARTS_V2-cifar10-20260101-120000
  dnas eval runs/my-train --data-dir ~/data/CIFAR-10.1/datasets      the same network on CIFAR-10.1`,
    )
    .action(async (run: string, flags: EvalFlags) => {
      if (flags.threads !== undefined) torch.setNumThreads(flags.threads);
      const report = await evaluateRun(run, { dataDir: flags.dataDir, batchSize: flags.batchSize });
      const file = flags.dataDir ? `eval-${report.dataset}.json` : 'eval.json';
      new RunDir(run).writeJSON(file, report);
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        process.stdout.write(`${report.dataset} test (${report.images} images, checkpoint at epoch ${report.epoch}/${report.epochs}): top-1 ${report.top1.toFixed(2)}%, top-5 ${report.top5.toFixed(2)}%, loss ${report.loss.toFixed(4)}\n`);
        process.stdout.write(`${report.paramsM.toFixed(3)} M parameters (without the auxiliary head), ${report.macsM.toFixed(1)} M multiply-adds per image; written to ${run}/${file}\n`);
      }
    });
}
