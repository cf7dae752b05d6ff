import test from 'node:test';
import assert from 'node:assert/strict';
import { SamplePipeline, defaultAugment } from './pipeline.js';
import { assertLabelPreserving } from './label-guard.js';
import { loadMnistDigits } from './mnist.js';
import { computeNormalization } from './normalization.js';
import { subsetDataset } from './subset.js';
import { shiftFlip } from './transforms.js';
import { resolveAugment } from './augment-config.js';
import { pixelValues } from './pixels.js';
import type { ImageDataset } from './types.js';

const digits = subsetDataset(loadMnistDigits(), Int32Array.from({ length: 200 }, (_, i) => i * 50));
const pixels = pixelValues(digits); // the digits are held as bytes; the pipeline's output is their float values

test('each augmented sample is the source shifted by at most the configured pixels (fill 0 at the borders)', () => {
  const p = new SamplePipeline(digits, { augment: { randomShift: { x: 3, y: 2, units: 'pixels' } }, seed: 4 });
  const shifts = new Set<string>();
  const candidate = new Float32Array(784);
  for (let i = 0; i < 60; i++) {
    const out = p.sample(i);
    assert.equal(out.length, 784);
    let found: string | undefined;
    for (let dx = -3; dx <= 3 && !found; dx++) {
      for (let dy = -2; dy <= 2 && !found; dy++) {
        shiftFlip(pixels, i * 784, candidate, 0, { height: 28, width: 28, channels: 1 }, { dx, dy, hflip: false, vflip: false, fill: 0 });
        if (candidate.every((v, k) => v === out[k])) found = `${dx},${dy}`;
      }
    }
    assert.ok(found, `sample ${i} is not a shift within ±3/±2 px`);
    shifts.add(found);
  }
  assert.ok(shifts.size > 10, `shifts vary (${shifts.size} distinct)`);
});

test('fractional shift uses round(U(-0.1 W, 0.1 W)): never more than 3 px on 28 px', () => {
  const p = new SamplePipeline(digits, { augment: { randomShift: { x: 0.1, y: 0 } }, seed: 1 });
  for (let i = 0; i < 40; i++) {
    const out = p.sample(i);
    const candidate = new Float32Array(784);
    const ok = [-3, -2, -1, 0, 1, 2, 3].some((dx) => {
      shiftFlip(pixels, i * 784, candidate, 0, { height: 28, width: 28, channels: 1 }, { dx, dy: 0, hflip: false, vflip: false, fill: 0 });
      return candidate.every((v, k) => v === out[k]);
    });
    assert.ok(ok, `sample ${i}`);
  }
});

test('default augmentation keeps shape and [0, 1] range without normalization; erasing after normalization uses normalized values', () => {
  const augment = defaultAugment(digits);
  assert.deepEqual(Object.keys(augment).sort(), ['randomBrightness', 'randomErasing', 'randomShift'], 'no flips for digits');
  const raw = new SamplePipeline(digits, { augment, seed: 2 }).writeBatch(Array.from({ length: 100 }, (_, i) => i));
  assert.equal(raw.x.length, 100 * 784);
  assert.ok(raw.x.every((v) => v >= 0 && v <= 1));
  const stats = computeNormalization(digits);
  const p = new SamplePipeline(digits, { augment: { randomErasing: { p: 1, value: 0 } }, normalization: stats, seed: 2 });
  const plain = new SamplePipeline(digits, { normalization: stats });
  let erasedZeros = 0;
  for (let i = 0; i < 20; i++) {
    const a = p.sample(i), b = plain.sample(i);
    for (let k = 0; k < 784; k++) {
      if (a[k] !== b[k]) { assert.equal(a[k], 0, 'differences are erased pixels set to value 0 (the mean)'); erasedZeros++; }
    }
  }
  assert.ok(erasedZeros > 20 * 784 * 0.02 * 0.5, `erased ${erasedZeros}`);
});

test('augmentation is reproducible per (seed, epoch, sample) and independent of batch composition', () => {
  const opts = { augment: defaultAugment(digits), seed: 9, epoch: 3 };
  const a = new SamplePipeline(digits, opts).writeBatch([5, 6, 7]);
  const b = new SamplePipeline(digits, opts).writeBatch([7, 1, 6]);
  assert.deepEqual(a.x.subarray(2 * 784, 3 * 784), b.x.subarray(0, 784), 'sample 7 the same in another batch');
  assert.deepEqual(Array.from(a.labels), [5, 6, 7].map((i) => digits.labels[i]));
  const otherEpoch = new SamplePipeline(digits, { ...opts, epoch: 4 }).writeBatch([5, 6, 7]);
  const otherSeed = new SamplePipeline(digits, { ...opts, seed: 10 }).writeBatch([5, 6, 7]);
  assert.notDeepEqual(a.x, otherEpoch.x);
  assert.notDeepEqual(a.x, otherSeed.x);
});

