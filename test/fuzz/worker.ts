/** Runs one fuzz target's inputs in a worker thread and reports each as it ends (see fuzz.test.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { rng, TARGETS } from './targets';

const { target, seed, count } = workerData as { target: string; seed: number; count?: number };
const t = TARGETS[target]();
const n = count ?? t.count;

void (async () => {
  for (let i = 0; i < n; i++) {
    const r = rng(seed * 1_000_003 + i);
    parentPort!.postMessage({ type: 'start', i });
    const t0 = performance.now();
    try {
      await t.run(r, i);
      parentPort!.postMessage({ type: 'done', i, ms: performance.now() - t0, heapMb: process.memoryUsage().heapUsed / 1048576 });
    } catch (e) {
      parentPort!.postMessage({ type: 'failed', i, message: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) });
      return;
    }
  }
  parentPort!.postMessage({ type: 'end', n });
})();
