/**
 * report lays the two systems' figures side by side: one block per workload, one row per metric, with the
 * capstan/etcd ratio where both are numbers. It renders as an aligned text table (printed as blocks finish)
 * and as a Markdown table (printed once at the end, for pasting into bench/README.md).
 */

/** Cell is one figure: a number (formatted with digits decimals) or a verdict such as PASS. */
export type Cell = number | string | undefined;

/** Row is one metric of one workload. */
export interface Row {
  metric: string;
  capstan: Cell;
  etcd: Cell;
  /** digits are the decimals a number is printed with; default 0. */
  digits?: number;
}

/** Block is one workload's rows and its caveats. */
export interface Block {
  title: string;
  rows: Row[];
  notes: string[];
}

function formatCell(c: Cell, digits: number): string {
  if (c === undefined) return '–';
  if (typeof c === 'string') return c;
  if (!Number.isFinite(c)) return '–';
  return c.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(row: Row): string {
  if (typeof row.capstan !== 'number' || typeof row.etcd !== 'number' || row.etcd === 0 || !Number.isFinite(row.capstan)) return '';
  const r = row.capstan / row.etcd;
  return r >= 10 ? r.toFixed(0) : r.toFixed(2);
}

const widths = [34, 26, 12, 12, 13];

/** renderText renders blocks as an aligned table with a header. */
export function renderText(blocks: readonly Block[]): string {
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('');
  const out = [line(['workload', 'metric', 'capstan', 'etcd', 'capstan/etcd'])];
  for (const b of blocks) {
    b.rows.forEach((r, i) => out.push(line([i === 0 ? b.title : '', r.metric, formatCell(r.capstan, r.digits ?? 0), formatCell(r.etcd, r.digits ?? 0), ratio(r)])));
    for (const n of b.notes) out.push(`${''.padEnd(widths[0]!)}note: ${n}`);
  }
  return out.join('\n');
}

/** renderMarkdown renders blocks as one Markdown table (notes left out). */
export function renderMarkdown(blocks: readonly Block[]): string {
  const out = ['| workload | metric | capstan | etcd | capstan/etcd |', '|---|---|--:|--:|--:|'];
  for (const b of blocks) {
    b.rows.forEach((r, i) => out.push(`| ${i === 0 ? b.title : ''} | ${r.metric} | ${formatCell(r.capstan, r.digits ?? 0)} | ${formatCell(r.etcd, r.digits ?? 0)} | ${ratio(r)} |`));
  }
  return out.join('\n');
}
