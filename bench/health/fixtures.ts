/**
 * The health benchmark's job: a 64-rank PyTorchJob (master-0, worker-0..62) whose logs hold 1,000,000 lines in
 * total as `kubectl logs --timestamps` prints them. Each rank logs what a DDP training script logs: NCCL start-up
 * lines, a progress line per step, a KUBEML_RESULT loss per step and a learning rate every 10 steps, a throughput
 * line every 50 steps, and a few warnings (a torch DataLoader UserWarning, NCCL WARN). One rank (worker-16) stops at
 * 70% of the run while the others go on; one rank (worker-39) reports a NCCL watchdog timeout near the end.
 */
import type { RankInput } from '../../src/model/health/types';

export const RANKS = 64;
export const TOTAL_LINES = 1_000_000;
export const HUNG_RANK = 'worker-16';
export const NCCL_RANK = 'worker-39';
export const T0 = Date.UTC(2026, 11, 3, 8, 0, 0);
const STEP_MS = 500;

const rankName = (i: number) => (i === 0 ? 'master-0' : `worker-${i - 1}`);
const stamp = (ms: number) => {
  const iso = new Date(ms).toISOString(); // 2026-12-03T08:00:00.123Z
  return `${iso.slice(0, 23)}${String(Math.floor(ms * 1000) % 1000).padStart(3, '0')}417Z`;
};

/** One rank's log text (`linesWanted` lines) and the time of its last line. */
function rankText(i: number, linesWanted: number): { text: string; end: number } {
  const name = rankName(i);
  const out: string[] = [];
  let t = T0 + 20 * i;
  const push = (s: string) => out.push(`${stamp(t)} ${s}`);
  push(`[rank ${i}/${RANKS}] host ${name}: joining the nccl group at job-master-0:23456 (timeout 600 s, torch 2.5.1)`);
  push(`job-${name}:31:31 [${i % 8}] NCCL INFO Bootstrap : Using eth0:10.244.${i >> 3}.${10 + (i % 8)}<0>`);
  push(`job-${name}:31:31 [${i % 8}] NCCL INFO NET/Plugin: No plugin found (libnccl-net.so)`);
  push(`job-${name}:31:31 [${i % 8}] NCCL INFO cudaDriverVersion 12040`);
  push(`[rank ${i}/${RANKS}] joined the group of ${RANKS} in 3.1 s`);
  // ~2.32 lines per step: progress + loss, lr every 10 steps, throughput every 50, a warning now and then
  let step = 1;
  const last = name === NCCL_RANK ? linesWanted - 1 : linesWanted;
  while (out.length < last) {
    t += STEP_MS;
    const loss = (2.5 / Math.sqrt(step) + ((i * 7919 + step * 104729) % 1000) / 100000).toFixed(5);
    push(
      `[rank ${i}/${RANKS}] epoch ${1 + Math.floor(step / 1000)} step ${step}/40000 loss ${loss} grad_norm ${(1 + (step % 7) / 10).toFixed(3)}`,
    );
    push(`KUBEML_RESULT {"type":"metric","name":"loss","value":${loss},"step":${step},"split":"rank${i}"}`);
    if (step % 10 === 0)
      push(`KUBEML_RESULT {"type":"metric","name":"lr","value":${(3e-4 * Math.min(1, step / 2000)).toPrecision(4)},"step":${step}}`);
    if (step % 50 === 0)
      push(
        `[rank ${i}/${RANKS}] throughput ${(800 + (step % 97)).toFixed(1)} samples/s, ${(12.1 + (step % 13) / 10).toFixed(1)} GB GPU memory`,
      );
    if (step % 1500 === 7)
      push(
        '/usr/lib/python3/dist-packages/torch/utils/data/dataloader.py:558: UserWarning: This DataLoader will create 16 worker processes in total. Our suggested max number of worker in current system is 8, which is smaller than what this DataLoader is going to create.',
      );
    if (step % 2500 === 11)
      push(`job-${name}:31:95 [${i % 8}] misc/socket.cc:50 NCCL WARN Net : Connection closed by remote peer 10.244.3.12<51234>`);
    step++;
  }
  out.length = Math.min(out.length, last); // the last step's lines may go past the count
  if (name === NCCL_RANK) {
    t += STEP_MS;
    push(
      `[rank${i}]:[E1203 08:58:11.903881913 ProcessGroupNCCL.cpp:616] [Rank ${i}] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=${2 * step}, OpType=ALLREDUCE, NumelIn=9801523, NumelOut=9801523, Timeout(ms)=600000) ran for 600020 milliseconds before timing out.`,
    );
  }
  return { text: out.join('\n') + '\n', end: t };
}

export interface BenchJob {
  readonly texts: string[];
  readonly names: string[];
  readonly now: number;
}

/** The 64 logs: the hung rank stopped at 70% of the others' lines; the others share the rest, master-0 the remainder. */
export function makeJob(): BenchJob {
  const hungLines = Math.round((TOTAL_LINES / RANKS) * 0.7);
  const per = Math.floor((TOTAL_LINES - hungLines) / (RANKS - 1));
  const remainder = TOTAL_LINES - hungLines - per * (RANKS - 1);
  const texts: string[] = [];
  const names: string[] = [];
  let end = 0;
  for (let i = 0; i < RANKS; i++) {
    const hung = rankName(i) === HUNG_RANK;
    const r = rankText(i, hung ? hungLines : per + (i === 0 ? remainder : 0));
    texts.push(r.text);
    names.push(rankName(i));
    if (!hung) end = Math.max(end, r.end);
  }
  return { texts, names, now: end + 2_000 };
}

/** A rank of the job as the health feature hands it to the doctor. */
export function rankInput(name: string, index: number, log: RankInput['log']): RankInput {
  return {
    rank: name,
    index,
    pod: `job-${name}`,
    namespace: 'bench',
    phase: 'Running',
    node: `gpu-node-${index >> 3}`,
    gpuProduct: 'NVIDIA-H100-80GB-HBM3',
    driver: '550.54.15',
    gpus: 1,
    restarts: 0,
    started: T0 - 30_000,
    scheduled: true,
    log,
  };
}
