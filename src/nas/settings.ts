// One declaration per search setting: its validator, its CLI flag and its help text. The zod schema
// of a search config, the commander options of `dnas search` and the flag names in error messages
// are all derived from this table, so a hyperparameter is written once. Defaults live in the preset
// tables (config.ts for the base, spaces for their shape, methods.ts for the papers' values).
import { z } from 'zod';

/** How a flag's text becomes a value; the zod schema then validates it. */
export type SettingKind = 'int' | 'float' | 'bool' | 'choice' | 'pair' | 'string' | 'list';

export interface Setting<T = unknown> {
  readonly kind: SettingKind;
  readonly schema: z.ZodType<T>;
  /** The long flag without dashes, e.g. 'arch-lr'; absent for settings the CLI does not expose. */
  readonly flag?: string;
  readonly help: string;
  /** For 'choice': the allowed values (shown in --help). */
  readonly choices?: readonly string[];
  /** The flag's placeholder in --help, e.g. '<x>'. */
  readonly placeholder?: string;
}

interface Bounds {
  min?: number;
  max?: number;
  /** min itself is not allowed. */
  exclusiveMin?: boolean;
}

function boundsText(b: Bounds): string {
  const lo = b.min === undefined ? '' : ` ${b.exclusiveMin ? '>' : '≥'} ${b.min}`;
  const hi = b.max === undefined ? '' : `${lo ? ' and' : ''} ≤ ${b.max}`;
  return `${lo}${hi}`;
}

function boundedNumber(integer: boolean, b: Bounds): z.ZodNumber {
  const msg = `expected ${integer ? 'an integer' : 'a number'}${boundsText(b)}`;
  let s = z.number({ error: msg });
  if (integer) s = s.int(msg);
  if (b.min !== undefined) s = b.exclusiveMin ? s.gt(b.min, msg) : s.min(b.min, msg);
  if (b.max !== undefined) s = s.max(b.max, msg);
  return s;
}

const int = (flag: string | undefined, help: string, b: Bounds = {}): Setting<number> => ({ kind: 'int', schema: boundedNumber(true, b), flag, help, placeholder: '<n>' });
const float = (flag: string | undefined, help: string, b: Bounds = {}): Setting<number> => ({ kind: 'float', schema: boundedNumber(false, b), flag, help, placeholder: '<x>' });
const bool = (flag: string | undefined, help: string): Setting<boolean> => ({ kind: 'bool', schema: z.boolean(), flag, help });
const choice = <T extends string>(flag: string | undefined, values: readonly [T, ...T[]], help: string): Setting<T> => ({
  kind: 'choice',
  schema: z.enum(values as [T, ...T[]], { error: `expected one of ${values.join(', ')}` }) as unknown as z.ZodType<T>,
  flag,
  help,
  choices: values,
  placeholder: '<name>',
});
const str = (flag: string | undefined, help: string, placeholder = '<name>'): Setting<string> => ({ kind: 'string', schema: z.string().min(1, 'expected a non-empty value'), flag, help, placeholder });

/**
 * Every setting of a search. Keys are config.json's keys; `flag` is the CLI's name. Parts are named
 * settings too (`mixing`, `update`, `derive`, `lrSchedule`, `archOptimizer`), so config.json records
 * the composition of a run and not only its numbers.
 */
