// `dnas export RUN`: the trained network of a run as ONNX or safetensors.
import { Command } from 'commander';
import { type BuildNetworkForRun, EXPORT_FORMATS, type ExportFormat, exportRun } from '../eval/export-run.js';
import { choice } from './options.js';

interface ExportFlags {
  format: ExportFormat;
  out?: string;
}

/** The command, given the function that rebuilds a run's network from its config.json (src/eval's networks). */
export function exportCommand(buildNetworkForRun: BuildNetworkForRun): Command {
  return new Command('export')
    .description("write a trained run's network as ONNX (opset 17, eval mode) or as a PyTorch-named safetensors state dict")
    .argument('<run>', "run directory written by 'dnas train'")
    .option('--format <format>', `${EXPORT_FORMATS.join(' | ')}`, choice(EXPORT_FORMATS), 'onnx')
    .option('--out <file>', 'output file (default: RUN/model.onnx or RUN/model.safetensors)')
    .addHelpText('after', '\nExamples:\n  dnas export runs/train-darts --format onnx\n  dnas export runs/train-darts --format safetensors --out darts.safetensors')
    .action((run: string, flags: ExportFlags) => {
      const r = exportRun(run, flags.format, buildNetworkForRun, flags.out);
      process.stdout.write(`wrote ${r.file} (${r.format}, ${r.tensors} tensors)\n`);
    });
}
