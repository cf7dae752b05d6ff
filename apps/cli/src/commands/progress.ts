import cliProgress from 'cli-progress';
import type { StepProgress } from '@tensorfleet/ps';
import { metric, msPerStep } from '../output/numbers.js';

/** The bar the terminal shows during an epoch; `suspend` clears it so another line can be printed cleanly. */
export interface EpochProgressBar {
  update(p: StepProgress): void;
  /** Clears the bar off the terminal; the next update draws it again. */
  suspend(): void;
  stop(): void;
}

/**
 * A Keras-style progress bar for the current epoch on a terminal (stderr), nothing otherwise:
 * `Epoch 3/10 62/125 [=============>................] ETA: 5s 88ms/step - loss: 1.0612 - acc: 0.8400`, with the
 * running means of the epoch's loss and accuracy. It clears itself at the epoch's last step, so the epoch's summary
 * line prints on a clean line.
 *
 * @example
 * const bar = epochProgressBar({ enabled: process.stderr.isTTY, epochs: 10 });
 * startParameterServer({ ..., onStep: (p) => bar.update(p) });
 */
export function epochProgressBar({ enabled, epochs }: { enabled: boolean; epochs: number }): EpochProgressBar {
  if (!enabled) return { update: () => {}, suspend: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({
    format: 'Epoch {epoch}/{epochs} {value}/{total} [{bar}] ETA: {eta_formatted} {msPerStep} - loss: {loss} - acc: {acc}',
    barCompleteChar: '=', barIncompleteChar: '.', barsize: 30, stream: process.stderr, hideCursor: true, clearOnComplete: true,
    etaBuffer: 20, fps: 10,
  });
  let running = false;
  let epochStarted = 0;
  let lossSum = 0;
  let accSum = 0;
  let seen = 0;
  let currentEpoch = -1;
  return {
    update(p) {
      const inEpoch = p.step % p.stepsPerEpoch || p.stepsPerEpoch;
      const epoch = p.step % p.stepsPerEpoch === 0 ? p.epoch : p.epoch + 1; // 1-based, the epoch this step belongs to
      if (epoch !== currentEpoch) {
        currentEpoch = epoch;
        epochStarted = performance.now();
        lossSum = accSum = seen = 0;
      }
      lossSum += p.loss;
      accSum += p.accuracy;
      seen += 1;
      const payload = {
        epoch, epochs, loss: metric(lossSum / seen), acc: metric(accSum / seen),
        msPerStep: msPerStep((performance.now() - epochStarted) / seen),
      };
      if (!running) {
        bar.start(p.stepsPerEpoch, inEpoch, payload);
        running = true;
      } else bar.update(inEpoch, payload);
      if (inEpoch === p.stepsPerEpoch) this.suspend();
    },
    suspend() {
      if (running) bar.stop();
      running = false;
    },
    stop() {
      this.suspend();
    },
  };
}
