import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnose, parseTimestampedLog } from './doctor';
import { parseProcStat } from './jobPods';
import type { JobInput, RankInput, RankLogLine } from './types';

const fixture = (f: string) => parseTimestampedLog(readFileSync(join(__dirname, '../../../test/fixtures/health', f), 'utf8'));
const at = (iso: string) => Date.parse(iso);

/** A rank as the health feature gives it; the states are those of test/fixtures/health/states.txt. */
function rank(name: string, index: number, over: Partial<RankInput>): RankInput {
  return {
    rank: name,
    index,
    pod: `job-${name}`,
    namespace: 'ns',
    phase: 'Running',
    restarts: 0,
    scheduled: true,
    node: 'kubeml-node',
    started: at('2026-12-03T19:03:55Z'),
    log: [],
    ...over,
  };
}
const job = (ranks: RankInput[], now: number, extra: Partial<JobInput> = {}): JobInput => ({
  kind: 'PyTorchJob',
  namespace: 'ns',
  name: 'job',
  ranks,
  now,
  ...extra,
});
const summary = (j: JobInput) => diagnose(j).map((f) => [f.kind, f.severity, f.rank, f.title]);

/** ddp_train.py's lines of one rank: a step line and its KUBEML_RESULT, one step a second, the last at `lastAt`. */
function ddpLog(rankNo: number, world: number, last: number, lastAt: number): RankLogLine[] {
  const out: RankLogLine[] = [{ time: lastAt - last * 1000, text: `[rank ${rankNo}/${world}] joined the group of ${world} in 0.2 s` }];
  for (let s = 1; s <= last; s++) {
    const time = lastAt - (last - s) * 1000;
    out.push({ time, text: `[rank ${rankNo}/${world}] step ${s}/500 loss ${(1 / s).toFixed(5)}` });
    out.push({
      time: time + 0.5,
      text: `KUBEML_RESULT {"type":"metric","name":"loss","value":${1 / s},"step":${s},"split":"rank${rankNo}"}`,
    });
  }
  return out;
}

