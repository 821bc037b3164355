/**
 * Health benchmark (issue #16, item 6): the doctor over a 64-rank job with 1,000,000 log lines in total.
 *
 *   npm run bench -- health [--runs 7]
 *
 * The job (bench/health/fixtures.ts): `kubectl logs --timestamps` text of 64 ranks of a DDP run — progress lines,
 * KUBEML_RESULT metrics, a few warnings — with one rank hung and one NCCL watchdog timeout. Measured, each run:
 * parseTimestampedLog of the 64 texts, then diagnose() of the job (recognisers over every line, steps, progress,
 * findings), and the sum. The floor, in the same run: `grep -c -E` with the recognisers' prefilter words over
 * the same lines written to a temporary file (GNU grep, LC_ALL=C, the file in the page cache after the first
 * run). A full GC before each run, untimed. Medians of --runs. Writes bench/results/health.json (goal: the doctor under 1 s).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { diagnose, parseTimestampedLog } from '../../src/model/health/doctor';
import type { Finding, RankInput } from '../../src/model/health/types';
import { HUNG_RANK, makeJob, NCCL_RANK, RANKS, rankInput, TOTAL_LINES } from './fixtures';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('runs', 7);
const GOAL_MS = 1000;
/** The words of logRecognisers.ts's PREFILTER, as an ERE for grep. */
const GREP_PATTERN = 'NCCL|nccl|Timed out|timed out|by peer|Socket Timeout|Rendezvous|ChildFailedError|c10d|Error|Exception';

