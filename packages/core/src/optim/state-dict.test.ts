import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { createOptimizer, OptimizerError, type OptimizerName, type OptimizerStateDict } from './index.js';
import { copies, randomArrays, seededRandom } from './helpers.test-util.js';

const LENGTHS = [7, 3, 4];

/** Configurations that between them create every kind of state buffer; two groups each. */
const CONFIGS: { name: OptimizerName; options: Record<string, unknown>; second: Record<string, unknown> }[] = [
  { name: 'sgd', options: { lr: 0.1, momentum: 0.9, dampening: 0.1 }, second: { lr: 0.03, nesterov: false } },
  { name: 'sgd', options: { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }, second: { momentum: 0, nesterov: false } },
  { name: 'adam', options: { lr: 0.01, amsgrad: true }, second: { lr: 0.001, amsgrad: false, weightDecay: 0.1 } },
  { name: 'adamw', options: { lr: 0.01, weightDecay: 0.1 }, second: { betas: [0.5, 0.9], amsgrad: true } },
  { name: 'rmsprop', options: { lr: 0.01, centered: true, momentum: 0.5 }, second: { centered: false, momentum: 0 } },
  { name: 'adagrad', options: { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.2 }, second: { lr: 0.05 } },
];

const transports: Record<string, (sd: OptimizerStateDict) => OptimizerStateDict> = {
  none: (sd) => sd,
  structuredClone: (sd) => structuredClone(sd),
  json: (sd) =>
    JSON.parse(JSON.stringify(sd, (_k, v: unknown) => (v instanceof Float32Array ? Array.from(v) : v))) as OptimizerStateDict,
  // moreTypes: msgpackr 2.1's default pack writes a Float32Array's element values as bytes (wrong); this mode is right.
  msgpack: (sd) => {
    const packr = new Packr({ moreTypes: true });
    return packr.unpack(packr.pack(sd)) as OptimizerStateDict;
  },
};

function build(config: (typeof CONFIGS)[number], params: Float32Array[], overrideLr?: number) {
  const options = overrideLr === undefined ? config.options : { ...config.options, lr: overrideLr };
  const groups = [
    { params: params.slice(0, 2), ...options },
    { params: params.slice(2), ...config.second },
  ];
  return createOptimizer(config.name, groups as never, options as never);
}

for (const config of CONFIGS) {
  for (const [transportName, transport] of Object.entries(transports)) {
    test(`${config.name} ${JSON.stringify(config.options)}: 5 steps + save (${transportName}) + load + 5 steps == 10 steps, bitwise`, () => {
      const rand = seededRandom(42);
      const start = randomArrays(rand, LENGTHS);
      const grads = Array.from({ length: 10 }, (_, s) => randomArrays(rand, LENGTHS, s % 3 === 0 ? 2 : 0.3));

      const straight = copies(start);
      const reference = build(config, straight);
      grads.forEach((g, s) => {
        if (s === 3) reference.lr = reference.lr / 2; // an lr change must be part of what is saved
        reference.step(g);
      });

      const first = copies(start);
      const before = build(config, first);
      grads.slice(0, 5).forEach((g, s) => {
        if (s === 3) before.lr = before.lr / 2;
        before.step(g);
      });
      const saved = transport(before.stateDict());
      // A fresh optimizer with a different lr: loading must restore the saved group options too.
      const resumedParams = copies(first);
      const resumed = build(config, resumedParams, 0.123);
      resumed.loadStateDict(saved);
      grads.slice(5).forEach((g) => resumed.step(g));

      resumedParams.forEach((p, i) => assert.deepEqual(p, straight[i], `param ${i} differs after resume`));
      assert.deepEqual(resumed.stateDict(), reference.stateDict());
      assert.deepEqual(resumed.paramGroups.map((g) => [g.lr, g.initialLr]), reference.paramGroups.map((g) => [g.lr, g.initialLr]));
    });
  }
}

