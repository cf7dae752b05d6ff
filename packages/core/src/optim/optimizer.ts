import {
  checkKnownKeys,
  checkOption,
  copyOption,
  describeValue,
  OptimizerError,
  type OptionRule,
  type OptionRules,
} from './options.js';
import { findNonFinite } from '../numeric/find-non-finite.js';
import { readStateDict } from './state-dict.js';
import type { OptimizerStateDict, ParamGroup, ParamState, ParamsInput } from './types.js';

/** A parameter's live state: numbers (step counts) and Float32Array buffers the size of the parameter. */
export type LiveState = Record<string, number | Float32Array>;

/** Which state keys a parameter of a group must have once it has stepped, and which it may have. */
export interface StateSchema {
  required: string[];
  optional?: string[];
}

const LR_RULE: OptionRule = { kind: 'number', min: 0 };

/**
 * Base of every optimizer: torch-style param groups over flat Float32Arrays, input validation, lr access, and the
 * state dict. Subclasses supply the update rule (`updateGroup`) and describe their state (`stateSchema`).
 *
 * Guarantees: every check (options, lr, grads, state dicts) runs before anything is written, so an error leaves
 * parameters, state and options exactly as they were.
 *
 * @example
 * const w = new Float32Array([1, 2, 3]);
 * const opt: Optimizer = new SGD([w], { lr: 0.1 });
 * opt.step([new Float32Array([1, 1, 1])]); // w is now [0.9, 1.9, 2.9]
 * opt.lr = 0.01;                           // every group
 */
export abstract class Optimizer {
  /** The groups, in the order their params' grads are expected by `step`. Options may be changed between steps. */
  readonly paramGroups: ParamGroup[];
  /** Per flat parameter index; null until the parameter's first step. */
  protected state: (LiveState | null)[];
  private readonly paramCount: number;

  protected constructor(
    protected readonly className: string,
    params: ParamsInput<object>,
    options: object | undefined,
    defaults: Record<string, unknown>,
    private readonly rules: OptionRules,
  ) {
    const opts = options ?? {};
    if (typeof opts !== 'object' || Array.isArray(opts)) {
      throw new OptimizerError(`${className}: options must be an object, got ${describeValue(opts)}`);
    }
    checkKnownKeys(className, 'options', opts, rules);
    const base: Record<string, unknown> = { ...defaults };
    for (const [key, value] of Object.entries(opts)) {
      if (value === undefined) continue;
      checkOption(className, 'options', key, value, rules[key]!);
      base[key] = copyOption(value);
    }

    const groups = this.parseGroups(params).map((input, g) => this.buildGroup(input, base, g));
    const seen = new Set<Float32Array>();
    for (const group of groups) {
      for (const p of group.params) {
        if (seen.has(p)) throw new OptimizerError(`${className}: a parameter appears more than once`);
        seen.add(p);
      }
    }
    this.paramGroups = Object.freeze(groups) as ParamGroup[];
    this.paramCount = seen.size;
    this.state = new Array<LiveState | null>(this.paramCount).fill(null);
  }

  /** Group 0's learning rate. */
  get lr(): number {
    return this.paramGroups[0]!.lr;
  }

  /** Sets the learning rate of every group (what `for g in opt.param_groups: g['lr'] = v` does in torch). */
  set lr(value: number) {
    checkOption(this.className, '', 'lr', value, LR_RULE);
    for (const group of this.paramGroups) group.lr = value;
  }

  /**
   * One optimization step: updates every parameter in place from its gradient.
   * @param grads one gradient per parameter, in the order of all groups' params concatenated, each as long as its
   *   parameter and finite. Checked in full before anything changes.
   */
  step(grads: Float32Array[]): void {
    this.paramGroups.forEach((group, g) => this.checkGroup(group, `paramGroups[${g}]`));
    this.checkGrads(grads);
    let first = 0;
    for (const group of this.paramGroups) {
      this.updateGroup(group, grads, first);
      first += group.params.length;
    }
  }

