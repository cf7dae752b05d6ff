import { z } from 'zod';
import type { OptionRule, OptionRules } from '../optim/options.js';

/**
 * Turns core's optimizer option rules (the ranges torch enforces, defined once next to each optimizer) into zod
 * fields, so a config, the CLI and the generated reference check exactly what the constructor checks.
 */
export function zodFromRule(rule: OptionRule): z.ZodType {
  switch (rule.kind) {
    case 'boolean':
      return z.boolean();
    case 'betas':
      return z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]);
    case 'number': {
      let n = z.number();
      if (Number.isFinite(rule.min)) n = n.min(rule.min);
      if (rule.max !== undefined) n = rule.maxExclusive ? n.lt(rule.max) : n.max(rule.max);
      return n;
    }
  }
}

/**
 * A strict zod object of every option in `rules`, each with its default (from `defaults`, unless undefined) and its
 * one-line doc.
 * @example
 * optionsObject({ lr: { kind: 'number', min: 0 } }, { lr: 0.01 }, { lr: 'learning rate' }).parse({}) // { lr: 0.01 }
 */
export function optionsObject(rules: OptionRules, defaults: Record<string, unknown>, docs: Record<string, string>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, rule] of Object.entries(rules)) {
    const field = zodFromRule(rule).describe(docs[key] ?? key);
    shape[key] = defaults[key] === undefined ? field.optional() : field.default(defaults[key] as never);
  }
  return z.object(shape).strict();
}
