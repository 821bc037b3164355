/**
 * `kubeml drift REFERENCE CURRENT [options]`: the drift engine from the command line.
 * Exit codes: 0 report printed, 1 dataset drift with --fail-on-drift, 2 bad usage or input.
 */
import { KubeMLError, messageOf } from '../common/errors';
import { type WindowSpec } from '../drift/engine';
import { closeDriftWorkers, driftReport } from '../drift/parallel';
import { readTableFile } from '../drift/readers';
import {
  DEFAULT_THRESHOLDS,
  type DriftReport,
  type DriftThresholds,
  type FeatureDrift,
  type StatName,
  type StatTest,
} from '../model/driftReport';

const USAGE = `Usage: kubeml drift REFERENCE CURRENT [options]

Compares CURRENT with REFERENCE (CSV, TSV, JSON Lines or Parquet) feature by feature.

Options:
  --json                 print the report as JSON
  --method M             auto (default), ks, wasserstein, js, psi or chi2
  --p-value P            drift when a p-value is below P (default ${DEFAULT_THRESHOLDS.pValue})
  --distance D           drift when normed Wasserstein or JS is at least D (default ${DEFAULT_THRESHOLDS.js})
  --psi A,B              PSI bands (default ${DEFAULT_THRESHOLDS.psiModerate},${DEFAULT_THRESHOLDS.psiSignificant})
  --drift-share S        dataset drift when this share of features drifted (default ${DEFAULT_THRESHOLDS.driftShare})
  --bins N               reference quantile bins for PSI and JS (default ${DEFAULT_THRESHOLDS.bins})
  --features a,b,c       compare only these columns
  --window-rows N        also compare each run of N rows of CURRENT
  --window-column C --window-every DURATION
                         also compare windows of a time column (DURATION: 30s, 15m, 1h, 1d)
  --max-rows N           read at most N rows of each file
  --fail-on-drift        exit with 1 when the dataset has drifted
  -h, --help             show this help
`;

const TESTS: ReadonlyArray<'auto' | StatTest> = ['auto', 'ks', 'wasserstein', 'js', 'psi', 'chi2'];

function usageError(message: string): KubeMLError {
  return new KubeMLError('invalid', message, 'Run `kubeml drift --help` for the options.');
}

function num(flag: string, v: string | undefined, min: number, max: number): number {
  const x = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(x) || x < min || x > max)
    throw usageError(`${flag} needs a number from ${min} to ${max}, not "${v ?? ''}".`);
  return x;
}

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s.trim());
  if (!m) throw usageError(`--window-every needs a duration such as 30s, 15m, 1h or 1d, not "${s}".`);
  const unit = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

interface CliOptions {
  files: string[];
  json: boolean;
  failOnDrift: boolean;
  thresholds: Partial<DriftThresholds>;
  features?: string[];
  windows?: WindowSpec;
  maxRows?: number;
  help: boolean;
}

export function parseDriftArgs(args: readonly string[]): CliOptions {
  const o: CliOptions = { files: [], json: false, failOnDrift: false, thresholds: {}, help: false };
  const t: { -readonly [K in keyof DriftThresholds]?: DriftThresholds[K] } = {};
  let windowColumn: string | undefined;
  let windowEvery: number | undefined;
  let windowRows: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? args[++i];
    switch (flag) {
      case '--json':
        o.json = true;
        break;
      case '--fail-on-drift':
        o.failOnDrift = true;
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      case '--method': {
        const m = value();
        if (!TESTS.includes(m as StatTest)) throw usageError(`--method must be one of ${TESTS.join(', ')}, not "${m ?? ''}".`);
        t.method = m as DriftThresholds['method'];
        break;
      }
      case '--p-value':
        t.pValue = num(flag, value(), 0, 1);
        break;
      case '--distance':
        t.js = t.wassersteinNormed = num(flag, value(), 0, Number.MAX_VALUE);
        break;
      case '--psi': {
        const [m, s] = (value() ?? '').split(',');
        t.psiModerate = num(flag, m, 0, Number.MAX_VALUE);
        t.psiSignificant = num(flag, s, t.psiModerate, Number.MAX_VALUE);
        break;
      }
      case '--drift-share':
        t.driftShare = num(flag, value(), 0, 1);
        break;
      case '--bins':
        t.bins = Math.floor(num(flag, value(), 2, 1000));
        break;
      case '--features':
        o.features = (value() ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case '--window-rows':
        windowRows = Math.floor(num(flag, value(), 1, Number.MAX_SAFE_INTEGER));
        break;
      case '--window-column':
        windowColumn = value();
        break;
      case '--window-every':
        windowEvery = parseDuration(value() ?? '');
        break;
      case '--max-rows':
        o.maxRows = Math.floor(num(flag, value(), 1, Number.MAX_SAFE_INTEGER));
        break;
      default:
        if (a.startsWith('-') && a !== '-') throw usageError(`Unknown option ${a}.`);
        o.files.push(a);
    }
  }
  if (windowColumn !== undefined || windowEvery !== undefined) {
    if (windowColumn === undefined || windowEvery === undefined) throw usageError('--window-column and --window-every go together.');
    o.windows = { column: windowColumn, every: windowEvery };
  } else if (windowRows !== undefined) {
    o.windows = { rows: windowRows };
  }
  o.thresholds = t;
  return o;
}

