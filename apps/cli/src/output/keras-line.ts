import type { EpochLine } from '@tensorfleet/protocol';
import { duration, metric, msPerStep, significant } from './numbers.js';

const barWidth = 30;

/** A full Keras bar: `[==============================]`. */
export const fullBar = `[${'='.repeat(barWidth)}]`;

/**
 * The one terminal line of a finished epoch, as Keras' `model.fit` prints it (1-based epoch), plus the learning rate.
 *
 * @example
 * kerasEpochLine(line); // 'Epoch 3/10 125/125 [==============================] 11s 88ms/step - loss: 1.0600 - acc: 0.8500 - val_loss: 0.6700 - val_acc: 0.9700 - lr: 0.01'
 */
export function kerasEpochLine(e: Partial<EpochLine> & { epoch: number }): string {
  const steps = e.steps ?? 0;
  const seconds = e.seconds ?? 0;
  const parts = [
    `Epoch ${e.epoch + 1}/${e.epochs ?? '?'}`,
    `${steps}/${steps}`,
    fullBar,
    duration(seconds),
    msPerStep(steps > 0 ? (seconds * 1000) / steps : 0),
  ];
  const metrics = [`loss: ${metric(e.loss)}`, `acc: ${metric(e.accuracy)}`];
  if (e.valLoss !== undefined && e.valLoss !== null) metrics.push(`val_loss: ${metric(e.valLoss)}`);
  if (e.valAccuracy !== undefined && e.valAccuracy !== null) metrics.push(`val_acc: ${metric(e.valAccuracy)}`);
  if (e.lr !== undefined) metrics.push(`lr: ${significant(e.lr)}`);
  return `${parts.join(' ')} - ${metrics.join(' - ')}`;
}
