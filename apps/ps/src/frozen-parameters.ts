import type { Trainer } from '@tensorfleet/core';

/**
 * Fine-tuning with frozen layers (the job's `trainer.frozen`): this server's optimizer sees only the trainable part of
 * the parameters it owns, so neither the update nor weight decay nor momentum ever moves a frozen weight, and the
 * averaged BatchNorm statistics of frozen layers are kept as they are (every worker's copy is unchanged, but a float32
 * mean of W equal values need not be bitwise that value). Without frozen layers every method is the identity.
 */
export class FrozenParameters {
  /** Positions, within the owned parameters, of those the optimizer moves; null when none is frozen. */
  private readonly trainable: number[] | null;
  private readonly frozenStates: number[];

  constructor(trainer: Trainer, owned: number[]) {
    const positions = owned.map((i, j) => (trainer.frozenParameters[i] ? -1 : j)).filter((j) => j >= 0);
    this.trainable = positions.length === owned.length ? null : positions;
    this.frozenStates = trainer.frozenStates.flatMap((f, i) => (f ? [i] : []));
  }

  /** The owned parameters (or their gradients) the optimizer works on. */
  trainableOf(owned: Float32Array[]): Float32Array[] {
    return this.trainable ? this.trainable.map((j) => owned[j]!) : owned;
  }

  /** Newly averaged states, with the frozen layers' statistics taken from `previous`. */
  keepFrozenStates(previous: Float32Array[], next: Float32Array[]): Float32Array[] {
    for (const i of this.frozenStates) next[i] = previous[i]!;
    return next;
  }
}