const fmt = (x: number | undefined, digits = 4): string =>
  x === undefined
    ? '-'
    : Number.isNaN(x)
      ? 'NaN'
      : !Number.isFinite(x)
        ? x > 0
          ? 'inf'
          : '-inf'
        : x !== 0 && Math.abs(x) < 1e-3
          ? x.toExponential(2)
          : x.toFixed(digits);

const VERDICT: Record<FeatureDrift['status'], string> = { drift: 'DRIFT', ok: 'ok', 'not-computed': 'NOT COMPUTED', skipped: 'skipped' };

function row(f: FeatureDrift): string[] {
  const s = f.stats;
  // A statistic that could not be computed shows as n/c (its reason is among the warnings).
  const nc = (k: StatName, x: number | undefined) => (s.notComputed?.[k] !== undefined ? 'n/c' : fmt(x));
  const score = f.status === 'not-computed' ? 'n/c' : fmt(f.score);
  return [
    f.name,
    f.kind === 'numeric' ? 'num' : 'cat',
    f.test ?? '-',
    score,
    fmt(f.threshold, 2),
    VERDICT[f.status],
    nc('ks', s.ks?.statistic),
    nc('ks', s.ks?.pValue),
    nc('wassersteinNormed', s.wassersteinNormed),
    nc('psi', s.psi),
    nc('js', s.js),
    nc('chi2', s.chi2?.pValue),
  ];
}

export function formatReport(r: DriftReport): string {
  const drifted = r.features.filter((f) => f.status === 'drift').length;
  const compared = r.features.filter((f) => f.status === 'drift' || f.status === 'ok').length;
  const notComputed = r.features.filter((f) => f.status === 'not-computed').length;
  const lines: string[] = [];
  lines.push(`reference: ${r.reference.source} (${r.reference.rows.toLocaleString('en-US')} rows)`);
  lines.push(`current:   ${r.current.source} (${r.current.rows.toLocaleString('en-US')} rows)`);
  const without = notComputed ? `; ${notComputed.toLocaleString('en-US')} without a verdict (not computed, see the warnings)` : '';
  lines.push(
    `${drifted} of ${compared} features drifted (${(r.driftedShare * 100).toFixed(1)}%)${without}; dataset drift: ${r.datasetDrift ? 'YES' : 'no'} (at ${(r.thresholds.driftShare * 100).toFixed(0)}%)`,
  );
  lines.push('');
  const table = [
    ['feature', 'type', 'test', 'score', 'thresh', 'verdict', 'ks_stat', 'ks_p', 'wass_norm', 'psi', 'js', 'chi2_p'],
    ...r.features.map(row),
  ];
  // Loops, not Math.max(...)/push(...): a spread of 200,000 rows overflows the stack.
  const widths = table[0].map((_, c) => table.reduce((w, rw) => Math.max(w, rw[c].length), 0));
  for (const rw of table)
    lines.push(
      rw
        .map((cell, c) => (c < 3 || c === 5 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('  ')
        .trimEnd(),
    );
  if (r.windows.length) {
    lines.push('', 'windows (share of drifted features):');
    for (const w of r.windows)
      lines.push(`  ${w.label.padEnd(28)} ${String(w.rows).padStart(9)} rows  ${(w.driftedShare * 100).toFixed(1).padStart(5)}%`);
  }
  const warnings = [...r.warnings, ...r.features.flatMap((f) => f.warnings)];
  if (warnings.length) lines.push('', 'warnings:');
  for (const w of warnings) lines.push(`  - ${w}`);
  return lines.join('\n') + '\n';
}

export async function driftMain(args: string[], out: NodeJS.WritableStream): Promise<number> {
  let o: CliOptions;
  try {
    o = parseDriftArgs(args);
    if (o.help) {
      out.write(USAGE);
      return 0;
    }
    if (o.files.length !== 2) throw usageError(`kubeml drift needs two files, REFERENCE and CURRENT; got ${o.files.length}.`);
  } catch (e) {
    out.write(`kubeml drift: ${messageOf(e)}\n`);
    return 2;
  }
  try {
    const [refTable, curTable] = await Promise.all(o.files.map((f) => readTableFile(f, { maxRows: o.maxRows })));
    const report = await driftReport(refTable, curTable, { thresholds: o.thresholds, windows: o.windows, features: o.features });
    await closeDriftWorkers();
    out.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
    return o.failOnDrift && report.datasetDrift ? 1 : 0;
  } catch (e) {
    out.write(`kubeml drift: ${messageOf(e)}\n`);
    return 2;
  }
}