describe('doctor: real failures of a 2-rank PyTorchJob on the local cluster (test/fixtures/health)', () => {
  it('SIGSTOPped worker: the worker went silent and the master timed out waiting for it; the worker is named first', () => {
    // the moment after the master failed: the stopped worker still runs, its log ends at step 6
    const worker = fixture('stopped-worker-0.log').filter((l) => l.time! < at('2026-12-03T19:04:14Z'));
    const j = job(
      [
        rank('worker-0', 1, { log: worker }),
        rank('master-0', 0, {
          phase: 'Failed',
          currentEnd: { reason: 'Error', exitCode: 1, finishedAt: at('2026-12-03T19:04:44Z') },
          log: fixture('stopped-master-0.log'),
        }),
      ],
      at('2026-12-03T19:05:00Z'),
    );
    assert.deepEqual(summary(j), [
      ['hung', 'error', 'worker-0', 'worker-0 went silent at step 6, 47 s ago, and master-0 timed out waiting in a collective'],
      [
        'collective',
        'error',
        'master-0',
        'Gloo timed out after 30,000 ms waiting for a recv to complete: master-0 reported it first, 16 s ago',
      ],
      [
        'crashed',
        'error',
        'master-0',
        'master-0 failed with exit code 1, 16 s ago: gloo timed out after 30,000 ms waiting for a recv to complete',
      ],
    ]);
    const hung = diagnose(j)[0]!;
    assert.deepEqual(hung.evidence[0], {
      rank: 'worker-0',
      pod: 'job-worker-0',
      line: worker[worker.length - 1]!.text,
      time: worker[worker.length - 1]!.time,
    });
    assert.match(hung.evidence[1]!.line!, /Timed out waiting 30000ms for recv/);
  });

  it('SIGSTOPped worker, before any timeout: both stopped at step 6 is not a finding (it is also what a paused job looks like)', () => {
    const cut = (l: RankLogLine) => l.time! < at('2026-12-03T19:04:14Z');
    const j = job(
      [
        rank('master-0', 0, { log: fixture('stopped-master-0.log').filter(cut) }),
        rank('worker-0', 1, { log: fixture('stopped-worker-0.log').filter(cut) }),
      ],
      at('2026-12-03T19:04:40Z'),
    );
    assert.deepEqual(diagnose(j), []);
  });

  it('killed worker (SIGKILL): its exit 137 comes first, then the master’s closed connection and its failure', () => {
    const j = job(
      [
        rank('master-0', 0, {
          phase: 'Failed',
          currentEnd: { reason: 'Error', exitCode: 1, finishedAt: at('2026-12-03T19:04:14Z') },
          log: fixture('killed-master-0.log'),
        }),
        rank('worker-0', 1, {
          phase: 'Failed',
          currentEnd: { reason: 'Error', exitCode: 137, finishedAt: at('2026-12-03T19:04:13Z') },
          log: fixture('killed-worker-0.log'),
        }),
      ],
      at('2026-12-03T19:07:00Z'),
    );
    const s = summary(j);
    assert.deepEqual(
      s.map((x) => [x[0], x[2]]),
      [
        ['crashed', 'worker-0'],
        ['collective', 'master-0'],
        ['crashed', 'master-0'],
      ],
    );
    assert.equal(s[0]![3], 'worker-0 failed with exit code 137 (SIGKILL), 3 min ago');
    assert.match(s[1]![3]!, /^Gloo: connection closed by peer 127\.0\.0\.1:53442: master-0 reported it first, 3 min ago$/);
    const crash = diagnose(j)[0]!;
    assert.match(crash.advice!, /SIGKILL without OOMKilled/);
    assert.deepEqual(
      crash.evidence.map((e) => e.line),
      fixture('killed-worker-0.log')
        .slice(-5)
        .map((l) => l.text),
    );
  });

  it('wrong master port: a rendezvous finding with the worker as first reporter (its client timed out before the master did)', () => {
    const j = job(
      [
        rank('master-0', 0, {
          phase: 'Failed',
          currentEnd: { reason: 'Error', exitCode: 1, finishedAt: at('2026-12-03T19:04:51Z') },
          log: fixture('wrongport-master-0.log'),
        }),
        rank('worker-0', 1, {
          phase: 'Failed',
          currentEnd: { reason: 'Error', exitCode: 1, finishedAt: at('2026-12-03T19:04:29Z') },
          log: fixture('wrongport-worker-0.log'),
        }),
      ],
      at('2026-12-03T19:05:30Z'),
    );
    const c = diagnose(j).find((f) => f.kind === 'collective')!;
    assert.equal(
      c.title,
      'The rendezvous store at wrongport-master-0:23699 did not answer within 20s: worker-0 reported it first, 60 s ago (2 ranks reported it)',
    );
    assert.deepEqual(
      c.evidence.map((e) => e.rank),
      ['worker-0', 'master-0'],
    );
    assert.match(c.advice!, /MASTER_PORT/);
  });
  it('4 ranks, two never scheduled (host port taken): the rendezvous timeout of the two that waited, and why the others wait', () => {
    // test/fixtures/health/capture-late4.sh; the scheduler's message is the one it gave the same job's pods on this cluster
    const why =
      "0/7 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 6 node(s) had untolerated taint {nvidia.com/gpu: }. preemption: 0/7 nodes are available: 1 No preemption victims found for incoming pod, 6 Preemption is not helpful for scheduling.";
    const failed = (name: string, index: number) =>
      rank(name, index, {
        phase: 'Failed',
        currentEnd: { reason: 'Error', exitCode: 1, finishedAt: at('2026-12-03T19:36:03Z') },
        log: fixture(`late4-${name}.log`),
      });
    const pending = (name: string, index: number) =>
      rank(name, index, { phase: 'Pending', scheduled: false, unschedulable: why, started: undefined });
    const f = diagnose(
      job([pending('worker-2', 3), failed('worker-0', 1), pending('worker-1', 2), failed('master-0', 0)], at('2026-12-03T19:36:05Z')),
    );
    assert.deepEqual(
      f.map((x) => [x.kind, x.rank, x.title]),
      [
        ['collective', 'master-0', 'Rendezvous: Socket Timeout: master-0 reported it first, 2 s ago (2 ranks reported it)'],
        ['crashed', 'master-0', 'master-0 failed with exit code 1, 2 s ago: rendezvous: Socket Timeout'],
        ['crashed', 'worker-0', 'worker-0 failed with exit code 1, 2 s ago: rendezvous: Socket Timeout'],
        ['unscheduled', 'worker-1', `2 ranks are not scheduled (worker-1, worker-2): ${why}`],
      ],
    );
    // the two that waited have failed: nobody waits for them any more
    assert.equal(f[3]!.advice, 'Free the resources it needs, lower the request, or delete the job.');
  });
});

