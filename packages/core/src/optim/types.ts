/**
 * Shapes shared by every optimizer: torch-style parameter groups over flat Float32Arrays, and the state dict.
 */

/**
 * One torch param group: its parameters (updated in place by `step`) and its options, flat, as torch keeps them
 * (`{ params, lr, initialLr, momentum, ... }`). Schedulers write `lr`; `initialLr` is the lr the group started with.
 */
export interface ParamGroup {
  params: Float32Array[];
  lr: number;
  initialLr: number;
  [option: string]: unknown;
}

/**
 * A param group as given to a constructor: its parameters plus any options that override the constructor's.
 * @example
 * new SGD([{ params: [w1, b1] }, { params: [w2], lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
 */
export type ParamGroupInput<Options> = { params: Float32Array[]; initialLr?: number } & Partial<Options>;

/** What a constructor accepts: a plain list of parameters (one group) or a list of param groups. */
export type ParamsInput<Options> = Float32Array[] | ParamGroupInput<Options>[];

/**
 * A buffer in the state dict. `stateDict()` returns Float32Array copies; `loadStateDict` also accepts plain number
 * arrays, which is what a JSON round trip turns them into (float32 → double → decimal → double → float32 is exact).
 */
export type StateBuffer = Float32Array | readonly number[];

/** One parameter's optimizer state, e.g. Adam's `{ step, expAvg, expAvgSq }`. */
export interface ParamState {
  [key: string]: number | StateBuffer;
}

/** A param group in the state dict: options as in `ParamGroup`, parameters replaced by their flat indices. */
export interface ParamGroupState {
  params: number[];
  lr: number;
  initialLr: number;
  [option: string]: unknown;
}

/**
 * An optimizer's complete state, torch's `state_dict()` in camelCase: plain data (numbers, booleans, arrays,
 * Float32Array, null), so it survives structuredClone, msgpack and JSON (see `Optimizer.stateDict`).
 * Parameter values are not part of it: they belong to the model and are checkpointed with it.
 */
export interface OptimizerStateDict {
  /** Format tag, checked on load. */
  format: 'tensorfleet.optim/1';
  /** Class name that wrote it (`'SGD'`, `'Adam'`, ...); loading into another class is an error. */
  optimizer: string;
  /** Per parameter, indexed like `step`'s grads; `null` until that parameter's first step (torch creates state lazily). */
  state: (ParamState | null)[];
  paramGroups: ParamGroupState[];
}
