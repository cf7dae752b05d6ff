/**
 * Slurm's compressed host lists and task counts, expanded as `scontrol show hostnames` does, without running it (a
 * task must not depend on slurmctld answering to learn its own allocation).
 */

/** Splits on commas that are not inside brackets: `n[1-2,4],gpu1` → [`n[1-2,4]`, `gpu1`]. */
function topLevelParts(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i += 1) {
    const c = list[i];
    if (c === '[') depth += 1;
    else if (c === ']') depth -= 1;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.filter((p) => p !== '');
}

/** `1-3` → ['1','2','3'], keeping zero padding (`01-03` → ['01','02','03']). */
function expandRange(range: string, list: string): string[] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(range);
  if (!m) throw new Error(`Slurm host list "${list}": "${range}" is not a number or a range`);
  const [, from, to = from] = m as unknown as [string, string, string | undefined];
  const width = from.length;
  const out: string[] = [];
  for (let n = Number(from); n <= Number(to); n += 1) out.push(String(n).padStart(width, '0'));
  return out;
}

/** Expands one host expression, brackets possibly several (`rack[1-2]-n[1-2]`). */
function expandHost(host: string, list: string): string[] {
  const open = host.indexOf('[');
  if (open < 0) return [host];
  const close = host.indexOf(']', open);
  if (close < 0) throw new Error(`Slurm host list "${list}": unclosed "[" in "${host}"`);
  const prefix = host.slice(0, open);
  const rest = expandHost(host.slice(close + 1), list);
  return host
    .slice(open + 1, close)
    .split(',')
    .flatMap((r) => expandRange(r, list))
    .flatMap((n) => rest.map((suffix) => `${prefix}${n}${suffix}`));
}

/**
 * The host names a Slurm host list stands for, in Slurm's order.
 * @example
 * expandHostList('n[1-3],gpu[08-09]'); // ['n1', 'n2', 'n3', 'gpu08', 'gpu09']
 */
export function expandHostList(list: string): string[] {
  return topLevelParts(list.trim()).flatMap((h) => expandHost(h, list));
}

/**
 * Tasks per node, one number per node in node-list order, from SLURM_STEP_TASKS_PER_NODE / SLURM_TASKS_PER_NODE.
 * @example
 * expandTasksPerNode('2(x3),1'); // [2, 2, 2, 1]
 */
export function expandTasksPerNode(counts: string): number[] {
  return counts
    .trim()
    .split(',')
    .flatMap((part) => {
      const m = /^(\d+)(?:\(x(\d+)\))?$/.exec(part);
      if (!m) throw new Error(`Slurm tasks per node "${counts}": "${part}" is not N or N(xM)`);
      return Array.from({ length: Number(m[2] ?? 1) }, () => Number(m[1]));
    });
}
