/**
 * A run's log as Show Run Logs shows it: a header that says what became of the run (and why it
 * failed, also when it failed before any pod wrote a line), then the output with each
 * KUBEML_RESULT line turned into a readable line. The raw output stays in logs.txt, one click away.
 * Pure: record and raw text in, text out.
 */
import { type RunRecord } from '../model/runRecords';
import { parseResultLine, RESULT_MARKER, type RunResult } from '../model/runResults';

const fmt = (v: number | null) => (v === null ? 'null' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

function describeResult(r: RunResult): string {
  switch (r.type) {
    case 'metric':
      return `metric ${r.split ? `${r.split}/` : ''}${r.name} = ${fmt(r.value)}${r.step !== undefined ? ` (step ${r.step})` : ''}`;
    case 'drift': {
      const n = r.report.features.length;
      const d = r.report.features.filter((f) => f.status === 'drift').length;
      return `drift report: ${d} of ${n} features drifted${r.report.datasetDrift ? ' (dataset drift)' : ''}; Open Drift Report shows it`;
    }
    case 'artifact':
      return `artifact ${r.name ? `${r.name} ` : ''}at ${r.path}`;
    case 'started':
      return 'the code started';
  }
}

export function readableLog(rec: Pick<RunRecord, 'id' | 'purpose' | 'phase' | 'failure' | 'pods'>, raw: string): string {
  const head = [`# Run ${rec.id} (${rec.purpose === 'train' ? 'training' : 'validation'}): ${rec.phase}`];
  if (rec.failure) {
    head.push(`# ${rec.failure.message}`);
    if (rec.failure.hint) head.push(`# ${rec.failure.hint}`);
  }
  head.push('# Results are shown as "▸ result: ..."; Open Raw Log (editor title) shows the output exactly as the pod wrote it.', '');
  if (raw.trim() === '') {
    head.push(
      rec.failure && !rec.pods?.length
        ? '(no output: the run failed before its pod started; the lines above say why)'
        : rec.phase === 'pending' || rec.phase === 'uploading' || rec.phase === 'running'
          ? '(no output yet)'
          : '(the run wrote no output)',
    );
    return head.join('\n') + '\n';
  }
  const body = raw.split('\n').map((line, i) => {
    const p = parseResultLine(line);
    if (p.kind === 'text') return line;
    // Whatever came before the marker (a pod's prefix in a multi-pod run) stays.
    const prefix = line.slice(0, line.indexOf(RESULT_MARKER));
    return p.kind === 'result'
      ? `${prefix}▸ result: ${describeResult(p.result)}`
      : `${prefix}▸ unreadable result (line ${i + 1}): ${p.message}`;
  });
  return head.join('\n') + '\n' + body.join('\n');
}
