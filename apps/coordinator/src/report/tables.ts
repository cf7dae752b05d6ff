import { formatLr, formatParam, formatPercent } from './format.js';
import type { ParamColumn, ReportRow } from './rows.js';

function top1Cell(row: ReportRow): string {
  if (row.state === 'crashed') return `crashed@${row.crashedEpoch ?? row.epochs} epoch`;
  if (row.state === 'failed') return 'failed';
  return formatPercent(row.top1);
}

/**
 * The sweep as a Markdown table in the lecture's style: one row per trial with its hyper-parameters, epochs, final
 * lr and top-1/top-5 (or `crashed@N epoch`), sorted by the objective.
 *
 * @example
 * markdownTable(rows, paramColumns(trials), 'valAccuracy');
 */
export function markdownTable(rows: ReportRow[], columns: ParamColumn[], objectiveMetric: string): string {
  const headers = ['#', 'trial', ...columns.map((c) => c.header), 'epochs', 'final lr', 'top-1', 'top-5', objectiveMetric, 'state'];
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const cells = [
      String(row.rank), String(row.trial), ...columns.map((c) => formatParam(row.params[c.path], c.kind)), String(row.epochs),
      formatLr(row.finalLr), top1Cell(row), row.state === 'crashed' || row.state === 'failed' ? '' : formatPercent(row.top5),
      row.objective === null ? '' : Number(row.objective.toPrecision(4)).toString(), row.state,
    ];
    lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The sweep as CSV: the same rows with full-precision numbers, for spreadsheets and scripts.
 *
 * @example
 * writeFileSync('trials.csv', csvTable(rows, columns));
 */
export function csvTable(rows: ReportRow[], columns: ParamColumn[]): string {
  const headers = ['rank', 'trial', ...columns.map((c) => c.path), 'epochs', 'final_lr', 'top1', 'top5', 'objective', 'state', 'result'];
  const lines = [headers.map(csvCell).join(',')];
  for (const row of rows) {
    lines.push(
      [row.rank, row.trial, ...columns.map((c) => row.params[c.path]), row.epochs, row.finalLr, row.top1, row.top5, row.objective, row.state, top1Cell(row)]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
