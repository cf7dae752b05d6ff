import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adagrad, Adam, AdamW, createOptimizer, OptimizerError, RMSprop, SGD, type Optimizer } from './index.js';

function throwsOptimizerError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof OptimizerError, `expected OptimizerError, got ${e.name}: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });
}

const p = () => [new Float32Array([1, 2, 3])];

test('negative, NaN and infinite lr are rejected by every optimizer', () => {
  const makers: [string, (lr: number) => Optimizer][] = [
    ['SGD', (lr) => new SGD(p(), { lr })],
    ['Adam', (lr) => new Adam(p(), { lr })],
    ['AdamW', (lr) => new AdamW(p(), { lr })],
    ['RMSprop', (lr) => new RMSprop(p(), { lr })],
    ['Adagrad', (lr) => new Adagrad(p(), { lr })],
  ];
  for (const [name, make] of makers) {
    throwsOptimizerError(() => make(-0.1), new RegExp(`^${name}: options\\.lr must be a finite number ≥ 0, got -0\\.1$`));
    throwsOptimizerError(() => make(NaN), /options\.lr must be a finite number ≥ 0, got NaN/);
    throwsOptimizerError(() => make(Infinity), /options\.lr must be a finite number ≥ 0, got Infinity/);
  }
});

test('betas outside [0, 1) are rejected, naming the option and value', () => {
  throwsOptimizerError(() => new Adam(p(), { betas: [0.9, 1] }), /Adam: options\.betas must be two numbers in \[0, 1\), got \[0\.9, 1\]/);
  throwsOptimizerError(() => new AdamW(p(), { betas: [-0.1, 0.9] }), /AdamW: options\.betas.*got \[-0\.1, 0\.9\]/);
  throwsOptimizerError(() => new Adam(p(), { betas: [0.9] as never }), /options\.betas must be two numbers/);
  throwsOptimizerError(() => new Adam([{ params: p(), betas: [0.9, NaN] }]), /Adam: paramGroups\[0\]\.betas must.*got \[0\.9, NaN\]/);
});

test('other option ranges follow torch (eps, momentum, weightDecay, alpha, lrDecay, initialAccumulatorValue ≥ 0)', () => {
  throwsOptimizerError(() => new Adam(p(), { eps: -1e-8 }), /options\.eps must be a finite number ≥ 0/);
  throwsOptimizerError(() => new SGD(p(), { lr: 0.1, momentum: -0.5 }), /options\.momentum must be a finite number ≥ 0, got -0\.5/);
  throwsOptimizerError(() => new SGD(p(), { lr: 0.1, weightDecay: -1 }), /options\.weightDecay must/);
  throwsOptimizerError(() => new RMSprop(p(), { alpha: -0.9 }), /options\.alpha must/);
  throwsOptimizerError(() => new Adagrad(p(), { lrDecay: -1 }), /options\.lrDecay must/);
  throwsOptimizerError(() => new Adagrad(p(), { initialAccumulatorValue: -1 }), /options\.initialAccumulatorValue must/);
  throwsOptimizerError(() => new Adam(p(), { amsgrad: 1 as never }), /options\.amsgrad must be a boolean, got 1/);
});

test('unknown options (typos) are errors, not ignored', () => {
  throwsOptimizerError(() => new SGD(p(), { lr: 0.1, learningRate: 0.1 } as never), /SGD: options has unknown option 'learningRate' \(known: lr, momentum/);
  throwsOptimizerError(() => new Adam([{ params: p(), weight_decay: 0.1 }] as never), /Adam: paramGroups\[0\] has unknown option 'weight_decay'/);
});

test('SGD needs an lr (like torch) unless every group gives one; nesterov needs momentum and no dampening', () => {
  throwsOptimizerError(() => new SGD(p()), /SGD: paramGroups\[0\] has no 'lr' and the options give no default lr/);
  const opt = new SGD([{ params: p(), lr: 0.1 }, { params: p(), lr: 0.2 }]);
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.1, 0.2]);
  throwsOptimizerError(() => new SGD(p(), { lr: 0.1, nesterov: true }), /nesterov: true, which requires momentum > 0 and dampening 0 \(got momentum 0, dampening 0\)/);
  throwsOptimizerError(() => new SGD(p(), { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }), /dampening 0\.1/);
});

test('params must be a non-empty list of Float32Array or of groups, each parameter once', () => {
  throwsOptimizerError(() => new Adam([]), /params must be a non-empty array/);
  throwsOptimizerError(() => new Adam([[1, 2]] as never), /entry 0 is \[1, 2\]/);
  throwsOptimizerError(() => new Adam([{ params: [new Float64Array(2)] }] as never), /paramGroups\[0\]\.params\[0\] must be a Float32Array, got Float64Array/);
  const w = new Float32Array(2);
  throwsOptimizerError(() => new Adam([{ params: [w] }, { params: [w] }]), /a parameter appears more than once/);
  throwsOptimizerError(() => new Adagrad([{ params: p() }, { params: p(), initialAccumulatorValue: 0.5 }]), /Adagrad: paramGroups\[1\] option 'initialAccumulatorValue' \(0\.5\) differs from the constructor's \(0\)/);
});

/** Runs `bad` against an optimizer with state and checks that params, state and options stay as they were. */
function assertUntouched(opt: Optimizer, params: Float32Array[], bad: () => void, message: RegExp): void {
  const paramsBefore = params.map((x) => x.slice());
  const stateBefore = opt.stateDict();
  throwsOptimizerError(bad, message);
  params.forEach((x, i) => assert.deepEqual(x, paramsBefore[i], `param ${i} changed`));
  assert.deepEqual(opt.stateDict(), stateBefore);
}

function stepped(): { opt: Optimizer; params: Float32Array[] } {
  const params = [new Float32Array([1, 2, 3]), new Float32Array([4, 5])];
  const opt = new SGD([{ params: [params[0]!] }, { params: [params[1]!], lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
  opt.step([new Float32Array([1, 1, 1]), new Float32Array([1, 1])]);
  return { opt, params };
}

test('step rejects wrong grads count, lengths, types and non-finite values, leaving everything untouched', () => {
  const ok = () => [new Float32Array(3), new Float32Array(2)];
  const cases: [() => unknown, RegExp][] = [
    [() => [new Float32Array(3)], /SGD\.step: expected 2 grads \(one per parameter\), got 1 grads/],
    [() => [...ok(), new Float32Array(1)], /expected 2 grads.*got 3 grads/],
    [() => [new Float32Array(3), new Float32Array(4)], /grads\[1\] has length 4, its parameter has length 2/],
    [() => [new Float32Array(3), [0, 0]], /grads\[1\] must be a Float32Array, got \[0, 0\]/],
    [() => [new Float32Array(3), new Float32Array([0, NaN])], /grads\[1\]\[1\] is NaN; gradients must be finite/],
    [() => [new Float32Array([Infinity, 0, 0]), new Float32Array(2)], /grads\[0\]\[0\] is Infinity/],
    [() => new Array(10).fill(0), /expected 2 grads \(one per parameter\), got 10 grads/],
    [() => undefined, /expected 2 grads \(one per parameter\), got undefined/],
  ];
  for (const [grads, message] of cases) {
    const { opt, params } = stepped();
    assertUntouched(opt, params, () => opt.step(grads() as never), message);
  }
});

test('options changed on a group after construction are checked at step time', () => {
  let { opt, params } = stepped();
  opt.paramGroups[1]!.lr = -1;
  assertUntouched(opt, params, () => opt.step([new Float32Array(3), new Float32Array(2)]), /SGD: paramGroups\[1\]\.lr must be a finite number ≥ 0, got -1/);
  ({ opt, params } = stepped());
  opt.paramGroups[0]!.momentum = NaN;
  assertUntouched(opt, params, () => opt.step([new Float32Array(3), new Float32Array(2)]), /paramGroups\[0\]\.momentum must.*got NaN/);
});

test('the lr setter validates and then sets every group; the getter reads group 0', () => {
  const { opt, params } = stepped();
  assert.equal(opt.lr, 0.1);
  assertUntouched(opt, params, () => (opt.lr = -0.5), /SGD: lr must be a finite number ≥ 0, got -0\.5/);
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.1, 0.01]);
  opt.lr = 0.05;
  assert.deepEqual(opt.paramGroups.map((g) => [g.lr, g.initialLr]), [[0.05, 0.1], [0.05, 0.01]]);
});

test('the group list and each group params list cannot be resized (state is indexed by position)', () => {
  const { opt } = stepped();
  assert.throws(() => (opt.paramGroups as unknown[]).push({}), TypeError);
  assert.throws(() => opt.paramGroups[0]!.params.push(new Float32Array(1)), TypeError);
});

test('createOptimizer builds each class by name (case-insensitive) and rejects unknown names', () => {
  const classes = { sgd: SGD, adam: Adam, adamw: AdamW, rmsprop: RMSprop, adagrad: Adagrad };
  for (const [name, cls] of Object.entries(classes)) {
    assert.ok(createOptimizer(name as 'adam', p(), { lr: 0.1 }) instanceof cls, name);
  }
  assert.ok(createOptimizer('AdamW' as 'adamw', p()) instanceof AdamW);
  throwsOptimizerError(() => createOptimizer('adadelta' as 'adam', p(), {}), /unknown optimizer "adadelta" \(known: sgd, adam, adamw, rmsprop, adagrad\)/);
  throwsOptimizerError(() => createOptimizer('adam', p(), { lr: -1 }), /Adam: options\.lr must/);
});

test('defaults are torch\'s', () => {
  const pick = (o: Optimizer) => {
    const { params: _params, ...rest } = o.paramGroups[0]!;
    return rest;
  };
  assert.deepEqual(pick(new Adam(p())), { lr: 1e-3, initialLr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
  assert.deepEqual(pick(new AdamW(p())), { lr: 1e-3, initialLr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false });
  assert.deepEqual(pick(new RMSprop(p())), { lr: 1e-2, initialLr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
  assert.deepEqual(pick(new Adagrad(p())), { lr: 1e-2, initialLr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
  assert.deepEqual(pick(new SGD(p(), { lr: 0.1 })), { lr: 0.1, initialLr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });
});

test('weight decay: coupled equals decoupled for SGD, differs for Adam (the documented example)', () => {
  const w0 = [1, -2, 3];
  const zero = () => [new Float32Array(3)];
  const sgd = [Float32Array.from(w0)];
  new SGD(sgd, { lr: 0.1, weightDecay: 0.1 }).step(zero());
  const adamw = [Float32Array.from(w0)];
  new AdamW(adamw, { lr: 0.1, weightDecay: 0.1 }).step(zero());
  assert.deepEqual(sgd[0], Float32Array.from(w0.map((x) => x * 0.99)));
  assert.deepEqual(adamw[0], Float32Array.from(w0.map((x) => x * 0.99)));
  const adam = [Float32Array.from(w0)];
  new Adam(adam, { lr: 0.1, weightDecay: 0.1 }).step(zero());
  // The decay gradient 0.1·w is normalized by √v: every weight moves ≈ lr toward 0, whatever its size.
  Array.from(adam[0]!).forEach((x, i) => assert.ok(Math.abs(Math.abs(w0[i]! - x) - 0.1) < 1e-5, `weight ${i}: ${x}`));
});
