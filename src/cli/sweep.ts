/**
 * `kubeml sweep [--json]`: launches the sweep of the workspace's kubeml.yaml (its `sweep:`
 * section) through the editor's SweepExecution; progress on stderr, the sweep record (with the
 * best trial) as JSON on stdout with --json. Exit 0 when a trial succeeded, 1 when none did,
 * 130 cancelled (Ctrl+C cancels the queued and running trials), 2 usage or configuration errors.
 */
import { KubeMLError, messageOf } from '../common/errors';
import { RunStore } from '../model/runRecords';
import { SPEC_FILE } from '../model/runSpec';
import type { SweepRecord } from '../model/sweepRecords';
import { SweepExecution } from '../runs/sweep';
import type { CliIo } from './runs';
import { type ClusterOptions, formatNumber, usageError } from './runsFormat';
import { connect, findWorkspace, readWorkspaceSpec, stderrLogger } from './workspace';

export const SWEEP_USAGE = `Usage: kubeml sweep [options]

Launches the sweep described under sweep: in the workspace's ${SPEC_FILE} (grid or random trials,
each a training run recorded in .kubeml/runs/), at most \`parallel\` at once and never more GPUs
than are free. The sweep's record is .kubeml/sweeps/<id>.json. Progress goes to stderr.

Options:
  -p, --param NAME=VALUE     a value for a parameter the sweep does not vary (repeatable)
      --json                 print the final sweep record as JSON on stdout
  -n, --namespace NS         the namespace (default: kubeml.yaml's namespace, else the context's)
      --context CTX          a kubeconfig context (default: the current one)
      --kubeconfig FILE      the kubeconfig (default: KUBECONFIG, else ~/.kube/config)
  -h, --help                 print this help

Exit status: 0 some trial succeeded, 1 none did, 130 cancelled (Ctrl+C), 2 usage or configuration error.
`;

interface SweepOptions extends ClusterOptions {
  json: boolean;
  params: Record<string, string>;
}

export function parseSweepArgs(args: readonly string[]): SweepOptions | 'help' {
  const o: SweepOptions = { json: false, params: {} };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const take = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw usageError(`${flag} needs a value.`, 'sweep');
      return v;
    };
    if (flag === '-h' || flag === '--help') return 'help';
    else if (flag === '--json') o.json = true;
    else if (flag === '-n' || flag === '--namespace') o.namespace = take();
    else if (flag === '--context') o.context = take();
    else if (flag === '--kubeconfig') o.kubeconfig = take();
    else if (flag === '-p' || flag === '--param') {
      const kv = take();
      const eq = kv.indexOf('=');
      if (eq <= 0) throw usageError(`--param needs NAME=VALUE, not "${kv}".`, 'sweep');
      o.params[kv.slice(0, eq).trim()] = kv.slice(eq + 1);
    } else throw usageError(flag.startsWith('-') ? `Unknown option ${flag}.` : `Unexpected argument "${flag}".`, 'sweep');
  }
  return o;
}

export async function sweepMain(args: string[], io: CliIo): Promise<number> {
  const stamp = () => new Date().toISOString().slice(11, 19);
  const say = (s: string) => io.err.write(`[${stamp()}] ${s}\n`);
  let sweep: SweepExecution;
  let json = false;
  try {
    const o = parseSweepArgs(args);
    if (o === 'help') {
      io.out.write(SWEEP_USAGE);
      return 0;
    }
    json = o.json;
    const folder = findWorkspace(io.cwd);
    const spec = readWorkspaceSpec(folder);
    if (!spec.sweep)
      throw new KubeMLError('invalid', `${SPEC_FILE} has no sweep section.`, 'Add sweep: with parameters, metric and direction.');
    for (const k of Object.keys(o.params))
      if (k in spec.sweep.parameters) throw usageError(`"${k}" is varied by the sweep: leave out --param ${k}.`, 'sweep');
    const cluster = connect(o, spec, io.env);
    sweep = new SweepExecution(
      { kc: cluster.kc, client: cluster.client, store: new RunStore(folder), log: stderrLogger((s) => io.err.write(s), false) },
      { workspace: folder, spec, namespace: cluster.namespace, context: cluster.context, params: o.params },
    );
  } catch (e) {
    io.err.write(`kubeml: ${messageOf(e)}\n`);
    return 2;
  }
  const r0 = sweep.record;
  say(
    `${r0.id}: ${r0.trials.length} trial(s), ${r0.spec.parallel} at once, ranked by ${r0.spec.metric} (${r0.spec.direction})${r0.note ? `; ${r0.note}` : ''}`,
  );
  const seen = new Map<number, string>();
  sweep.onDidChange((r) => {
    for (const t of r.trials) {
      if (seen.get(t.index) === t.phase) continue;
      seen.set(t.index, t.phase);
      if (t.phase === 'queued') continue;
      const params = Object.entries(t.params)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
      say(
        `trial ${t.index + 1} ${t.phase}${t.runId ? ` ${t.runId}` : ''} (${params})${t.phase === 'succeeded' ? `: ${r.spec.metric} ${formatNumber(t.metric)}` : ''}${t.detail && t.phase !== 'succeeded' ? `: ${t.detail}` : ''}`,
      );
    }
  });
  let interrupts = 0;
  const stop = io.onInterrupt?.(() => {
    if (++interrupts === 1) {
      say(`${sweep.id}: cancelling (queued trials dropped, running ones deleted; Ctrl+C again to leave without waiting)`);
      void sweep.cancel();
    } else process.exit(130);
  });
  let r: SweepRecord;
  try {
    r = await sweep.start();
  } finally {
    stop?.();
    sweep.dispose();
  }
  const ok = r.trials.filter((t) => t.phase === 'succeeded').length;
  say(
    `${r.id}: ${r.state}, ${ok} of ${r.trials.length} trial(s) succeeded${r.best ? `; best trial ${r.best.trial + 1} (${r.best.runId}) ${r.spec.metric} ${formatNumber(r.best.value)}` : ''}`,
  );
  io.out.write(
    json
      ? JSON.stringify(r, null, 2) + '\n'
      : `${r.id} ${r.state}${r.best ? ` best ${r.best.runId} ${r.spec.metric} ${formatNumber(r.best.value)}` : ''}\n`,
  );
  return r.state === 'cancelled' ? 130 : ok > 0 ? 0 : 1;
}