export const SEARCH_SETTINGS = {
  // What is searched, on what data.
  space: choice('space', ['darts', 'nb201', 'hypercuboid'], "search space; 'hypercuboid' is sharpDARTS' differentiable grid search over channel widths (its result is a path, not a cell)"),
  primitives: {
    kind: 'list',
    schema: z.array(z.string().min(1)).min(1, 'expected a list name or op names'),
    flag: 'primitives',
    help: "candidate ops: a named list (darts, darts-no-none, nb201, sharp, sharper; R-DARTS' s1 (a pair of ops per edge, DARTS space only), s2, s3, s4) or op names separated by commas; the order is α's column order",
    placeholder: '<list>',
  } satisfies Setting<string[]>,
  ops: choice('ops', ['darts', 'nb201', 'sharp', 'hypercuboid'], 'op table the primitives are built from (default: the space\'s own; sharp = sharpDARTS\' SharpSepConv ops)'),
  method: str('method', 'method preset: sets every part and hyperparameter below to the paper\'s values'),
  dataset: str('dataset', 'fashion-mnist (embedded default), mnist, cifar10, cifar100, imagefolder, synthetic'),
  dataDir: { kind: 'string', schema: z.string().min(1).optional(), flag: 'data-dir', help: 'folder holding the data set files (cifar-10-batches-bin/, …)', placeholder: '<dir>' } satisfies Setting<string | undefined>,
  trainLimit: int('train-limit', 'use only the first N training images (0 = all)', { min: 0 }),
  // The supernet.
  initChannels: int('init-channels', 'initial channels C', { min: 2 }),
  layers: int('layers', 'cells (DARTS) or cells per stage (NAS-Bench-201); hypercuboid: an even count, 2 per grid layer (stride 1 and stride 2)', { min: 1 }),
  // sharpDARTS (Hundt et al. 2019): choke width, and the hypercuboid's shape and op skipping.
  midChannels: int('mid-channels', "middle width of sharpDARTS' choke ops (choke_conv_3x3, dil_choke_conv_3x3) with --ops sharp", { min: 1 }),
  steps: int('steps', 'hypercuboid: number of channel widths C·2^k (sharpDARTS --layers_in_cells); the cell spaces have a fixed node count', { min: 1 }),
  alwaysApplyOps: bool('always-apply-ops', 'hypercuboid: compute every op; otherwise ops whose softmax weight is at most 1/n² are skipped, as the reference does by default'),
  dropPathProb: float('drop-path-prob', 'search-time drop path: each non-identity op output of a supernet edge is zeroed per sample with this probability (ramped linearly over the epochs, as in evaluation); 0 = off', { min: 0 }),
  // The run.
  epochs: int('epochs', 'search epochs', { min: 1 }),
  batchSize: int('batch-size', 'batch size of both the weight and the architecture step', { min: 2 }),
  seed: int('seed', 'random seed', { min: 0 }),
  device: { kind: 'string', schema: z.string().regex(/^(cpu|cuda(:\d+)?)$/, "expected 'cpu', 'cuda' or 'cuda:N'"), flag: 'device', help: "'cpu' or 'cuda'", placeholder: '<device>' } satisfies Setting<string>,
  trainPortion: float('train-portion', 'share of the training set that trains the weights; the rest trains the architecture (1 = no split: single-level updates train both on every image)', { min: 0, max: 1, exclusiveMin: true }),
  // Mixing: how an edge combines its ops from α (sampler, partial channels, edge normalisation).
  mixing: choice('mixing', ['softmax', 'gdas', 'max-w'], "sampler: 'softmax' (DARTS' weighted sum), 'gdas' (hard Gumbel-softmax, one op per edge, straight-through) or 'max-w' (sharpDARTS: 1 − max w + w, the strongest op at weight 1)"),
  maxWDetach: bool('max-w-detach', "max-w: stop the gradient through max w. Default off, because sharpDARTS' MixedOp lets it flow (only a comment in its hypercuboid says it should not)"),
  partialChannels: int('partial-channels', 'PC-DARTS K: 1/K of the channels go through the mixed op, the rest bypass it (1 = off)', { min: 1 }),
  edgeNorm: bool('edge-norm', "PC-DARTS' edge normalisation: per-node softmax weights β on the incoming edges"),
  tauMax: float('tau-max', 'Gumbel temperature at the first epoch (falls linearly to --tau-min)', { min: 0, exclusiveMin: true }),
  tauMin: float('tau-min', 'Gumbel temperature at the last epoch', { min: 0, exclusiveMin: true }),
  topology: choice(
    'topology',
    ['all-edges', 'gumbel-top2'],
    "which edges of a cell run: 'all-edges', or ROME's 'gumbel-top2' (per node two distinct incoming edges drawn without replacement from softmax(β) per phase; unselected edges are not computed; needs ≥ 2 inputs per node, so ROME keeps every edge on NAS-Bench-201)",
  ),
  top2Relaxation: choice(
    'top2-relaxation',
    ['softmax', 'successive'],
    "how gradients reach β through the hard top-2 (straight-through, hard − soft.detach() + soft): 'softmax' uses soft = softmax((log softmax β + g)/τ) over the node's edges (ROME's Eq. 7, the default), 'successive' the relaxed top-2 of two successive softmaxes (soft sums to 2)",
  ),
  // Update: how weights and architecture learn.
  update: choice(
    'update',
    ['bilevel', 'implicit', 'single-level'],
    "architecture update rule: 'bilevel' (DARTS: α on a validation batch, w on a training batch), 'implicit' (iDARTS: --inner-steps weight steps, then a Neumann-series implicit hypergradient), 'single-level' (Single-DARTS: w and α from one training batch, no split; its presets use DARTS' hyperparameters per space, the paper's code being unavailable)",
  ),
  order: { kind: 'choice', schema: z.union([z.literal(1), z.literal(2)], { error: 'expected one of 1, 2' }), flag: 'order', help: 'bi-level approximation: 1 (first order) or 2 (second order, unrolled)', choices: ['1', '2'], placeholder: '<n>' } satisfies Setting<1 | 2>,
  hessian: choice('hessian', ['finite-difference', 'exact'], "second order's mixed Hessian-vector product: 'finite-difference' (the paper) or 'exact' (double backward)"),
  stepOrder: choice('step-order', ['arch-first', 'weights-first'], "'arch-first' (quark0/darts) or 'weights-first' (AutoDL-Projects)"),
  innerSteps: int(
    'inner-steps',
    "iDARTS T: weight steps on fresh training batches before each architecture step (they are the weight training). Presets: 5 on the DARTS space (architect_hess.py); on NAS-Bench-201, 4 (the notebook's loop) with the recipe its logged config prints (its DARTS_wlr0p01.config file is missing): SGD lr 0.01 → 0.001 cosine, Nesterov, momentum 0.9, wd 5e-4, batch 64, 30 epochs",
    { min: 1 },
  ),
  neumannK: int('neumann-k', 'iDARTS K: Neumann terms beyond the first in H⁻¹ ≈ η Σ_{k=0..K} (I − ηH)^k (2 = the paper; 0 = the one-step unrolled form)', { min: 0 }),
  idartsReferenceRestore: bool('idarts-reference-restore', "iDARTS: leave the weights shifted by −R·(v1+…+vK) after the finite difference, as the reference's restore does (default: restore exactly)"),
  romeK: int('rome-k', "ROME's gradient accumulation: sub-models sampled afresh per step; the architecture steps with the mean of their K validation gradients, the weights with the sum of their K training gradients (1 = off)", { min: 1 }),
  warmupEpochs: int('warmup-epochs', 'epochs of weight-only training before the architecture starts to learn', { min: 0 }),
  // Derivation: how the genotype is read off.
  derive: choice('derive', ['darts-top2', 'top2-pairs', 'rome', 'argmax', 'hypercuboid-paths'], "'darts-top2' (2 strongest edges per node, ranked by α·β when β exists), 'top2-pairs' (AutoDL's GDAS rule on the DARTS space), 'rome' (per node the 2 edges with the largest β, each with its argmax-α op), 'argmax' (per edge, NAS-Bench-201), 'hypercuboid-paths' (longest and greedy paths through the hypercuboid's grid)"),
  // Weight optimizer and its schedule.
  lr: float('lr', 'weight learning rate', { min: 0, exclusiveMin: true }),
  lrMin: float('lr-min', 'final weight learning rate of the schedule', { min: 0 }),
  lrSchedule: choice('lr-schedule', ['cosine', 'constant', 'cosine-power'], "weight learning-rate schedule, one value per epoch: 'cosine' (annealed to --lr-min), 'constant' or 'cosine-power' (sharpDARTS' cosine power annealing, --lr-power, --lr-warmup-epochs)"),
  lrPower: float('lr-power', 'cosine-power: exponent base p (1 = plain cosine; sharpDARTS uses 2)', { min: 1 }),
  lrWarmupEpochs: int('lr-warmup-epochs', 'cosine-power: epochs of linear learning-rate warm-up before the peak (sharpDARTS: 5); must be fewer than --epochs', { min: 0 }),
  momentum: float('momentum', 'SGD momentum', { min: 0, max: 1 }),
  weightDecay: float('weight-decay', 'weight decay of the weights', { min: 0 }),
  nesterov: bool('nesterov', 'Nesterov momentum for the weights'),
  gradClip: float('grad-clip', 'gradient-norm clip of the weights', { min: 0, exclusiveMin: true }),
  // Architecture optimizer.
  archOptimizer: choice('arch-optimizer', ['adam', 'sgd'], 'optimizer of the architecture parameters'),
  archLr: float('arch-lr', 'learning rate of the architecture parameters', { min: 0, exclusiveMin: true }),
  archBetas: {
    kind: 'pair',
    schema: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)], { error: 'expected two numbers in [0, 1]' }),
    flag: 'arch-betas',
    help: 'Adam betas of the architecture parameters',
    placeholder: '<b1,b2>',
  } satisfies Setting<[number, number]>,
  archWeightDecay: float('arch-weight-decay', 'weight decay of the architecture parameters', { min: 0 }),
  // Collapse diagnostics and early stopping (logged every epoch).
  hessianEvery: int('hessian-every', 'measure the dominant eigenvalue of the validation-loss Hessian w.r.t. α every N epochs (RobustDARTS measured every 2nd; 0 = never)', { min: 0 }),
  hessianIterations: int('hessian-iterations', 'power iterations (exact Hessian-vector products) per eigenvalue measurement', { min: 1 }),
  hessianTolerance: float('hessian-tolerance', 'stop the power iteration when the eigenvalue changes by less than this, relatively', { min: 0 }),
  hessianBatches: int('hessian-batches', 'fixed validation batches (drawn once, apart from the search stream) the eigenvalue is averaged over', { min: 1 }),
  earlyStop: choice('early-stop', ['off', 'skip2', 'eigen'], "'skip2': stop once the derived normal cell has 2 skip connections (DARTS+); 'eigen': stop when the eigenvalue's local mean grows by --early-stop-threshold over --early-stop-window (RobustDARTS)"),
  earlyStopWindow: int('early-stop-window', "eigen rule: measurements in the eigenvalue's centred local mean (RobustDARTS: 5)", { min: 1 }),
  earlyStopThreshold: float('early-stop-threshold', 'eigen rule: growth ratio of the local mean that stops the search (RobustDARTS: 1.3)', { min: 0, exclusiveMin: true }),
  // Data and compute.
  cutout: int('cutout', 'cutout hole size in pixels (0 = off)', { min: 0 }),
  autoaugment: bool('autoaugment', "AutoAugment on the search's training batches (both halves of the split, as sharpDARTS' train_search applies its train transform to both)"),
  autoaugmentPolicy: choice('autoaugment-policy', ['cifar10', 'sharpdarts-cifar10'], "AutoAugment table: 'cifar10' (the paper's 25 sub-policies) or 'sharpdarts-cifar10' (the 95 sharpDARTS' code draws from)"),
  channelsLast: bool('channels-last', 'channels-last (NHWC) activations, 2–5× faster depthwise convs on CPU'),
  checkpointCells: int('checkpoint-cells', 'recompute the first N cells during backward instead of storing them: less memory, more time (DARTS space)', { min: 0 }),
  numThreads: int('threads', 'CPU threads per process (0 = all cores; with --nproc N, the cores / N)', { min: 0 }),
  // Data-parallel search (src/nas/data-parallel.ts): recorded so a resume runs as many processes.
  nproc: int('nproc', 'data-parallel search on this machine: start N processes, each computing on 1/N of every batch, gradients averaged before every step (--batch-size stays the global batch)', { min: 1 }),
  worldSize: int('world-size', 'data-parallel search across machines: processes in all (default: WORLD_SIZE, else --nproc, else 1); start each with its --rank, the same --master-addr and --master-port', { min: 1 }),
  checkpointEvery: {
    kind: 'string',
    schema: z.string().regex(/^\d+(s|m|h)?$/, 'expected a step count (200) or a duration (90s, 10m, 1h); 0 = only at epoch ends'),
    flag: 'checkpoint-every',
    help: 'also checkpoint mid-epoch, every N steps (200) or every so long (10m); a resumed run continues bit for bit',
    placeholder: '<n|time>',
  } satisfies Setting<string>,
} as const;

export type SearchSettingKey = keyof typeof SEARCH_SETTINGS;

/** `--flag` for a config key, for messages; keys the CLI does not expose are named as they are. */
export function flagOf(key: string): string {
  const s = (SEARCH_SETTINGS as Record<string, Setting>)[key];
  return s?.flag ? `--${s.flag}` : key;
}

/** Turns a flag's text into a value of the setting's kind; the schema validates it afterwards. */
export function parseSettingText(s: Setting, text: string): unknown {
  const t = text.trim();
  switch (s.kind) {
    case 'int':
      return /^-?\d+$/.test(t) ? Number(t) : Number.NaN;
    case 'float':
      return t === '' ? Number.NaN : Number(t);
    case 'bool':
      if (['true', '1', 'yes'].includes(t)) return true;
      if (['false', '0', 'no'].includes(t)) return false;
      return t;
    case 'choice':
      return s.choices?.every((c) => /^\d+$/.test(c)) && /^\d+$/.test(t) ? Number(t) : t;
    case 'pair': {
      const parts = t.split(',').map((p) => Number(p.trim()));
      return parts.length === 2 && parts.every(Number.isFinite) ? parts : t;
    }
    case 'list':
      return t.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
    default:
      return t;
  }
}
