import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, loadFixture } from '../testing/assert.js';
import { createOptimizer, type OptimizerName } from './index.js';

interface TorchCase {
  name: string;
  optimizer: OptimizerName;
  options: Record<string, unknown>;
  groups: { params: number[][]; options: Record<string, unknown> }[];
  lrChanges: Record<string, number>;
  grads: number[][][];
  paramsAfter: number[][][];
  finalState: Record<string, number | number[]>[];
}

const fixture = loadFixture<{ torch: string; cases: TorchCase[] }>('optim/torch_optim.json');

// The project's float32 bar (assertClose's default atol 1e-7 only matters for entries that land near zero).
const TOL = { rtol: 1e-5 };

function run(c: TorchCase) {
  const groups = c.groups.map((g) => ({ params: g.params.map((p) => Float32Array.from(p)), ...g.options }));
  const params = groups.flatMap((g) => g.params);
  const opt = createOptimizer(c.optimizer, groups as never, c.options as never);
  return { opt, params };
}

test('fixture covers every optimizer', () => {
  const names = new Set(fixture.cases.map((c) => c.optimizer));
  assert.deepEqual([...names].sort(), ['adagrad', 'adam', 'adamw', 'rmsprop', 'sgd']);
});

for (const c of fixture.cases) {
  test(`matches torch ${fixture.torch}: ${c.name}`, () => {
    const { opt, params } = run(c);
    const initialLrs = opt.paramGroups.map((g) => g.lr);
    c.grads.forEach((grads, step) => {
      const newLr = c.lrChanges[String(step)];
      if (newLr !== undefined) opt.lr = newLr;
      opt.step(grads.map((g) => Float32Array.from(g)));
      params.forEach((p, i) => assertClose(p, c.paramsAfter[step]![i]!, { ...TOL, label: `step ${step + 1} param ${i}` }));
    });
    assert.deepEqual(opt.paramGroups.map((g) => g.initialLr), initialLrs, 'initialLr keeps the starting lr');

    const state = opt.stateDict().state;
    c.finalState.forEach((expected, i) => {
      const keys = Object.keys(expected).sort();
      assert.deepEqual(Object.keys(state[i] ?? {}).sort(), keys, `state keys of param ${i}`);
      for (const key of keys) {
        assertClose(state[i]![key] as ArrayLike<number> | number, expected[key]!, { ...TOL, label: `state ${i}.${key}` });
      }
    });
  });
}
