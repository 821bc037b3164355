/**
 * `kubeml run`, `kubeml runs` and `kubeml compare`: the editor's launcher and run records from a
 * terminal, a script or CI. Same kubeml.yaml, same .kubeml/runs/, same RunExecution.
 * Exit codes of run: 0 succeeded, 1 failed, 130 cancelled (Ctrl+C cancels the run on the cluster),
 * 2 usage or configuration errors.
 */
import { KubeMLError, messageOf } from '../common/errors';
import { type ModelSource, type RunRecord, RunStore } from '../model/runRecords';
import { parseResultLine } from '../model/runResults';
import { type ParamValue, resolveParams, SPEC_FILE } from '../model/runSpec';
import { RunExecution } from '../runs/launcher';
import {
  compareRuns,
  durationOf,
  formatComparison,
  formatNumber,
  formatRunsTable,
  parseCompareArgs,
  parseListArgs,
  parseRunArgs,
  resolveRunId,
  usageError,
} from './runsFormat';
import { connect, findWorkspace, readWorkspaceSpec, stderrLogger } from './workspace';

export interface Out {
  write(s: string): unknown;
}

export interface CliIo {
  readonly out: Out;
  readonly err: Out;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Calls `handler` on Ctrl+C (SIGINT) until the returned function is called. */
  readonly onInterrupt?: (handler: () => void) => () => void;
}

export const processIo = (): CliIo => ({
  out: process.stdout,
  err: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  onInterrupt: (h) => {
    process.on('SIGINT', h);
    return () => process.off('SIGINT', h);
  },
});

const CLUSTER_OPTIONS = `  -n, --namespace NS         the namespace (default: kubeml.yaml's namespace, else the context's)
      --context CTX          a kubeconfig context (default: the current one)
      --kubeconfig FILE      the kubeconfig (default: KUBECONFIG, else ~/.kube/config)`;

export const RUN_USAGE = `Usage: kubeml run [train|validate] [options]

Launches a run of the workspace (the nearest ${SPEC_FILE} at or above the current folder) on the
cluster, as KubeML: Launch Training and Run Validation do in the editor, and records it in
.kubeml/runs/<id>/. Progress goes to stderr.

Options:
  -p, --param NAME=VALUE     a parameter value (repeatable); the others take their defaults
      --model RUN_ID         validate: the training run whose model to validate (or a storage URI
                             such as pvc://claim/path)
  -f, --follow               also print the run's output and each metric as it comes
      --json                 print the final run record as JSON on stdout
${CLUSTER_OPTIONS}
  -h, --help                 print this help

Exit status: 0 the run succeeded, 1 it failed, 130 cancelled (Ctrl+C cancels it on the cluster),
2 usage or configuration error.
`;

export const RUNS_USAGE = `Usage: kubeml runs [--json] [--limit N]

Lists the workspace's runs (.kubeml/runs/), newest first: id, kind, status, start, duration, the
headline metric and the parameters that differ between runs.

Options:
  --json      print the records as a JSON array
  --limit N   only the N newest
  -h, --help  print this help
`;

export const COMPARE_USAGE = `Usage: kubeml compare RUN RUN... [--json]

Prints the runs' parameters and metrics side by side, each metric with its difference from the
first run. RUN is a run id, or a unique beginning or end of one.

Options:
  --json      print the comparison as JSON
  -h, --help  print this help
`;

function fail(io: CliIo, e: unknown): number {
  io.err.write(`kubeml: ${messageOf(e)}\n`);
  return 2;
}

const stamp = () => new Date().toISOString().slice(11, 19);

export async function runMain(args: string[], io: CliIo): Promise<number> {
  let prepared: { run: RunExecution; json: boolean; follow: boolean };
  try {
    const o = parseRunArgs(args);
    if (o === 'help') {
      io.out.write(RUN_USAGE);
      return 0;
    }
    const folder = findWorkspace(io.cwd);
    const spec = readWorkspaceSpec(folder);
    const store = new RunStore(folder);
    let model: ModelSource | undefined;
    let inherited: Record<string, ParamValue> = {};
    if (o.purpose === 'validate') {
      if (!spec.validation)
        throw new KubeMLError('invalid', `${SPEC_FILE} has no validation section.`, 'Add validation: with command, reference and current.');
      if (!o.model) {
        const latest = (await store.list()).find((r) => r.purpose === 'train' && r.phase === 'succeeded');
        throw usageError(
          `kubeml run validate needs --model RUN_ID${latest ? ` (the latest succeeded training run is ${latest.id})` : ''}.`,
          'run',
        );
      }
      if (/^[a-z0-9]+:\/\/./.test(o.model)) model = { kind: 'uri', uri: o.model };
      else {
        const records = await store.list();
        const id = resolveRunId(
          o.model,
          records.map((r) => r.id),
        );
        const rec = records.find((r) => r.id === id)!;
        model = { kind: 'run', runId: rec.purpose === 'validate' && rec.parent ? rec.parent : rec.id };
        // Validation uses the training run's parameters (seed, shift, ...), overridden by --param.
        inherited = Object.fromEntries(Object.entries(rec.params).filter(([k]) => k in spec.parameters));
      }
    }
    const params = resolveParams(spec, { ...inherited, ...o.params });
    const cluster = connect(o, spec, io.env);
    const run = new RunExecution(
      { kc: cluster.kc, client: cluster.client, store, log: stderrLogger((s) => io.err.write(s), false) },
      { workspace: folder, spec, purpose: o.purpose, params, namespace: cluster.namespace, model, context: cluster.context },
    );
    prepared = { run, json: o.json, follow: o.follow };
  } catch (e) {
    return fail(io, e);
  }
  return follow(prepared.run, io, prepared.follow, prepared.json);
}

