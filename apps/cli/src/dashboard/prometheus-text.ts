/** One sample line: `name{label="value",...} value [timestamp]`. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp: number | null;
}

/** A metric family: its HELP, TYPE and samples. */
export interface PromFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: PromSample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A value as Go's strconv.ParseFloat reads it (the format's definition): NaN and ±Inf(inity) in any case. */
const float = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf(?:inity)?|nan)$/i;
const toNumber = (v: string) => (/^[+-]?inf/i.test(v) ? (v.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(v) ? Number.NaN : Number(v));
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** The family a sample belongs to: histogram and summary samples carry suffixes. */
const familyOf = (sample: string, families: Map<string, PromFamily>) =>
  families.has(sample) ? sample : sample.replace(/_(bucket|sum|count|total|created)$/, '');

function parseLabels(text: string, fail: (why: string) => never): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) fail(`label without "=" in {${text}}`);
    const name = text.slice(i, eq).trim();
    if (!labelName.test(name)) fail(`bad label name "${name}"`);
    if (name in labels) fail(`label "${name}" twice`);
    if (text[eq + 1] !== '"') fail(`label ${name}'s value is not quoted`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else fail(`bad escape "\\${next}" in label ${name}`);
      } else value += text[j];
    }
    if (j >= text.length) fail(`label ${name}'s value is not closed`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) fail(`expected "," after label ${name}`);
  }
  return labels;
}

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly: every line is a `# HELP`, a `# TYPE` (once per
 * family, before its samples), another comment, a blank line or a well-formed sample, else it throws naming the line.
 * (A lenient parser that skips what it cannot read would hide exactly the defects a scraper trips on.)
 *
 * @example
 * const families = parsePrometheusText(await (await fetch('http://127.0.0.1:9464/metrics')).text());
 * families.get('tensorfleet_step')?.samples[0]?.value; // 120
 */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, help: '', type: 'untyped', samples: [] }));
    return f;
  };
  text.split('\n').forEach((raw, index) => {
    const fail = (why: string): never => {
      throw new Error(`metrics line ${index + 1}: ${why}: ${JSON.stringify(raw)}`);
    };
    const line = raw.trimEnd();
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) return; // another comment
      const [, kind, name, rest = ''] = m;
      if (!metricName.test(name!)) fail(`bad metric name "${name}"`);
      const f = family(name!);
      if (kind === 'TYPE') {
        if (!types.has(rest.trim())) fail(`unknown type "${rest}"`);
        if (f.samples.length) fail(`TYPE of ${name} after its samples`);
        if (f.type !== 'untyped') fail(`second TYPE for ${name}`);
        f.type = rest.trim() as PromFamily['type'];
      } else f.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
    if (!m) fail('not a sample line');
    const [, name, labelText, value, timestamp] = m!;
    if (!float.test(value!)) fail(`bad value "${value}"`);
    const labels = labelText ? parseLabels(labelText, fail) : {};
    const f = family(familyOf(name!, families));
    const key = JSON.stringify([name, Object.entries(labels).sort()]);
    if (f.samples.some((s) => JSON.stringify([s.name, Object.entries(s.labels).sort()]) === key)) fail(`duplicate series ${name}${labelText ? `{${labelText}}` : ''}`);
    f.samples.push({ name: name!, labels, value: toNumber(value!), timestamp: timestamp === undefined ? null : Number(timestamp) });
  });
  return families;
}