  /**
   * The optimizer's state as plain data, torch's `state_dict()`: `{ format, optimizer, state, paramGroups }` where
   * `state[i]` is parameter i's state (`null` before its first step) with `step` counts and Float32Array buffers
   * (copies), and `paramGroups[g]` holds the group's options with `params` replaced by flat parameter indices.
   *
   * Transport: structuredClone and worker messages keep it as is. msgpackr: use `new Packr({ moreTypes: true })`
   * (or `structuredClone: true`), which restore Float32Array; msgpackr 2.1's default `pack` writes wrong bytes for a
   * Float32Array. JSON: convert buffers to number arrays (`JSON.stringify(sd, (k, v) => v instanceof Float32Array ?
   * Array.from(v) : v)`); `loadStateDict` accepts number arrays and restores the same float32 values.
   * @example
   * const saved = opt.stateDict();
   * const resumed = new Adam(params, { lr: 1e-3 });
   * resumed.loadStateDict(saved); // continues bit for bit as `opt` would
   */
  stateDict(): OptimizerStateDict {
    let first = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const params = group.params.map((_, j) => first + j);
      first += group.params.length;
      const out: OptimizerStateDict['paramGroups'][number] = { params, lr: group.lr, initialLr: group.initialLr };
      for (const key of Object.keys(this.rules)) if (key !== 'lr') out[key] = copyOption(group[key]);
      return out;
    });
    const state = this.state.map((s): ParamState | null => {
      if (s === null) return null;
      const copy: ParamState = {};
      for (const [key, value] of Object.entries(s)) copy[key] = typeof value === 'number' ? value : value.slice();
      return copy;
    });
    return { format: 'tensorfleet.optim/1', optimizer: this.className, state, paramGroups };
  }

  /**
   * Restores a state dict written by `stateDict()` of the same optimizer class over the same parameter layout:
   * group options (lr, initialLr, ...) and per-parameter state. Validates everything first (clear error, nothing
   * changed on failure); copies buffers, so the dict can be reused.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const loaded = readStateDict(stateDict, {
      className: this.className,
      groupSizes: this.paramGroups.map((g) => g.params.length),
      paramLengths: this.paramGroups.flatMap((g) => g.params.map((p) => p.length)),
      optionKeys: Object.keys(this.rules).filter((k) => k !== 'lr'),
      checkGroup: (group, where) => this.checkGroup(group, where),
      stateSchema: (group) => this.stateSchema(group),
    });
    loaded.groupOptions.forEach((options, g) => Object.assign(this.paramGroups[g]!, options));
    this.state = loaded.state;
  }

  /** The update rule for one group; `grads[first + j]` is the gradient of `group.params[j]`, already validated. */
  protected abstract updateGroup(group: ParamGroup, grads: Float32Array[], first: number): void;

  /** State keys a stepped parameter of `group` has. */
  protected abstract stateSchema(group: ParamGroup): StateSchema;

  /** Cross-option rules beyond single-option ranges (e.g. SGD's nesterov needs momentum); throw on violation. */
  protected checkOptionCombination(_group: ParamGroup, _where: string): void {}

  /** Validates a group's current options (they are public and may have been changed since construction). */
  private checkGroup(group: ParamGroup, where: string): void {
    for (const [key, rule] of Object.entries(this.rules)) checkOption(this.className, where, key, group[key], rule);
    checkOption(this.className, where, 'initialLr', group.initialLr, LR_RULE);
    this.checkOptionCombination(group, where);
  }

  private parseGroups(params: ParamsInput<object>): { params: Float32Array[]; [k: string]: unknown }[] {
    const name = this.className;
    if (!Array.isArray(params) || params.length === 0) {
      throw new OptimizerError(`${name}: params must be a non-empty array of Float32Array or of param groups`);
    }
    if (params.every((p) => p instanceof Float32Array)) return [{ params: params as Float32Array[] }];
    return params.map((group, g) => {
      const ok = typeof group === 'object' && group !== null && !(group instanceof Float32Array);
      const list = ok ? (group as { params?: unknown }).params : undefined;
      if (!ok || !Array.isArray(list)) {
        throw new OptimizerError(
          `${name}: params must be all Float32Array or all param groups ({ params: Float32Array[], ...options }); ` +
            `entry ${g} is ${describeValue(group)}`,
        );
      }
      list.forEach((p, j) => {
        if (!(p instanceof Float32Array)) {
          throw new OptimizerError(
            `${name}: paramGroups[${g}].params[${j}] must be a Float32Array, got ${describeValue(p)}`,
          );
        }
      });
      return group as { params: Float32Array[] };
    });
  }

  private buildGroup(
    input: { params: Float32Array[]; [k: string]: unknown },
    base: Record<string, unknown>,
    g: number,
  ): ParamGroup {
    const where = `paramGroups[${g}]`;
    checkKnownKeys(this.className, where, input, this.rules, ['params', 'initialLr']);
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(input)) {
      if (key === 'params' || value === undefined) continue;
      merged[key] = copyOption(value);
    }
    if (merged.lr === undefined) {
      throw new OptimizerError(`${this.className}: ${where} has no 'lr' and the options give no default lr`);
    }
    const group: ParamGroup = {
      params: Object.freeze([...input.params]) as Float32Array[],
      lr: merged.lr as number,
      initialLr: (merged.initialLr ?? merged.lr) as number,
    };
    for (const key of Object.keys(this.rules)) if (key !== 'lr') group[key] = merged[key];
    this.checkGroup(group, where);
    return group;
  }

  private checkGrads(grads: Float32Array[]): void {
    const name = this.className;
    if (!Array.isArray(grads) || grads.length !== this.paramCount) {
      const got = Array.isArray(grads) ? `${grads.length} grads` : describeValue(grads);
      throw new OptimizerError(`${name}.step: expected ${this.paramCount} grads (one per parameter), got ${got}`);
    }
    let i = 0;
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        const grad = grads[i];
        if (!(grad instanceof Float32Array)) {
          throw new OptimizerError(`${name}.step: grads[${i}] must be a Float32Array, got ${describeValue(grad)}`);
        }
        if (grad.length !== param.length) {
          throw new OptimizerError(
            `${name}.step: grads[${i}] has length ${grad.length}, its parameter has length ${param.length}`,
          );
        }
        const k = findNonFinite(grad);
        if (k >= 0) throw new OptimizerError(`${name}.step: grads[${i}][${k}] is ${grad[k]}; gradients must be finite`);
        i++;
      }
    }
  }
}
