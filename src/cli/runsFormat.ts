/**
 * What `kubeml run`, `kubeml runs` and `kubeml compare` print: arguments parsed and records
 * formatted here (pure), so that tests need neither a cluster nor a terminal.
 */
import { KubeMLError } from '../common/errors';
import type { RunRecord } from '../model/runRecords';
import type { ParamValue } from '../model/runSpec';

export function usageError(message: string, command: string): KubeMLError {
  return new KubeMLError('invalid', message, `Run \`kubeml ${command} --help\` for the options.`);
}

export interface ClusterOptions {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
}

export interface RunOptions extends ClusterOptions {
  purpose: 'train' | 'validate';
  params: Record<string, string>;
  model?: string;
  follow: boolean;
  json: boolean;
}

export interface ListOptions {
  json: boolean;
  limit?: number;
}

export interface CompareOptions {
  json: boolean;
  runs: string[];
}

/**
 * Splits `--flag value` and `--flag=value`; calls `on(flag, take)` for each flag, where take()
 * returns its value (or throws a usage error); other words are positional.
 */
function walk(args: readonly string[], command: string, on: (flag: string, take: () => string) => boolean): string[] {
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    let inline: string | undefined;
    if (a.startsWith('--') && a.includes('=')) [a, inline] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
    const take = () => {
      if (inline !== undefined) return inline;
      const v = args[i + 1];
      if (v === undefined || (v.startsWith('--') && v.length > 2)) throw usageError(`${a} needs a value.`, command);
      i++;
      return v;
    };
    if (a.startsWith('-') && a !== '-') {
      if (!on(a, take)) throw usageError(`Unknown option ${a}.`, command);
    } else positional.push(a);
  }
  return positional;
}

function cluster(o: ClusterOptions, flag: string, take: () => string): boolean {
  if (flag === '--namespace' || flag === '-n') o.namespace = take();
  else if (flag === '--context') o.context = take();
  else if (flag === '--kubeconfig') o.kubeconfig = take();
  else return false;
  return true;
}

export function parseRunArgs(args: readonly string[]): RunOptions | 'help' {
  const o: RunOptions = { purpose: 'train', params: {}, follow: false, json: false };
  let help = false;
  const rest = walk(args, 'run', (flag, take) => {
    if (flag === '-h' || flag === '--help') help = true;
    else if (flag === '--follow' || flag === '-f') o.follow = true;
    else if (flag === '--json') o.json = true;
    else if (flag === '--model') o.model = take();
    else if (flag === '--param' || flag === '-p') {
      const kv = take();
      const eq = kv.indexOf('=');
      if (eq <= 0) throw usageError(`--param needs NAME=VALUE, not "${kv}".`, 'run');
      o.params[kv.slice(0, eq).trim()] = kv.slice(eq + 1);
    } else return cluster(o, flag, take);
    return true;
  });
  if (help) return 'help';
  if (rest.length > 1) throw usageError(`Unexpected argument "${rest[1]}".`, 'run');
  if (rest[0] !== undefined) {
    if (rest[0] !== 'train' && rest[0] !== 'validate') throw usageError(`Unknown run kind "${rest[0]}": use train or validate.`, 'run');
    o.purpose = rest[0];
  }
  if (o.model !== undefined && o.purpose !== 'validate') throw usageError('--model goes with `kubeml run validate`.', 'run');
  return o;
}

export function parseListArgs(args: readonly string[]): ListOptions | 'help' {
  const o: ListOptions = { json: false };
  let help = false;
  const rest = walk(args, 'runs', (flag, take) => {
    if (flag === '-h' || flag === '--help') help = true;
    else if (flag === '--json') o.json = true;
    else if (flag === '--limit') {
      const n = Number(take());
      if (!Number.isInteger(n) || n < 1) throw usageError('--limit needs a whole number of at least 1.', 'runs');
      o.limit = n;
    } else return false;
    return true;
  });
  if (help) return 'help';
  if (rest.length) throw usageError(`Unexpected argument "${rest[0]}".`, 'runs');
  return o;
}

export function parseCompareArgs(args: readonly string[]): CompareOptions | 'help' {
  const o: CompareOptions = { json: false, runs: [] };
  let help = false;
  o.runs = walk(args, 'compare', (flag) => {
    if (flag === '-h' || flag === '--help') help = true;
    else if (flag === '--json') o.json = true;
    else return false;
    return true;
  });
  if (help) return 'help';
  if (o.runs.length < 2) throw usageError('Name at least two runs to compare (`kubeml runs` lists them).', 'compare');
  return o;
}

/** A run id, a unique prefix of one, or a unique ending (the random part of the id). */
export function resolveRunId(given: string, ids: readonly string[]): string {
  if (ids.includes(given)) return given;
  const matches = ids.filter((id) => id.startsWith(given) || id.endsWith(given));
  if (matches.length === 1) return matches[0]!;
  throw new KubeMLError(
    'not-found',
    matches.length
      ? `"${given}" names ${matches.length} runs (${matches.slice(0, 3).join(', ')}…).`
      : `No run "${given}" in this workspace.`,
    'Give the full id (`kubeml runs` lists them).',
  );
}

