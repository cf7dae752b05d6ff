/** The fields of a train config a simulated trial reads. */
export interface SimulatedConfig {
  optimizer?: { name?: string; lr?: number };
  l2?: number;
  model?: { dropoutFc?: number; dropoutConv?: number; bn?: boolean };
  labelSmoothing?: number;
  batchSize?: number;
}

/** One simulated epoch. Non-finite loss means the trial diverged at this epoch. */
export interface SimulatedEpoch {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  valTop5: number;
  lr: number;
}

const defaultLr: Record<string, number> = { sgd: 0.01, adam: 1e-3 };

/**
 * A known learning curve for a train config, shaped like the lecture's findings: accuracy peaks at each optimizer's
 * default lr (0.01 SGD, 1e-3 Adam) and falls off with the squared log-distance from it; too low an lr learns slowly;
 * far too high an lr diverges (NaN loss) after a few epochs; L2 near 5e-4, FC dropout near 0.5, conv dropout near
 * 0.05 and a little label smoothing help. Deterministic, so tests and benchmarks know the truth.
 *
 * @example
 * simulatedEpoch({ optimizer: { name: 'sgd', lr: 0.01 } }, 5).valAccuracy; // ≈ 0.97
 */
export function simulatedEpoch(config: SimulatedConfig, epoch: number): SimulatedEpoch {
  const name = config.optimizer?.name ?? 'sgd';
  const lr = config.optimizer?.lr ?? defaultLr[name] ?? 0.01;
  const distance = Math.log10(lr / (defaultLr[name] ?? 0.01));
  const l2 = config.l2 ?? 5e-4;
  const l2Penalty = 0.01 * Math.log10(Math.max(l2, 1e-8) / 5e-4) ** 2;
  const dropoutPenalty = 0.04 * ((config.model?.dropoutFc ?? 0.5) - 0.5) ** 2 + 0.5 * ((config.model?.dropoutConv ?? 0.05) - 0.05) ** 2;
  const eps = config.labelSmoothing ?? 0.1;
  const smoothingPenalty = 0.3 * (eps - 0.1) ** 2;
  const bnBonus = config.model?.bn === false ? -0.01 : 0;
  const final = Math.min(0.995, Math.max(0.1, 0.985 - 0.05 * distance ** 2 - l2Penalty - dropoutPenalty - smoothingPenalty + bnBonus));
  // Low learning rates learn slowly: the time constant grows as lr shrinks below its default.
  const tau = 1.2 * 10 ** (0.5 * Math.max(0, -distance));
  const progress = 1 - Math.exp(-epoch / tau);
  const valAccuracy = 0.1 + (final - 0.1) * progress;
  const divergesAt = distance > 1.6 ? 1 : distance > 1.1 ? 3 : Infinity;
  const diverged = epoch >= divergesAt;
  const loss = diverged ? Number.NaN : 2.3 * (1 - progress) + (1 - final) * 0.8 + 0.05;
  return {
    epoch,
    loss,
    accuracy: Math.min(1, valAccuracy + 0.01),
    valLoss: diverged ? Number.NaN : loss * 1.05,
    valAccuracy,
    valTop5: Math.min(1, valAccuracy + 0.7 * (1 - valAccuracy)),
    lr,
  };
}
