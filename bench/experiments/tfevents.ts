/**
 * Reading TensorBoard event files: KubeML's reader (src/experiments/tfevents) against TensorBoard's
 * EventAccumulator (size_guidance scalars=0: it keeps every point) on the same files, written by
 * tensorboardX: METRICS tags x STEPS steps x RUNS runs, one add_scalar each (as training scripts
 * log). Ours in this process (reading the file from disk included); EventAccumulator's Reload()
 * timed inside Python (scripts/gen-tfevents.py accumulate), process start excluded for both.
 * Medians of REPS runs. Both must read the same number of points.
 *
 *   npx tsx bench/experiments/run.ts --only tfevents [--runs N] [--steps N] [--metrics N] [--reps N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTfEvents, TfEventsReader } from '../../src/experiments/tfevents/reader';

const root = join(__dirname, '..', '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function python(args: string[]): unknown {
  const r = spawnSync('python3', [join(root, 'scripts', 'gen-tfevents.py'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`scripts/gen-tfevents.py ${args[0]} failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export async function run(argv: readonly string[]): Promise<Record<string, unknown>> {
  const arg = (name: string, dflt: number) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : dflt);
  const RUNS = arg('runs', 4);
  const STEPS = arg('steps', 10_000);
  const METRICS = arg('metrics', 5);
  const REPS = arg('reps', 7);
  const dir = mkdtempSync(join(tmpdir(), 'kubeml-bench-tfevents-'));
  try {
    const { files } = python(['bench', dir, String(RUNS), String(STEPS), String(METRICS)]) as { files: string[] };
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);

    // Ours: whole files (read from disk, parsed, CRCs checked), and in 64 KiB pushes as the follower reads.
    const readAll = () => files.reduce((n, f) => n + readTfEvents(readFileSync(f)).scalars.length, 0);
    const readPushed = () =>
      files.reduce((n, f) => {
        const buf = readFileSync(f);
        const r = new TfEventsReader(f);
        let k = 0;
        for (let at = 0; at < buf.length; at += 65536) k += r.push(buf.subarray(at, at + 65536)).length;
        r.end();
        return n + k;
      }, 0);
    const points = readAll(); // warm-up (not counted)
    readPushed();
    const whole: number[] = [];
    const wholeCpu: number[] = [];
    const pushed: number[] = [];
    for (let i = 0; i < REPS; i++) {
      let t0 = performance.now();
      const c0 = process.cpuUsage();
      if (readAll() !== points) throw new Error('the reader read a different number of points');
      whole.push((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      wholeCpu.push((c.user + c.system) / 1e6);
      t0 = performance.now();
      if (readPushed() !== points) throw new Error('the reader read a different number of points in pieces');
      pushed.push((performance.now() - t0) / 1000);
    }

    // EventAccumulator: per file, median of REPS Reload() in one Python process; summed over the files.
    const ea = python(['accumulate', String(Math.min(REPS, 5)), ...files]) as {
      tensorboard: string;
      files: Array<{ seconds: number; cpu_seconds: number; all: number[]; scalars: number }>;
    };
    const eaPoints = ea.files.reduce((n, f) => n + f.scalars, 0);
    if (eaPoints !== points) throw new Error(`EventAccumulator read ${eaPoints} points, ours ${points}`);
    const eaSeconds = ea.files.reduce((n, f) => n + f.seconds, 0);
    const eaCpu = ea.files.reduce((n, f) => n + f.cpu_seconds, 0);
    const ours = median(whole);
    const oursCpu = median(wholeCpu);
    const result = {
      data: { runs: RUNS, metrics: METRICS, steps: STEPS, points, bytes, writer: 'tensorboardX.SummaryWriter.add_scalar' },
      kubeml: {
        what: 'readTfEvents on each whole file (fs read included, both CRCs checked)',
        runs_s: whole,
        median_s: ours,
        cpu_s: wholeCpu,
        median_cpu_s: oursCpu,
      },
      kubeml_pushed: { what: 'TfEventsReader.push in 64 KiB pieces (how the follower reads)', runs_s: pushed, median_s: median(pushed) },
      tensorboard: {
        what: `EventAccumulator(size_guidance scalars=0).Reload(), tensorboard ${ea.tensorboard}, timed in Python; sum over files of the per-file medians`,
        per_file_s: ea.files.map((f) => f.seconds),
        median_s: eaSeconds,
        median_cpu_s: eaCpu,
      },
      ratio: eaSeconds / ours,
      ratio_cpu: eaCpu / oursCpu,
      goal_ratio: 5,
      points_per_s: { kubeml: points / ours, tensorboard: points / eaSeconds },
    };
    console.error(
      `[tfevents] ${points} points, ${(bytes / 1e6).toFixed(1)} MB: ours ${(ours * 1000).toFixed(1)} ms, EventAccumulator ${(eaSeconds * 1000).toFixed(0)} ms, ratio ${result.ratio.toFixed(1)}x (CPU time ${result.ratio_cpu.toFixed(1)}x)`,
    );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