const PREFERRED = ['accuracy', 'acc', 'f1', 'auc', 'val_accuracy', 'val_loss', 'loss', 'rmse', 'mae'];

/** The metric a list shows for a run: its sweep's, else a usual headline metric, else its first. */
export function headlineMetric(r: RunRecord): [string, number | null] | undefined {
  const names = Object.keys(r.metrics);
  const name =
    (r.sweep && names.includes(r.sweep.metric) ? r.sweep.metric : undefined) ?? PREFERRED.find((p) => names.includes(p)) ?? names[0];
  return name === undefined ? undefined : [name, r.metrics[name] ?? null];
}

export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The run's duration: from created to finished, or to `now` while it goes on. */
export function durationOf(r: RunRecord, now: Date): string {
  const end = r.finishedAt ? Date.parse(r.finishedAt) : now.getTime();
  return formatDuration(end - Date.parse(r.createdAt));
}

export function kindOf(r: RunRecord): string {
  if (r.sweep) return `trial ${r.sweep.trial + 1}`;
  return r.purpose === 'train' ? 'train' : 'validate';
}

/** Parameters whose values differ between the runs listed (all of them when only one run or none differ). */
export function keyParams(records: readonly RunRecord[]): string[] {
  const names = [...new Set(records.flatMap((r) => Object.keys(r.params)))];
  if (records.length < 2) return names;
  const varying = names.filter((n) => new Set(records.map((r) => JSON.stringify(r.params[n] ?? null))).size > 1);
  return varying.length ? varying : names;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

const shortTime = (iso: string | undefined) => (iso ? iso.replace('T', ' ').slice(0, 16) : '-');

export function formatRunsTable(records: readonly RunRecord[], now: Date): string {
  if (!records.length) return 'No runs in this workspace yet (kubeml run train launches one).\n';
  const keys = keyParams(records);
  const rows: string[][] = [['ID', 'KIND', 'STATUS', 'STARTED', 'DURATION', 'METRIC', 'PARAMS']];
  for (const r of records) {
    const h = headlineMetric(r);
    const params = keys
      .filter((k) => k in r.params)
      .map((k) => `${k}=${String(r.params[k])}`)
      .join(' ');
    rows.push([
      r.id,
      kindOf(r),
      r.phase,
      shortTime(r.startedAt ?? r.createdAt),
      durationOf(r, now),
      h ? `${h[0]} ${formatNumber(h[1])}` : '-',
      params.length > 60 ? params.slice(0, 59) + '…' : params,
    ]);
  }
  return table(rows);
}

export interface Comparison {
  readonly runs: string[];
  readonly params: Record<string, Array<ParamValue | null>>;
  /** Each run's value and its difference from the first run's (null when either is missing). */
  readonly metrics: Record<string, Array<{ value: number | null; delta: number | null }>>;
}

export function compareRuns(records: readonly RunRecord[]): Comparison {
  const params: Comparison['params'] = {};
  for (const n of [...new Set(records.flatMap((r) => Object.keys(r.params)))].sort())
    params[n] = records.map((r) => (n in r.params ? r.params[n]! : null));
  const metrics: Comparison['metrics'] = {};
  for (const n of [...new Set(records.flatMap((r) => Object.keys(r.metrics)))].sort()) {
    const base = records[0]!.metrics[n];
    metrics[n] = records.map((r) => {
      const v = r.metrics[n] ?? null;
      return { value: v, delta: typeof v === 'number' && typeof base === 'number' ? v - base : null };
    });
  }
  return { runs: records.map((r) => r.id), params, metrics };
}

const signed = (d: number) => (d > 0 ? `+${formatNumber(d)}` : d < 0 ? `-${formatNumber(-d)}` : '±0');

export function formatComparison(c: Comparison, records: readonly RunRecord[]): string {
  const rows: string[][] = [['', ...c.runs]];
  rows.push(['status', ...records.map((r) => r.phase)]);
  for (const [n, vs] of Object.entries(c.params)) {
    const differs = new Set(vs.map((v) => JSON.stringify(v))).size > 1;
    rows.push([`${differs ? '*' : ' '}${n}`, ...vs.map((v) => (v === null ? '-' : String(v)))]);
  }
  if (Object.keys(c.metrics).length) rows.push(['metrics', ...c.runs.map(() => '')]);
  for (const [n, vs] of Object.entries(c.metrics))
    rows.push([` ${n}`, ...vs.map((m, i) => `${formatNumber(m.value)}${i > 0 && m.delta !== null ? ` (${signed(m.delta)})` : ''}`)]);
  return table(rows) + '(* parameters that differ; metric deltas are against the first run)\n';
}
