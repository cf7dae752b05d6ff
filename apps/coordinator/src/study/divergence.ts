/**
 * Why an epoch's metrics mean the trial has diverged, or null when they look sane: a non-finite loss or validation
 * loss (the train command logs NaN/Infinity as null), or a loss above `explodeFactor` times the first epoch's.
 *
 * @example
 * divergenceReason({ loss: NaN }, 2.3, 10); // 'loss is NaN'
 * divergenceReason({ loss: 40 }, 2.3, 10);  // 'loss 40 exploded past 10 x the first epoch loss 2.3'
 */
export function divergenceReason(metrics: Record<string, number>, firstLoss: number | null, explodeFactor: number): string | null {
  for (const key of ['loss', 'valLoss']) {
    if (key in metrics && !Number.isFinite(metrics[key])) return `${key} is ${metrics[key]}`;
  }
  const loss = metrics.loss;
  if (loss !== undefined && firstLoss !== null && Number.isFinite(firstLoss) && firstLoss > 0 && loss > explodeFactor * firstLoss) {
    return `loss ${loss} exploded past ${explodeFactor} x the first epoch loss ${firstLoss}`;
  }
  return null;
}