/** A full garbage collection between runs (not timed), so that a run does not pay for the previous run's million lines. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (x: number) => Math.round(x * 10) / 10;
const log = (s: string) => console.error(`[bench health] ${s}`);
const now = () => Number(process.hrtime.bigint()) / 1e6;
/** CPU time of this process (all its threads, the garbage collector's included), ms. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main() {
  const load = Number(loadavg()[0].toFixed(1));
  log('making the job');
  const job = makeJob();
  const bytes = job.texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const dir = mkdtempSync(join(tmpdir(), 'kubeml-bench-health-'));
  const file = join(dir, 'logs.txt');
  writeFileSync(file, job.texts.join(''));

  const parseMs: number[] = [];
  const diagnoseMs: number[] = [];
  const totalMs: number[] = [];
  const cpuMs: number[] = [];
  const grepMs: number[] = [];
  const grepCpuMs: number[] = [];
  let findings: Finding[] = [];
  let lines = 0;
  let grepCount = '';
  let ranks: RankInput[] = [];
  for (let r = 0; r < RUNS; r++) {
    ranks = [];
    gc();
    const c0 = cpuNow();
    const t0 = now();
    ranks = job.texts.map((text, i) => rankInput(job.names[i]!, i, parseTimestampedLog(text)));
    const t1 = now();
    findings = diagnose({ kind: 'PyTorchJob', namespace: 'bench', name: 'job', ranks, now: job.now });
    const t2 = now();
    cpuMs.push(cpuNow() - c0);
    lines = ranks.reduce((n, x) => n + x.log.length, 0);
    parseMs.push(t1 - t0);
    diagnoseMs.push(t2 - t1);
    totalMs.push(t2 - t0);
    const g0 = now();
    const g = spawnSync('grep', ['-c', '-E', GREP_PATTERN, file], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    grepMs.push(now() - g0);
    // Not into /dev/null: GNU grep then stops at the first match (it knows nobody reads the count).
    const ru = spawnSync('sh', ['-c', `LC_ALL=C command time -f '%U %S' grep -c -E '${GREP_PATTERN}' '${file}' | cat >/dev/null`], {
      encoding: 'utf8',
    });
    const [u, sy] = ru.stderr.trim().split(/\s+/).map(Number);
    if (Number.isFinite(u) && Number.isFinite(sy)) grepCpuMs.push((u! + sy!) * 1000);
    if (g.status !== 0 && g.status !== 1) throw new Error(`grep failed (exit ${g.status}): ${g.stderr}`);
    grepCount = g.stdout.trim();
    log(
      `run ${r + 1}/${RUNS}: parse ${round(t1 - t0)} ms + diagnose ${round(t2 - t1)} ms = ${round(t2 - t0)} ms; grep -c ${round(grepMs[r]!)} ms`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  if (lines !== TOTAL_LINES) throw new Error(`the job has ${lines} lines, not ${TOTAL_LINES}`);
  const hung = findings.find((f) => f.kind === 'hung' && f.rank === HUNG_RANK);
  const nccl = findings.find((f) => f.kind === 'collective' && f.rank === NCCL_RANK);
  if (!hung || !nccl)
    throw new Error(
      `the doctor missed the ${!hung ? `hung ${HUNG_RANK}` : `NCCL timeout of ${NCCL_RANK}`}: ${JSON.stringify(findings.map((f) => f.title))}`,
    );

  let charts: unknown = { todo: 'bench/health/charts.ts (the Job panel’s GPU charts) is not in this branch; the lead merges it' };
  const chartsFile = join(__dirname, 'charts.ts');
  if (existsSync(chartsFile)) {
    // The charts benchmark of the Job panel, written by another helper: run when it exports benchCharts().
    const mod = (await import(pathToFileURL(chartsFile).href)) as { benchCharts?: () => Promise<unknown> | unknown };
    charts = mod.benchCharts ? await mod.benchCharts() : { todo: 'bench/health/charts.ts exports no benchCharts(): wire it here' };
  }

  const total = median(totalMs);
  const grep = median(grepMs);
  const doc = {
    benchmark: 'health',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    load_average_before: load,
    runs: RUNS,
    doctor: {
      note: 'bench/health/fixtures.ts: a PyTorchJob of 64 ranks (master-0, worker-0..62), kubectl logs --timestamps text of a DDP run; worker-16 stopped at 70% of the others’ lines, worker-39 logged a NCCL watchdog timeout',
      ranks: RANKS,
      lines: TOTAL_LINES,
      bytes,
      totalMs: { median: round(total), samples: totalMs.map(round), what: 'parseTimestampedLog of the 64 texts + diagnose()' },
      cpuMs: {
        median: round(median(cpuMs)),
        samples: cpuMs.map(round),
        what: 'CPU time of the same (process.cpuUsage: all threads, GC included)',
      },
      parseMs: { median: round(median(parseMs)), samples: parseMs.map(round) },
      diagnoseMs: { median: round(median(diagnoseMs)), samples: diagnoseMs.map(round) },
      findings: findings.map((f) => `${f.severity} ${f.kind}: ${f.title}`),
      goalMs: GOAL_MS,
      met: total < GOAL_MS,
    },
    floor: {
      what: `grep -c -E '${GREP_PATTERN}' over the same lines in one file (LC_ALL=C), same run`,
      grepMs: { median: round(grep), samples: grepMs.map(round) },
      grepCpuMs: grepCpuMs.length
        ? {
            median: round(median(grepCpuMs)),
            samples: grepCpuMs.map(round),
            what: 'user + system time of a second grep per run (GNU time, 10 ms resolution)',
          }
        : { skipped: 'GNU time is not installed' },
      count: Number(grepCount),
    },
    ratioToGrep: round(total / grep),
    cpuRatioToGrep: grepCpuMs.length ? round(median(cpuMs) / median(grepCpuMs)) : null,
    charts,
  };
  writeFileSync(join(__dirname, '..', 'results', 'health.json'), JSON.stringify(doc, null, 2) + '\n');
  log(
    `doctor median ${round(total)} ms (parse ${round(median(parseMs))} + diagnose ${round(median(diagnoseMs))}); grep -c median ${round(grep)} ms; ratio ${round(total / grep)}x; goal < ${GOAL_MS} ms: ${total < GOAL_MS ? 'met' : 'not met'}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
