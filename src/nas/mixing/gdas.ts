// GDAS (Dong & Yang 2019; AutoDL-Projects search_model_gdas.py): each edge samples ONE op per phase
// with the Gumbel-max trick, and the forward computes only that op. Straight-through weights
// h = one_hot(argmax p) − p.detach() + p, with p = softmax((log_softmax(α) + g) / τ), give the chosen
// op weight 1 in value while the gradient flows through p; the unchosen ops add their h (value 0) as
// scalars, so every α of the edge gets a gradient. τ falls linearly from τ_max to τ_min over the epochs.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { TrainingProgress } from '../types.js';
import type { Sampler } from './sampler.js';

export interface GdasOptions {
  tauMax: number;
  tauMin: number;
  /** Source of Gumbel(0, 1) noise of α's shape; tests inject a reference's recorded noise here. */
  drawGumbel?: (alpha: Tensor) => Tensor;
}

/** GDAS' temperature at an epoch: τ_max − (τ_max − τ_min)·epoch/(epochs − 1), τ_max for a 1-epoch run. */
export function gdasTau(o: Pick<GdasOptions, 'tauMax' | 'tauMin'>, progress: Pick<TrainingProgress, 'epoch' | 'epochs'>): number {
  if (progress.epochs <= 1) return o.tauMax;
  return o.tauMax - ((o.tauMax - o.tauMin) * progress.epoch) / (progress.epochs - 1);
}

/** g = −log(E), E ~ Exponential(1): Gumbel(0, 1) noise, as the reference draws it. */
export function gumbelNoise(like: Tensor): Tensor {
  return torch.noGrad(() => torch.tidy(() => torch.emptyLike(like).exponential_().log().neg()));
}

/** The soft sample p = softmax((log_softmax(α) + g) / τ). */
function softSample(alpha: Tensor, gumbel: Tensor, tau: number): Tensor {
  return torch.tidy(() => alpha.logSoftmax(-1).add(gumbel).div(tau).softmax(-1));
}

export function gdasSampler(o: GdasOptions): Sampler {
  if (!(o.tauMax > 0) || !(o.tauMin > 0)) throw new Error(`--tau-max/--tau-min: the Gumbel temperature must be > 0, got ${o.tauMax} and ${o.tauMin}`);
  const draw = o.drawGumbel ?? gumbelNoise;
  return {
    name: 'gdas',
    options: { tauMax: o.tauMax, tauMin: o.tauMin },
    draw(alpha, progress) {
      const tau = gdasTau(o, progress);
      // The reference draws again whenever the sample holds an inf or NaN.
      for (let attempt = 0; attempt < 100; attempt++) {
        const g = draw(alpha);
        const finite = torch.noGrad(() => torch.tidy(() => g.isfinite().all().item() === 1 && softSample(alpha, g, tau).isfinite().all().item() === 1));
        if (finite) return g;
        g.dispose();
      }
      throw new Error('GDAS: 100 Gumbel draws in a row gave inf or NaN weights: the architecture parameters are not finite (lower --arch-lr)');
    },
    opWeights(alpha, g, progress) {
      if (!g) throw new Error('GDAS needs the phase sample: call beginPhase before the forward');
      const probs = softSample(alpha, g, gdasTau(o, progress));
      const index = torch.noGrad(() => probs.argmax(-1));
      const oneHot = torch.noGrad(() => torch.zerosLike(probs).scatter(-1, index.unsqueeze(-1), 1));
      const hard = oneHot.sub(probs.detach()).add(probs);
      const active = (index.tolist() as number[]).map((i) => [i]);
      for (const t of [index, oneHot, probs]) t.dispose();
      return { ops: hard, active, inactiveAsScalars: true };
    },
    scheduleValues: (progress) => ({ tau: gdasTau(o, progress) }),
  };
}