test('flips with p = 1 mirror every sample; brightness factor stays in [1 - b, 1 + b]', () => {
  const fashion: ImageDataset = { ...digits, name: 'fashion-mnist' };
  const p = new SamplePipeline(fashion, { augment: { randomHorizontalFlip: { p: 1 } } });
  const out = p.sample(3);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) assert.equal(out[y * 28 + x], pixels[3 * 784 + y * 28 + 27 - x]);
  const b = new SamplePipeline(digits, { augment: { randomBrightness: { factor: 0.3 } }, seed: 5 });
  for (let i = 0; i < 30; i++) {
    const o = b.sample(i);
    let k = 0;
    while (!(pixels[i * 784 + k]! > 0.2 && pixels[i * 784 + k]! < 0.7)) k++;
    const factor = o[k]! / pixels[i * 784 + k]!;
    assert.ok(factor >= 0.7 - 1e-6 && factor <= 1.3 + 1e-6, `factor ${factor}`);
  }
});

test('guard: vertical flips on digits are refused with the reason, unless forced', () => {
  assert.throws(
    () => new SamplePipeline(digits, { augment: { randomVerticalFlip: { p: 0.5 } } }),
    /augment\.randomVerticalFlip is not label-preserving for dataset "mnist-digits" \(a vertical flip turns a 6 into a 9.*Set augment\.randomVerticalFlip\.force = true/,
  );
  assert.throws(() => assertLabelPreserving(loadMnistDigits(), resolveAugment({ randomHorizontalFlip: true })), /mirrored digit/);
  const forced = new SamplePipeline(digits, { augment: { randomVerticalFlip: { p: 1, force: true } } });
  const out = forced.sample(0);
  assert.equal(out[0], pixels[27 * 28]);
  // fashion-mnist and cifar10 allow horizontal flips but not vertical; an unknown dataset allows everything
  assert.doesNotThrow(() => new SamplePipeline({ ...digits, name: 'fashion-mnist' }, { augment: { randomHorizontalFlip: {} } }));
  assert.throws(() => new SamplePipeline({ ...digits, name: 'cifar10' }, { augment: { randomVerticalFlip: {} } }), /upside-down/);
  assert.doesNotThrow(() => new SamplePipeline({ ...digits, name: 'my-satellite-tiles' }, { augment: { randomVerticalFlip: {} } }));
  // a split keeps its source's declaration
  assert.throws(() => new SamplePipeline({ ...digits, name: 'mnist-digits/train' }, { augment: { randomVerticalFlip: {} } }), /6 into a 9/);
  // an explicit declaration wins
  assert.throws(() => new SamplePipeline({ ...digits, name: 'tab', allowedTransforms: [] }, { augment: { randomShift: {} } }), /allows no transforms/);
});

test('augmentation is for the training split only; bad options name the field', () => {
  assert.throws(() => new SamplePipeline({ ...digits, name: 'mnist-digits/val' }, { augment: { randomShift: {} } }), /evaluation split; augmentation applies to the training split only/);
  assert.doesNotThrow(() => new SamplePipeline({ ...digits, name: 'mnist-digits/test' }, {}));
  assert.throws(() => resolveAugment({ randomErasing: { scale: [0.5, 0.1] } }), /augment\.randomErasing\.scale: expected \[low, high\]/);
  assert.throws(() => resolveAugment({ randomFlip: {} }), /augment: unknown option "randomFlip"/);
  assert.throws(() => resolveAugment({ randomShift: { units: 'px' } }), /augment\.randomShift\.units: expected "fraction" or "pixels", got "px"/);
  assert.throws(() => resolveAugment({ randomBrightness: {} }), /augment\.randomBrightness\.factor/);
  assert.throws(() => resolveAugment({ randomHorizontalFlip: { p: 2 } }), /augment\.randomHorizontalFlip\.p: expected a number in \[0, 1\], got 2/);
  assert.throws(() => new SamplePipeline(digits, { augment: { randomErasing: { value: [1, 2] } } }), /expected 1 or 1 \(channels\) values, got 2/);
  assert.throws(() => new SamplePipeline(digits, { seed: -1 }), /seed: expected an integer/);
});
