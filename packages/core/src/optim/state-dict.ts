import { describeValue, OptimizerError } from './options.js';
import type { LiveState, StateSchema } from './optimizer.js';
import type { ParamGroup } from './types.js';

/** What `readStateDict` needs to know about the optimizer it loads into. */
export interface StateDictTarget {
  className: string;
  groupSizes: number[];
  paramLengths: number[];
  /** Option keys a group carries besides lr and initialLr. */
  optionKeys: string[];
  checkGroup(group: ParamGroup, where: string): void;
  stateSchema(group: ParamGroup): StateSchema;
}

/** A validated state dict, copied into live form, ready to be committed. */
export interface LoadedState {
  groupOptions: Record<string, unknown>[];
  state: (LiveState | null)[];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

/**
 * Validates a state dict against the target completely and returns copies of its contents; throws OptimizerError
 * naming the first problem. Touches nothing: the caller commits the result.
 */
export function readStateDict(sd: unknown, target: StateDictTarget): LoadedState {
  const fail = (msg: string): never => {
    throw new OptimizerError(`${target.className}.loadStateDict: ${msg}`);
  };
  if (!isRecord(sd)) return fail(`expected a state dict object, got ${describeValue(sd)}`);
  if (sd.format !== 'tensorfleet.optim/1') {
    fail(`format must be 'tensorfleet.optim/1', got ${describeValue(sd.format)}`);
  }
  if (sd.optimizer !== target.className) {
    fail(`the state dict was written by ${describeValue(sd.optimizer)}, not ${target.className}`);
  }
  const groups = sd.paramGroups;
  if (!Array.isArray(groups) || groups.length !== target.groupSizes.length) {
    fail(
      `expected ${target.groupSizes.length} paramGroups, got ` +
        (Array.isArray(groups) ? groups.length : describeValue(groups)),
    );
  }
  const paramCount = target.paramLengths.length;
  const groupOf: ParamGroup[] = [];
  const groupOptions = (groups as unknown[]).map((raw, g) => {
    const where = `paramGroups[${g}]`;
    if (!isRecord(raw)) return fail(`${where} must be an object, got ${describeValue(raw)}`);
    const first = groupOf.length;
    const expected = Array.from({ length: target.groupSizes[g]! }, (_, j) => first + j);
    const params = raw.params;
    if (!Array.isArray(params) || params.length !== expected.length || params.some((p, j) => p !== expected[j])) {
      fail(`${where}.params must be the parameter indices [${expected.join(', ')}], got ${describeValue(params)}`);
    }
    const options: Record<string, unknown> = { lr: raw.lr, initialLr: raw.initialLr };
    for (const key of target.optionKeys) {
      if (!(key in raw)) fail(`${where} lacks option '${key}'`);
      options[key] = Array.isArray(raw[key]) ? [...(raw[key] as unknown[])] : raw[key];
    }
    const candidate = { params: [], ...options } as unknown as ParamGroup;
    try {
      target.checkGroup(candidate, `state dict ${where}`);
    } catch (e) {
      fail((e as Error).message);
    }
    for (let j = 0; j < expected.length; j++) groupOf.push(candidate);
    return options;
  });

  const states = sd.state;
  if (!Array.isArray(states) || states.length !== paramCount) {
    fail(`state must be an array of ${paramCount} entries, got ${Array.isArray(states) ? states.length : describeValue(states)}`);
  }
  const state = (states as unknown[]).map((entry, i) =>
    entry === null || entry === undefined ? null : readParamState(entry, i, target, groupOf[i]!, fail),
  );
  return { groupOptions, state };
}

function readParamState(
  entry: unknown,
  i: number,
  target: StateDictTarget,
  group: ParamGroup,
  fail: (msg: string) => never,
): LiveState {
  const where = `state[${i}]`;
  if (!isRecord(entry)) return fail(`${where} must be an object or null, got ${describeValue(entry)}`);
  const schema = target.stateSchema(group);
  const allowed = new Set([...schema.required, ...(schema.optional ?? [])]);
  for (const key of schema.required) if (!(key in entry)) fail(`${where} lacks '${key}' (needs ${schema.required.join(', ')})`);
  const live: LiveState = {};
  const length = target.paramLengths[i]!;
  for (const [key, value] of Object.entries(entry)) {
    if (!allowed.has(key)) fail(`${where} has unexpected key '${key}' (allowed: ${[...allowed].join(', ')})`);
    if (key === 'step') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        fail(`${where}.step must be a non-negative integer, got ${describeValue(value)}`);
      }
      live[key] = value as number;
      continue;
    }
    const isNumbers =
      value instanceof Float32Array || (Array.isArray(value) && value.every((v) => typeof v === 'number'));
    if (!isNumbers) fail(`${where}.${key} must be a Float32Array or number array, got ${describeValue(value)}`);
    const buffer = Float32Array.from(value as ArrayLike<number>);
    if (buffer.length !== length) {
      fail(`${where}.${key} has length ${buffer.length}, its parameter has length ${length}`);
    }
    const bad = buffer.findIndex((v) => Number.isNaN(v));
    if (bad >= 0) fail(`${where}.${key}[${bad}] is NaN`);
    live[key] = buffer;
  }
  return live;
}