/** Starts the run and reports it on stderr until it ends; Ctrl+C cancels it (twice: leave at once). */
async function follow(run: RunExecution, io: CliIo, withOutput: boolean, json: boolean): Promise<number> {
  const say = (s: string) => io.err.write(`[${stamp()}] ${s}\n`);
  say(`${run.id}: ${run.record.purpose === 'train' ? 'training' : 'validating'} in ${run.record.namespace} (${run.record.server ?? ''})`);
  let phase = '';
  run.onDidChange((r) => {
    if (r.phase === phase) return;
    phase = r.phase;
    say(`${r.id}: ${r.phase}${r.phase === 'running' && r.upload ? ` (uploaded ${r.upload.files} files in ${r.upload.ms} ms)` : ''}`);
  });
  if (withOutput)
    run.onLine((line) => {
      const p = parseResultLine(line);
      if (p.kind === 'result' && p.result.type === 'metric')
        say(
          `${run.id}: metric ${p.result.name} ${formatNumber(p.result.value)}${p.result.step !== undefined ? ` (step ${p.result.step})` : ''}`,
        );
      else if (p.kind !== 'result') io.err.write(`${line}\n`);
    });
  let interrupts = 0;
  const stop = io.onInterrupt?.(() => {
    interrupts++;
    if (interrupts === 1) {
      say(`${run.id}: cancelling (deleting its job and pods; Ctrl+C again to leave without waiting)`);
      void run.cancel();
    } else process.exit(130);
  });
  let record: RunRecord;
  try {
    record = await run.start();
  } finally {
    stop?.();
    run.dispose();
  }
  const metrics = Object.entries(record.metrics)
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join(', ');
  const took = durationOf(record, new Date());
  if (record.phase === 'succeeded') say(`${record.id}: succeeded in ${took}${metrics ? `: ${metrics}` : ''}`);
  else if (record.phase === 'cancelled') say(`${record.id}: cancelled; its job and pods were deleted`);
  else
    say(
      `${record.id}: failed (${record.failure?.reason ?? record.phase}): ${record.failure?.message ?? ''}${record.failure?.hint ? `\n  ${record.failure.hint}` : ''}`,
    );
  if (json) io.out.write(JSON.stringify(record, null, 2) + '\n');
  else io.out.write(`${record.id} ${record.phase}${metrics ? ` ${metrics}` : ''}\n`);
  return record.phase === 'succeeded' ? 0 : record.phase === 'cancelled' ? 130 : 1;
}

export async function runsMain(args: string[], io: CliIo): Promise<number> {
  try {
    const o = parseListArgs(args);
    if (o === 'help') {
      io.out.write(RUNS_USAGE);
      return 0;
    }
    const records = (await new RunStore(findWorkspace(io.cwd)).list()).slice(0, o.limit);
    io.out.write(o.json ? JSON.stringify(records, null, 2) + '\n' : formatRunsTable(records, new Date()));
    return 0;
  } catch (e) {
    return fail(io, e);
  }
}

export async function compareMain(args: string[], io: CliIo): Promise<number> {
  try {
    const o = parseCompareArgs(args);
    if (o === 'help') {
      io.out.write(COMPARE_USAGE);
      return 0;
    }
    const store = new RunStore(findWorkspace(io.cwd));
    const all = await store.list();
    const ids = o.runs.map((r) =>
      resolveRunId(
        r,
        all.map((x) => x.id),
      ),
    );
    const records = ids.map((id) => all.find((r) => r.id === id)!);
    const c = compareRuns(records);
    io.out.write(o.json ? JSON.stringify(c, null, 2) + '\n' : formatComparison(c, records));
    return 0;
  } catch (e) {
    return fail(io, e);
  }
}
