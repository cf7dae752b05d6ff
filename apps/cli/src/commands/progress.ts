import cliProgress from 'cli-progress';
import type { StepProgress } from '@tensorfleet/ps';

/**
 * A progress bar for the current epoch on a terminal (stderr), nothing otherwise. It stops at each epoch's end so the
 * epoch summary line is printed on a clean line.
 */
export function epochProgressBar(enabled: boolean): { update(p: StepProgress): void; stop(): void } {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: 'epoch {epoch} [{bar}] {value}/{total} steps | loss {loss}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    update(p) {
      const inEpoch = p.step % p.stepsPerEpoch || p.stepsPerEpoch;
      const epoch = p.step % p.stepsPerEpoch === 0 ? p.epoch : p.epoch + 1;
      if (!running) {
        bar.start(p.stepsPerEpoch, 0, { epoch, loss: '-' });
        running = true;
      }
      bar.update(inEpoch, { epoch, loss: p.loss.toFixed(4) });
      if (inEpoch === p.stepsPerEpoch) {
        bar.stop();
        running = false;
      }
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
