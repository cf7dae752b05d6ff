import { trainConfigProblems } from '@tensorfleet/protocol';
import { applyAssignment } from '../search/assignment.js';
import { sampleNode } from '../search/sample.js';
import type { SearchSpace, SpaceNode } from './space.js';

/** Draw positions that reach a node's extremes and each of its choices (sampleNode maps r ∈ [0, 1) onto them). */
function drawPositions(node: SpaceNode): number[] {
  if (node.kind !== 'dimension') return node.kind === 'mapping' ? [0, 1 - 1e-12] : [0];
  const n = node.options?.length;
  return n ? Array.from({ length: n }, (_, i) => (i + 0.5) / n) : [0, 1 - 1e-12];
}

/** Names the searched path a problem of the first trial config comes from, or `base` when none fits. */
function blame(problem: string, space: SearchSpace): string {
  const field = problem.slice(0, problem.indexOf(':'));
  const from = space.find(([path]) => {
    const key = path.split('.').pop()!;
    return field === path || field.startsWith(`${path}.`) || (path.startsWith(`${field}.`) && problem.includes(`"${key}"`)) ||
      (field === '(top level)' && problem.includes(`"${path.split('.')[0]}"`));
  });
  return from ? `space.${from[0]}` : 'base';
}

/**
 * Checks a study's trial configs before any trial starts, against the train config schema itself (the one the
 * trials' `tensorfleet train` parses): the base with each searched path at its extremes and at each of its choices,
 * the other paths at their first value. Returns every problem once, as `where: field: message` lines.
 * @example
 * trialConfigProblems({ optimizer: { name: 'sgd' } }, parseSearchSpace({ 'optimizer.lr': { type: 'loguniform', low: 1e-4, high: 1 } }));
 */
export function trialConfigProblems(base: Record<string, unknown>, space: SearchSpace): string[] {
  const first = Object.fromEntries(space.map(([path, node]) => [path, sampleNode(node, () => drawPositions(node)[0]!)]));
  const seen = new Set<string>();
  const problems: string[] = [];
  const check = (where: string | null, assignment: Record<string, unknown>) => {
    for (const problem of trainConfigProblems(applyAssignment(base, assignment))) {
      if (seen.has(problem)) continue;
      seen.add(problem);
      problems.push(`${where ?? blame(problem, space)}: ${problem}`);
    }
  };
  check(null, first);
  for (const [path, node] of space) {
    for (const r of drawPositions(node)) {
      const value = sampleNode(node, () => r);
      check(`space.${path} = ${JSON.stringify(value)}`, { ...first, [path]: value });
    }
  }
  return problems;
}
