/**
 * Results that runs print on stdout, one JSON object per line behind the marker:
 *
 *   KUBEML_RESULT {"type":"metric","name":"accuracy","value":0.93,"step":3}
 *   KUBEML_RESULT {"type":"drift","report":{...a drift report, version 1...}}
 *   KUBEML_RESULT {"type":"artifact","path":"/artifacts/run-1/model.pkl"}
 *   KUBEML_RESULT {"type":"started"}            (printed by KubeML's entrypoint)
 *
 * Pure: lines in, typed results out. The documented format is in samples/README.md.
 */
import { isDriftReport } from './driftContract';
import { DEFAULT_THRESHOLDS, type DriftReport } from './driftReport';

export const RESULT_MARKER = 'KUBEML_RESULT';
/** Longest line read as a result (a drift report with histograms fits easily). */
export const MAX_RESULT_LINE = 8 * 1024 * 1024;

export interface MetricResult {
  readonly type: 'metric';
  readonly name: string;
  readonly value: number | null;
  readonly step?: number;
  readonly split?: string;
  /** Where the value was read: absent for KUBEML_RESULT lines, 'tensorboard' for scalars of the run's event files. */
  readonly source?: 'tensorboard';
  /** Seconds since the epoch, when the source stamps its values (TensorBoard events do). */
  readonly wallTime?: number;
}
export interface DriftResult {
  readonly type: 'drift';
  readonly report: DriftReport;
}
export interface ArtifactResult {
  readonly type: 'artifact';
  readonly path: string;
  readonly name?: string;
}
export interface StartedResult {
  readonly type: 'started';
}
export type RunResult = MetricResult | DriftResult | ArtifactResult | StartedResult;

export type ParsedLine = { kind: 'result'; result: RunResult } | { kind: 'bad'; message: string } | { kind: 'text' };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Fills what a script may leave out of a drift report (thresholds, windows, warnings, per-feature
 * counts and warnings) so that scripts in any language can print a small report; returns
 * undefined when what is left is still not a report.
 */
export function normalizeDriftReport(x: unknown, now: Date): DriftReport | undefined {
  if (!isObj(x) || !Array.isArray(x.features)) return undefined;
  const features = x.features.map((f: unknown) => {
    if (!isObj(f)) return f;
    const counts = isObj(f.counts) ? f.counts : {};
    return {
      ...f,
      kind: f.kind ?? 'numeric',
      stats: isObj(f.stats) ? f.stats : {},
      counts: { reference: 0, current: 0, missingReference: 0, missingCurrent: 0, nonFiniteReference: 0, nonFiniteCurrent: 0, ...counts },
      warnings: Array.isArray(f.warnings) ? f.warnings : [],
    };
  });
  const drifted = features.filter((f) => isObj(f) && f.status === 'drift').length;
  const counted = features.filter((f) => isObj(f) && f.status !== 'skipped').length;
  const driftedShare = typeof x.driftedShare === 'number' ? x.driftedShare : counted ? drifted / counted : 0;
  const thresholds = { ...DEFAULT_THRESHOLDS, ...(isObj(x.thresholds) ? x.thresholds : {}) };
  const report = {
    ...x,
    version: x.version ?? 1,
    createdAt: typeof x.createdAt === 'string' ? x.createdAt : now.toISOString(),
    reference: isObj(x.reference) ? x.reference : { source: 'reference', rows: 0 },
    current: isObj(x.current) ? x.current : { source: 'current', rows: 0 },
    thresholds,
    features,
    driftedShare,
    datasetDrift: typeof x.datasetDrift === 'boolean' ? x.datasetDrift : driftedShare >= thresholds.driftShare,
    windows: Array.isArray(x.windows) ? x.windows : [],
    warnings: Array.isArray(x.warnings) ? x.warnings : [],
  };
  return isDriftReport(report) ? report : undefined;
}

/** Reads one log line. Lines without the marker are plain text. */
export function parseResultLine(line: string, now = new Date()): ParsedLine {
  const at = line.indexOf(RESULT_MARKER + ' ');
  if (at === -1) return { kind: 'text' };
  if (line.length > MAX_RESULT_LINE)
    return { kind: 'bad', message: `A ${RESULT_MARKER} line of ${line.length} characters is longer than the limit and was ignored.` };
  let json: unknown;
  try {
    json = JSON.parse(line.slice(at + RESULT_MARKER.length + 1));
  } catch (e) {
    return { kind: 'bad', message: `A ${RESULT_MARKER} line is not valid JSON (${(e as Error).message}): ${line.slice(0, 120)}` };
  }
  if (!isObj(json) || typeof json.type !== 'string')
    return { kind: 'bad', message: `A ${RESULT_MARKER} line has no "type": ${line.slice(0, 120)}` };
  switch (json.type) {
    case 'metric': {
      const value = json.value === null ? null : typeof json.value === 'number' ? json.value : Number.NaN;
      if (typeof json.name !== 'string' || !json.name || Number.isNaN(value))
        return { kind: 'bad', message: `A metric needs "name" (text) and "value" (a number): ${line.slice(0, 120)}` };
      const step = typeof json.step === 'number' && Number.isFinite(json.step) ? json.step : undefined;
      const split = typeof json.split === 'string' ? json.split : undefined;
      return {
        kind: 'result',
        result: { type: 'metric', name: json.name, value, ...(step !== undefined ? { step } : {}), ...(split ? { split } : {}) },
      };
    }
    case 'drift': {
      const report = normalizeDriftReport(json.report, now);
      if (!report) return { kind: 'bad', message: 'A drift result is not a drift report (see samples/README.md for the format).' };
      return { kind: 'result', result: { type: 'drift', report } };
    }
    case 'artifact':
      if (typeof json.path !== 'string' || !json.path) return { kind: 'bad', message: `An artifact needs "path": ${line.slice(0, 120)}` };
      return {
        kind: 'result',
        result: { type: 'artifact', path: json.path, ...(typeof json.name === 'string' ? { name: json.name } : {}) },
      };
    case 'started':
      return { kind: 'result', result: { type: 'started' } };
    default:
      return { kind: 'bad', message: `Unknown result type "${String(json.type).slice(0, 40)}" (metric, drift, artifact).` };
  }
}

/** The results of a run so far: every metric in order, the latest value of each, the last drift report. */
export class ResultCollector {
  readonly metrics: MetricResult[] = [];
  readonly artifacts: ArtifactResult[] = [];
  readonly warnings: string[] = [];
  drift: DriftReport | undefined;
  started = false;

  /** Feeds one line; returns the result it held, if any. */
  push(line: string): RunResult | undefined {
    const p = parseResultLine(line);
    if (p.kind === 'bad') {
      if (this.warnings.length < 50) this.warnings.push(p.message);
      return undefined;
    }
    if (p.kind !== 'result') return undefined;
    const r = p.result;
    if (r.type === 'metric') this.metrics.push(r);
    else if (r.type === 'drift') this.drift = r.report;
    else if (r.type === 'artifact') this.artifacts.push(r);
    else this.started = true;
    return r;
  }

  /** name -> last value, the summary a run record keeps. */
  latest(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const m of this.metrics) out[m.split ? `${m.split}/${m.name}` : m.name] = m.value;
    return out;
  }
}
