/**
 * What a scheduler drives, reduced to one shape: per-group learning rates that can be read and written.
 * Three kinds are accepted structurally (no import of the optim area, so neither area waits on the other).
 */

/** Anything with torch-style param groups, e.g. core's `SGD`/`Adam`: the scheduler sets each group's `lr`. */
export interface ParamGroupsLike {
  paramGroups: { lr: number; initialLr?: number }[];
}

/**
 * A tfjs optimizer (`tf.train.sgd(...)`, `tf.train.adam(...)`, ...). tfjs 4.22 keeps the rate in a `learningRate`
 * field that every class reads at each `applyGradients`, except SGD and Momentum, which cache `-lr` in a kept scalar
 * tensor refreshed only by `setLearningRate`; both are updated.
 */
export interface TfjsOptimizerLike {
  applyGradients(...args: never[]): unknown;
  getClassName?(): string;
}

/** A tfjs LayersModel (or anything) whose `optimizer` is one of the above; looked up at every read and write. */
export interface ModelLike {
  optimizer: unknown;
}

/** Every target a scheduler accepts. */
export type SchedulerTarget = ParamGroupsLike | TfjsOptimizerLike | ModelLike;

/** The uniform view schedulers work on. */
export interface LrHandle {
  readonly groupCount: number;
  getLrs(): number[];
  setLrs(lrs: readonly number[]): void;
  /** torch's `group.setdefault('initial_lr', group['lr'])`, then the initial lrs: the base of closed-form schedules. */
  initialLrs(): number[];
  /** Short description for error messages. */
  readonly description: string;
}

// tfjs optimizers have no slot for torch's `initial_lr`; keep it beside them so that chained schedulers on one
// tfjs optimizer share the same base learning rate, as they share `group['initial_lr']` in torch.
const tfjsInitialLr = new WeakMap<object, number>();

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function hasParamGroups(x: unknown): x is ParamGroupsLike {
  return isObject(x) && Array.isArray(x.paramGroups);
}

function isTfjsOptimizer(x: unknown): x is TfjsOptimizerLike & { learningRate: number } {
  return isObject(x) && typeof x.applyGradients === 'function' && 'learningRate' in x;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (!isObject(x)) return typeof x;
  const name = (x.constructor as { name?: string } | undefined)?.name;
  return name ? `a ${name}` : 'an object';
}

function paramGroupsHandle(target: ParamGroupsLike, description: string): LrHandle {
  const groups = target.paramGroups;
  if (groups.length === 0) throw new Error(`scheduler target ${description} has no param groups`);
  groups.forEach((g, i) => {
    if (!isObject(g) || typeof g.lr !== 'number' || !Number.isFinite(g.lr)) {
      throw new TypeError(`scheduler target ${description}: paramGroups[${i}].lr must be a finite number, got ${
        isObject(g) ? String(g.lr) : describe(g)}`);
    }
  });
  return {
    description,
    get groupCount() { return target.paramGroups.length; },
    getLrs: () => target.paramGroups.map((g) => g.lr),
    setLrs: (lrs) => target.paramGroups.forEach((g, i) => { g.lr = lrs[i]!; }),
    initialLrs: () => target.paramGroups.map((g) => {
      if (typeof g.initialLr !== 'number') g.initialLr = g.lr;
      return g.initialLr;
    }),
  };
}

function readTfjsLr(opt: TfjsOptimizerLike, description: string): number {
  const lr = (opt as unknown as { learningRate: unknown }).learningRate;
  if (typeof lr !== 'number' || !Number.isFinite(lr)) {
    throw new TypeError(`scheduler target ${description}: learningRate must be a finite number, got ${String(lr)}`);
  }
  return lr;
}

function writeTfjsLr(opt: TfjsOptimizerLike, lr: number): void {
  const o = opt as unknown as { learningRate: number; setLearningRate?: (v: number) => void };
  // SGDOptimizer (and MomentumOptimizer, its subclass) multiply by a cached scalar `c = -lr`; only
  // setLearningRate rebuilds it. The other classes read `this.learningRate` inside applyGradients.
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

function tfjsHandle(resolve: () => TfjsOptimizerLike, description: string): LrHandle {
  readTfjsLr(resolve(), description);
  return {
    description,
    groupCount: 1,
    getLrs: () => [readTfjsLr(resolve(), description)],
    setLrs: (lrs) => writeTfjsLr(resolve(), lrs[0]!),
    initialLrs: () => {
      const opt = resolve();
      if (!tfjsInitialLr.has(opt)) tfjsInitialLr.set(opt, readTfjsLr(opt, description));
      return [tfjsInitialLr.get(opt)!];
    },
  };
}

function modelOptimizer(model: ModelLike, description: string): TfjsOptimizerLike | ParamGroupsLike {
  const opt = model.optimizer;
  if (isTfjsOptimizer(opt) || hasParamGroups(opt)) return opt;
  if (opt == null) {
    throw new Error(`scheduler target ${description} has no optimizer yet: call model.compile({optimizer, loss}) first`);
  }
  throw new TypeError(`scheduler target ${description}: its optimizer is ${describe(opt)}, ` +
    'expected a tfjs optimizer (with learningRate) or an object with paramGroups');
}

/**
 * Resolves any accepted target to an {@link LrHandle}; throws a TypeError naming what was given otherwise.
 * A model's optimizer is looked up on every access, so re-compiling the model retargets the scheduler.
 */
export function lrHandle(target: unknown): LrHandle {
  if (hasParamGroups(target)) return paramGroupsHandle(target, describe(target));
  if (isTfjsOptimizer(target)) return tfjsHandle(() => target, describe(target));
  if (isObject(target) && 'optimizer' in target) {
    const model = target as unknown as ModelLike;
    const description = `${describe(target)} (model)`;
    const first = modelOptimizer(model, description);
    if (hasParamGroups(first)) return paramGroupsHandle(first, description);
    return tfjsHandle(() => {
      const opt = modelOptimizer(model, description);
      if (!isTfjsOptimizer(opt)) throw new TypeError(`scheduler target ${description}: optimizer changed kind`);
      return opt;
    }, description);
  }
  throw new TypeError(`scheduler target must be an optimizer with paramGroups, a tfjs optimizer, or a model with ` +
    `an optimizer; got ${describe(target)}`);
}
