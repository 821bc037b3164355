/**
 * What the experiments panel shows, built from run records (pure: records and metric results in,
 * table rows and typed-array curves out). The host (panel.ts) reads the files; this shapes them.
 */
import type { RunInfo, RunKindLabel, RunStatusName, SeriesData } from '../model/experimentsContract';
import type { RunRecord } from '../model/runRecords';
import type { MetricResult } from '../model/runResults';

/** The sweep a trial belongs to (the field is optional on records; older records have none). */
type WithSweep = { readonly sweep?: { readonly id?: unknown; readonly trial?: unknown } };

/** The key a metric has in the table and the charts: `split/name` when the result has a split (as RunResults.latest()). */
export function metricKey(m: Pick<MetricResult, 'name' | 'split'>): string {
  return m.split ? `${m.split}/${m.name}` : m.name;
}

export function kindOf(r: RunRecord): RunKindLabel {
  const sweep = (r as RunRecord & WithSweep).sweep;
  if (sweep && typeof sweep.id === 'string') return 'sweep trial';
  return r.purpose === 'validate' ? 'validation' : 'training';
}

/** A record as a table row; `latest` (from metrics.jsonl of a live run) overrides the record's metrics. */
export function runInfoOf(r: RunRecord, folder?: string, latest?: Readonly<Record<string, number | null>>): RunInfo {
  const sweep = (r as RunRecord & WithSweep).sweep;
  return {
    id: r.id,
    // The run's id: every run of a workspace has the spec's name ("forest"); the id tells them apart, as everywhere else.
    name: r.id,
    kind: kindOf(r),
    status: r.phase as RunStatusName,
    created: r.createdAt,
    ...(r.startedAt ? { started: r.startedAt } : {}),
    ...(r.finishedAt ? { finished: r.finishedAt } : {}),
    params: { ...r.params },
    metrics: { ...r.metrics, ...latest },
    ...(sweep && typeof sweep.id === 'string' ? { sweep: { id: sweep.id, trial: typeof sweep.trial === 'number' ? sweep.trial : 0 } } : {}),
    ...(folder ? { folder } : {}),
  };
}

/** The latest value of each metric in these results. */
export function latestOf(results: readonly MetricResult[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const m of results) out[metricKey(m)] = m.value;
  return out;
}

/** A growable Float64Array (doubling), so curves of 10,000+ points are built without number lists. */
class Growing {
  private buf = new Float64Array(64);
  length = 0;
  push(x: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = x;
  }
  toArray(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

/**
 * Curves by metric, built from results in arrival order. A result without a step takes the next
 * step of its metric (one more than the last one). Null values (NaN, Infinity in JSON) are NaN.
 */
export class SeriesBuilder {
  private readonly byMetric = new Map<string, { steps: Growing; values: Growing; next: number }>();

  /** Adds results; returns the new points per metric (what an `append` carries). */
  add(results: readonly MetricResult[]): SeriesData[] {
    const fresh = new Map<string, { steps: Growing; values: Growing }>();
    for (const m of results) {
      const key = metricKey(m);
      let s = this.byMetric.get(key);
      if (!s) this.byMetric.set(key, (s = { steps: new Growing(), values: new Growing(), next: 0 }));
      const step = typeof m.step === 'number' && Number.isFinite(m.step) ? m.step : s.next;
      const value = typeof m.value === 'number' ? m.value : NaN;
      s.steps.push(step);
      s.values.push(value);
      s.next = step + 1;
      let f = fresh.get(key);
      if (!f) fresh.set(key, (f = { steps: new Growing(), values: new Growing() }));
      f.steps.push(step);
      f.values.push(value);
    }
    return [...fresh].map(([metric, f]) => ({ metric, steps: f.steps.toArray(), values: f.values.toArray() }));
  }

  series(): SeriesData[] {
    return [...this.byMetric].map(([metric, s]) => ({ metric, steps: s.steps.toArray(), values: s.values.toArray() }));
  }

  get points(): number {
    let n = 0;
    for (const s of this.byMetric.values()) n += s.steps.length;
    return n;
  }
}

export function seriesOf(results: readonly MetricResult[]): SeriesData[] {
  const b = new SeriesBuilder();
  b.add(results);
  return b.series();
}

/** Is this a metric result as metrics.jsonl holds them? */
export function isMetricResult(x: unknown): x is MetricResult {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  return (
    m.type === 'metric' &&
    typeof m.name === 'string' &&
    (m.value === null || typeof m.value === 'number') &&
    (m.step === undefined || typeof m.step === 'number') &&
    (m.split === undefined || typeof m.split === 'string')
  );
}

/**
 * Reads metrics.jsonl as it grows: bytes in (from the last offset), whole lines out; a line not yet
 * ended waits for the next chunk (kept as bytes, so a character split across reads stays whole).
 * Lines that are not metric results are skipped and counted.
 */
export class MetricLineReader {
  private tail: Buffer = Buffer.alloc(0);
  skipped = 0;

  push(chunk: Buffer): MetricResult[] {
    const buf = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    const end = buf.lastIndexOf(0x0a);
    if (end < 0) {
      this.tail = Buffer.from(buf);
      return [];
    }
    this.tail = Buffer.from(buf.subarray(end + 1));
    const out: MetricResult[] = [];
    for (const line of buf.toString('utf8', 0, end).split('\n')) {
      if (!line.trim()) continue;
      try {
        const x: unknown = JSON.parse(line);
        if (isMetricResult(x)) out.push(x);
        else this.skipped++;
      } catch {
        this.skipped++;
      }
    }
    return out;
  }

  /** Starts over (the file was replaced or truncated). */
  reset(): void {
    this.tail = Buffer.alloc(0);
  }
}

/**
 * Run ids from a command's arguments: none (every run), ids, Runs-view rows `{ runId }` or
 * `{ record: { id } }`, or VS Code's (clicked, selected[]) pair for a multi-selection.
 */
export function runIdsOfArgs(args: readonly unknown[]): string[] {
  const out: string[] = [];
  const visit = (a: unknown): void => {
    if (typeof a === 'string') out.push(a);
    else if (Array.isArray(a)) a.forEach(visit);
    else if (typeof a === 'object' && a !== null) {
      const o = a as { runId?: unknown; id?: unknown; record?: { id?: unknown } };
      if (typeof o.runId === 'string') out.push(o.runId);
      else if (typeof o.record?.id === 'string') out.push(o.record.id);
    }
  };
  // (clicked, selected[]): the selection includes the clicked row; when there is one, it is the answer.
  if (args.length >= 2 && Array.isArray(args[1]) && args[1].length > 0) visit(args[1]);
  else args.forEach(visit);
  return [...new Set(out.filter((id) => /^[a-z0-9][-a-z0-9]*$/.test(id)))];
}
