import { epochMetricFields, type EpochLine } from './epoch-line.js';

/** metrics.csv's columns: one row per epoch, the epoch line's numbers plus its consistency mode. */
export const metricsCsvColumns = [...epochMetricFields, 'consistency'] as const;

/** metrics.csv's header line (with its newline). */
export function metricsCsvHeader(): string {
  return `${metricsCsvColumns.join(',')}\n`;
}

/**
 * One metrics.csv row (with its newline) for an epoch line; a missing or non-finite number is an empty cell.
 *
 * @example
 * appendFileSync(join(out, runFiles.metrics), metricsCsvRow(line));
 */
export function metricsCsvRow(line: Partial<EpochLine>): string {
  const cells = metricsCsvColumns.map((c) => {
    const v = line[c];
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
    return typeof v === 'string' ? `"${v.replace(/"/g, '""')}"` : '';
  });
  return `${cells.join(',')}\n`;
}

/**
 * Parses metrics.csv back into rows of numbers (empty cells are NaN; `consistency` stays a string).
 *
 * @example
 * const rows = parseMetricsCsv(readFileSync(join(out, runFiles.metrics), 'utf8'));
 */
export function parseMetricsCsv(text: string): Array<Partial<EpochLine>> {
  const [header, ...rows] = text.split('\n').filter((l) => l.trim() !== '');
  if (!header) return [];
  const columns = header.split(',');
  return rows.map((row) => {
    const cells = row.split(',');
    const out: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const cell = cells[i] ?? '';
      out[c] = c === 'consistency' ? cell.replace(/^"|"$/g, '').replace(/""/g, '"') : cell === '' ? Number.NaN : Number(cell);
    });
    return out as Partial<EpochLine>;
  });
}