test('stateDict returns copies: mutating it does not change the optimizer', () => {
  const rand = seededRandom(1);
  const params = randomArrays(rand, [4]);
  const opt = createOptimizer('adam', params, { lr: 0.01 });
  opt.step(randomArrays(rand, [4]));
  const sd = opt.stateDict();
  (sd.state[0]!.expAvg as Float32Array).fill(99);
  (sd.paramGroups[0]!.betas as number[])[0] = 0.1;
  const again = opt.stateDict();
  assert.notEqual((again.state[0]!.expAvg as Float32Array)[0], 99);
  assert.deepEqual(again.paramGroups[0]!.betas, [0.9, 0.999]);
});

test('a state dict taken before any step loads (lazy state is null), and the format is documented plain data', () => {
  const params = [new Float32Array(3)];
  const sd = createOptimizer('sgd', params, { lr: 0.1, momentum: 0.9 }).stateDict();
  assert.deepEqual(sd, {
    format: 'tensorfleet.optim/1',
    optimizer: 'SGD',
    state: [null],
    paramGroups: [{ params: [0], lr: 0.1, initialLr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false }],
  });
  const other = createOptimizer('sgd', [new Float32Array(3)], { lr: 0.5, momentum: 0.9 });
  other.loadStateDict(sd);
  assert.equal(other.lr, 0.1);
});

function trained(): { opt: ReturnType<typeof createOptimizer>; sd: OptimizerStateDict } {
  const rand = seededRandom(7);
  const params = randomArrays(rand, [5, 2]);
  const opt = createOptimizer('adam', params, { lr: 0.01, amsgrad: true });
  opt.step(randomArrays(rand, [5, 2]));
  return { opt, sd: opt.stateDict() };
}

const corruptions: [string, (sd: any) => void, RegExp][] = [
  ['another optimizer class', (sd) => (sd.optimizer = 'SGD'), /written by "SGD", not Adam/],
  ['a wrong format tag', (sd) => (sd.format = 'v0'), /format must be 'tensorfleet\.optim\/1'/],
  ['a different group count', (sd) => sd.paramGroups.push({ ...sd.paramGroups[0], params: [2] }), /expected 1 paramGroups, got 2/],
  ['a different group size', (sd) => (sd.paramGroups[0].params = [0]), /params must be the parameter indices \[0, 1\]/],
  ['a buffer of the wrong length', (sd) => (sd.state[1].expAvg = new Float32Array(3)), /state\[1\]\.expAvg has length 3, its parameter has length 2/],
  ['a missing buffer', (sd) => delete sd.state[0].maxExpAvgSq, /state\[0\] lacks 'maxExpAvgSq'/],
  ['an unknown key', (sd) => (sd.state[0].momentumBuffer = new Float32Array(5)), /unexpected key 'momentumBuffer'/],
  ['NaN in a buffer', (sd) => (sd.state[0].expAvgSq[2] = NaN), /state\[0\]\.expAvgSq\[2\] is NaN/],
  ['a fractional step', (sd) => (sd.state[0].step = 1.5), /step must be a non-negative integer, got 1\.5/],
  ['betas out of range', (sd) => (sd.paramGroups[0].betas = [0.9, 1]), /paramGroups\[0\]\.betas must be two numbers in \[0, 1\), got \[0\.9, 1\]/],
  ['a negative lr', (sd) => (sd.paramGroups[0].lr = -1), /state dict paramGroups\[0\]\.lr must be a finite number ≥ 0, got -1/],
  ['a missing option', (sd) => delete sd.paramGroups[0].eps, /paramGroups\[0\] lacks option 'eps'/],
  ['a non-object', (sd) => (sd.state = 'x'), /state must be an array of 2 entries/],
];

for (const [what, corrupt, message] of corruptions) {
  test(`loadStateDict rejects ${what} and changes nothing`, () => {
    const { opt, sd } = trained();
    const bad = structuredClone(sd);
    corrupt(bad);
    const before = opt.stateDict();
    assert.throws(() => opt.loadStateDict(bad), (e: Error) => e instanceof OptimizerError && message.test(e.message));
    assert.deepEqual(opt.stateDict(), before);
  });
}
