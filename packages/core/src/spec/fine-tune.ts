import { z } from 'zod';
import type { ModelInit } from '../models/model-init.js';
import { resolvePath, type SourceContext } from './data-sources.js';

/**
 * The `init` field: start from pretrained weights (only the weights: optimizer, step and schedule start fresh),
 * freeze layers, and give the model a new head when the data has another class count.
 * @example
 * initSchema.parse({ from: 'runs/base', freeze: 'all-but-head', newHead: true });
 */
export const initSchema = z
  .object({
    from: z
      .string()
      .min(1)
      .optional()
      .describe('a tensorfleet run or checkpoint folder, or a tfjs/Keras model.json: weights matched by layer/variable name and shape'),
    freeze: z
      .union([z.array(z.string().min(1)), z.literal('all-but-head')], { error: "expected a list of layer names or 'all-but-head'" })
      .optional()
      .describe("layer names whose weights stay as loaded (their BatchNorm keeps its statistics), or 'all-but-head'"),
    newHead: z.boolean().default(false).describe('replace the last dense layer (fresh init) when the class count differs'),
  })
  .strict()
  .describe('fine-tuning: pretrained weights, frozen layers, a new head');

/** A parsed `init` with `from` made absolute against `ctx.baseDir`. */
export function absoluteInit<T extends ModelInit>(init: T | undefined, ctx: SourceContext): T | undefined {
  return init?.from ? { ...init, from: resolvePath(init.from, ctx) } : init;
}