describe('doctor: a PyTorchJob of master-0 and worker-0..2', () => {
  const NOW = at('2026-12-03T12:00:00Z');
  const started = NOW - 60 * 60_000;
  const healthy = () => [
    rank('master-0', 0, { started, log: ddpLog(0, 4, 180, NOW - 500) }),
    rank('worker-0', 1, { started, log: ddpLog(1, 4, 180, NOW - 400) }),
    rank('worker-1', 2, { started, log: ddpLog(2, 4, 179, NOW - 900) }),
    rank('worker-2', 3, { started, log: ddpLog(3, 4, 180, NOW - 300) }),
  ];

  it('a healthy job has no findings', () => {
    assert.deepEqual(diagnose(job(healthy(), NOW)), []);
  });

  it('names the rank that stopped while the others go on, in one sentence, with the others’ steps in rank order', () => {
    const ranks = healthy();
    ranks[2] = rank('worker-1', 2, { started, log: ddpLog(2, 4, 120, NOW - 3 * 60_000) });
    const f = diagnose(job([...ranks].reverse(), NOW));
    assert.deepEqual(
      f.map((x) => x.title),
      ['worker-1 stopped at step 120 while the others reached 180, 3 min ago'],
    );
    assert.deepEqual(
      f[0]!.evidence.map((e) => [e.rank, e.line]),
      [
        ['worker-1', 'KUBEML_RESULT {"type":"metric","name":"loss","value":0.008333333333333333,"step":120,"split":"rank2"}'],
        ['master-0', 'step 180'],
        ['worker-0', 'step 180'],
        ['worker-2', 'step 180'],
      ],
    );
  });

  it('OOMKilled before a restart: the previous container’s last lines; no second "restarts" finding for the same end', () => {
    const prev = ddpLog(3, 4, 40, NOW - 10 * 60_000);
    const ranks = healthy();
    ranks[3] = rank('worker-2', 3, {
      started,
      restarts: 1,
      lastEnd: { reason: 'OOMKilled', exitCode: 137, finishedAt: NOW - 10 * 60_000 },
      previousLog: prev,
      log: ddpLog(3, 4, 180, NOW - 300),
    });
    const f = diagnose(job(ranks, NOW));
    assert.deepEqual(
      f.map((x) => [x.kind, x.title]),
      [
        [
          'oom',
          'worker-2 was killed for using more memory than its limit (OOMKilled, exit code 137 (SIGKILL)) (restarted 1 time), 10 min ago',
        ],
      ],
    );
    assert.deepEqual(
      f[0]!.evidence.map((e) => e.line),
      prev.slice(-5).map((l) => l.text),
    );
  });

  it('a restart after an error: the exit code and the exception of the previous run', () => {
    const prev: RankLogLine[] = [
      ...ddpLog(1, 4, 10, NOW - 20 * 60_000),
      { time: NOW - 20 * 60_000 + 10, text: 'Traceback (most recent call last):' },
      { time: NOW - 20 * 60_000 + 11, text: '  File "/code/ddp_train.py", line 69, in main' },
      {
        time: NOW - 20 * 60_000 + 12,
        text: 'RuntimeError:CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 5.80 GiB total capacity)',
      },
    ];
    const ranks = healthy();
    ranks[1] = rank('worker-0', 1, {
      started,
      restarts: 2,
      lastEnd: { reason: 'Error', exitCode: 1, finishedAt: NOW - 20 * 60_000 },
      previousLog: prev,
      log: ddpLog(1, 4, 180, NOW),
    });
    const f = diagnose(job(ranks, NOW));
    assert.deepEqual(
      f.map((x) => [x.kind, x.severity, x.title]),
      [
        [
          'restarts',
          'warning',
          'worker-0 restarted 2 times; the last run ended with exit code 1, 20 min ago: RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 5.80 GiB total capacity)',
        ],
      ],
    );
  });

  it('evicted, never scheduled, mixed GPUs and drivers; errors before warnings', () => {
    const ranks: RankInput[] = healthy().map((r, i) => ({
      ...r,
      gpuProduct: i < 3 ? 'NVIDIA-A100-SXM4-80GB' : 'NVIDIA-H100-80GB-HBM3',
      driver: i === 0 ? '535.104.05' : '550.54.15',
    }));
    ranks.push(rank('worker-3', 4, { phase: 'Pending', scheduled: false, log: [] }));
    ranks.push(
      rank('worker-4', 5, {
        phase: 'Evicted',
        reason: 'Evicted',
        message: 'The node was low on resource: memory.',
        node: 'gpu-node-2',
        log: [],
      }),
    );
    const f = diagnose(job(ranks, NOW, { pending: 'waits for 8 nvidia.com/gpu in ClusterQueue team-a (6 free)' }));
    assert.deepEqual(
      f.map((x) => [x.kind, x.severity, x.title]),
      [
        ['evicted', 'error', 'worker-4 was evicted from gpu-node-2: The node was low on resource: memory.'],
        ['unscheduled', 'warning', 'worker-3 is not scheduled: waits for 8 nvidia.com/gpu in ClusterQueue team-a (6 free)'],
        [
          'mixed-gpus',
          'warning',
          'Ranks run on different GPUs: NVIDIA-A100-SXM4-80GB (master-0, worker-0, worker-1), NVIDIA-H100-80GB-HBM3 (worker-2)',
        ],
        [
          'mixed-gpus',
          'warning',
          'Ranks run on nodes with different NVIDIA drivers: 535.104.05 (master-0), 550.54.15 (worker-0, worker-1, worker-2)',
        ],
      ],
    );
  });

  it('the scheduler’s own reason wins over the job’s pending explanation', () => {
    const ranks = healthy();
    ranks.push(
      rank('worker-3', 4, {
        phase: 'Pending',
        scheduled: false,
        unschedulable: '0/7 nodes are available: 7 Insufficient nvidia.com/gpu.',
        log: [],
      }),
    );
    assert.equal(
      diagnose(job(ranks, NOW, { pending: 'queued' }))[0]!.title,
      'worker-3 is not scheduled: 0/7 nodes are available: 7 Insufficient nvidia.com/gpu.',
    );
  });

  it('NCCL lockstep hang: the rank that reported no watchdog timeout, silent since before the collective began, is named', () => {
    // all four stopped at step 100 (DDP); 600 s later three ranks' watchdogs fire (the line of BasicSR#737, per rank)
    const stop = NOW - 11 * 60_000;
    const watchdog = (i: number): RankLogLine => ({
      time: stop + 600_020 + i,
      text: `[rank${i}]:[E626 06:24:44.903881913 ProcessGroupNCCL.cpp:616] [Rank ${i}] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=808, OpType=ALLREDUCE, NumelIn=9801523, NumelOut=9801523, Timeout(ms)=600000) ran for 600020 milliseconds before timing out.`,
    });
    const ranks = [0, 1, 2, 3].map((i) =>
      rank(i === 0 ? 'master-0' : `worker-${i - 1}`, i, {
        started,
        log: [...ddpLog(i, 4, 100, stop + i * 10), ...(i === 3 ? [] : [watchdog(i)])],
      }),
    );
    const f = diagnose(job(ranks, NOW));
    assert.deepEqual(
      f.map((x) => [x.kind, x.rank, x.title]),
      [
        ['hung', 'worker-2', 'worker-2 went silent at step 100, 11 min ago, and 3 ranks timed out waiting in a collective'],
        [
          'collective',
          'master-0',
          'NCCL watchdog timeout: ALLREDUCE (SeqNum 808) ran 600,020 ms (limit 600,000 ms): master-0 reported it first, 60 s ago (3 ranks reported it)',
        ],
      ],
    );
  });

  it('a timeout reported by one rank while the others kept going names no silent rank (they progressed after the collective began)', () => {
    const ranks = healthy();
    ranks[1] = rank('worker-0', 1, {
      started,
      log: [
        ...ddpLog(1, 4, 180, NOW - 400),
        {
          time: NOW - 300,
          text: '[rank1]:[E626 06:24:44.903881913 ProcessGroupNCCL.cpp:616] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=808, OpType=ALLREDUCE, NumelIn=9801523, NumelOut=9801523, Timeout(ms)=600000) ran for 600020 milliseconds before timing out.',
        },
      ],
    });
    assert.deepEqual(
      diagnose(job(ranks, NOW)).map((x) => [x.kind, x.rank]),
      [['collective', 'worker-0']],
    );
  });
});

