import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@tensorfleet/core';
import { idxBytes } from '@tensorfleet/core/testing';

/** A fresh folder holding an IDX pair (images.idx, labels.idx) of 240 8×8 images of 3 classes: class c lights row band c. */
export function jobFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-job-'));
  const count = 240;
  const random = mulberry32(5);
  const labels = Array.from({ length: count }, (_, n) => n % 3);
  const pixels = labels.flatMap((c) => Array.from({ length: 64 }, (_, p) => (Math.floor(p / 8 / 3) === c ? 200 : 0) + Math.floor(random() * 50)));
  writeFileSync(join(dir, 'images.idx'), idxBytes([count, 8, 8], pixels));
  writeFileSync(join(dir, 'labels.idx'), idxBytes([count], labels));
  return dir;
}