describe('doctor: a stopped process names the rank before any timeout', () => {
  const probe = (f: string) => parseProcStat(readFileSync(join(__dirname, '../../../test/fixtures/health', f), 'utf8'));

  it('the probe reads real /proc stat lines: pid 1 python3 running (S), then stopped (T); the probe’s own sh is left out', () => {
    assert.deepEqual(probe('probe-running.txt'), [{ pid: 1, state: 'S', command: 'python3' }]);
    assert.deepEqual(probe('probe-stopped.txt'), [{ pid: 1, state: 'T', command: 'python3' }]);
  });

  it('SIGSTOPped worker, both silent at step 6, no timeout yet: the worker whose process is in state T is named', () => {
    const cut = (l: RankLogLine) => l.time! < at('2026-12-03T19:04:14Z');
    const j = job(
      [
        rank('master-0', 0, { log: fixture('stopped-master-0.log').filter(cut), processes: probe('probe-running.txt') }),
        rank('worker-0', 1, { log: fixture('stopped-worker-0.log').filter(cut), processes: probe('probe-stopped.txt') }),
      ],
      at('2026-12-03T19:04:40Z'),
    );
    const found = diagnose(j);
    assert.equal(found.length, 1, JSON.stringify(found.map((f) => f.title)));
    const f = found[0]!;
    assert.equal(f.kind, 'hung');
    assert.equal(f.rank, 'worker-0');
    assert.equal(f.pod, 'job-worker-0');
    assert.match(
      f.title,
      /^worker-0 is stopped: its process python3 \(pid 1\) is in state T, stopped by a signal at step 6, silent for \d+ s; master-0 waits for it$/,
    );
    assert.match(f.evidence[0]!.line!, /^\[rank 1\/2\] step 6\/200 loss /);
    assert.equal(f.evidence[1]!.line, 'pid 1 (python3) state T');
  });

  it('a stopped rank and the progress model agree on it: one finding, not two', () => {
    const j = job(
      [
        rank('master-0', 0, { log: fixture('stopped-master-0.log'), processes: probe('probe-running.txt') }),
        rank('worker-0', 1, { log: fixture('stopped-worker-0.log'), processes: probe('probe-stopped.txt') }),
      ],
      at('2026-12-03T19:05:30Z'),
    );
    const hung = diagnose(j).filter((f) => f.kind === 'hung');
    assert.deepEqual(
      hung.map((f) => f.rank),
      ['worker-0'],
    );
    assert.match(hung[0]!.title, /state T/);
  });
});
