/**
 * The fuzz layer: random and mutated inputs for the manifest linter, the CSV/TSV/JSONL and Parquet
 * readers and the sync planner, with a fixed seed (KUBEML_FUZZ_SEED to try another). Each target
 * runs in a worker thread with a heap limit; an input that throws anything but a clean KubeMLError,
 * runs past the per-input bound, or takes the heap past its limit fails the test, naming the seed
 * and the input's index (the same seed and index make the same input: see targets.ts).
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const SEED = Number(process.env.KUBEML_FUZZ_SEED) || 20261203;
/** No single input may take longer than this (the linter's own budget is 2 s; readers have no budget). */
const PER_INPUT_MS = 15_000;
/** The worker's heap limit: a reader that allocates by a claimed size instead of the real one dies here. */
const HEAP_MB = 1024;

interface Outcome {
  n: number;
  maxMs: number;
  maxHeapMb: number;
  failure?: string;
}

function fuzz(target: string, perInputMs = PER_INPUT_MS, heapMb = HEAP_MB): Promise<Outcome> {
  return new Promise((resolve) => {
    const code = `require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'worker.ts'))});`;
    const w = new Worker(code, {
      eval: true,
      workerData: { target, seed: SEED },
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
      stdout: true,
      stderr: true,
    });
    const out: Outcome = { n: 0, maxMs: 0, maxHeapMb: 0 };
    let current = -1;
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const end = (failure?: string) => {
      if (ended) return;
      ended = true;
      if (timer) clearTimeout(timer);
      if (failure) out.failure = `${target}, seed ${SEED}, input ${current}: ${failure}`;
      void w.terminate().then(() => resolve(out));
    };
    w.on('message', (m: { type: string; i: number; ms?: number; heapMb?: number; message?: string }) => {
      if (m.type === 'start') {
        current = m.i;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => end(`no answer within ${perInputMs} ms (a hang)`), perInputMs);
      } else if (m.type === 'done') {
        out.n++;
        out.maxMs = Math.max(out.maxMs, m.ms ?? 0);
        out.maxHeapMb = Math.max(out.maxHeapMb, m.heapMb ?? 0);
      } else if (m.type === 'failed') end(m.message);
      else if (m.type === 'end') end();
    });
    w.on('error', (e: Error & { code?: string }) =>
      end(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the heap passed ${heapMb} MB` : `${e.name}: ${e.message}`),
    );
    w.on('exit', (code) => end(code === 0 ? undefined : `the worker exited with code ${code}`));
  });
}

describe(`fuzz (seed ${SEED})`, function () {
  this.timeout(600_000);
  it('the harness itself reports a crash, a hang and a heap blow-up, naming the input', async () => {
    assert.match((await fuzz('selftest-throws')).failure ?? '', /^selftest-throws, seed \d+, input 2: TypeError/);
    assert.match((await fuzz('selftest-hangs', 1000)).failure ?? '', /input 2: no answer within 1000 ms/);
    assert.match((await fuzz('selftest-heap', PER_INPUT_MS, 64)).failure ?? '', /input 2: the heap passed 64 MB/);
  });
  for (const target of ['lint', 'tables', 'parquet', 'planner']) {
    it(`${target}: no crash, no input past ${PER_INPUT_MS / 1000} s, heap under ${HEAP_MB} MB`, async () => {
      const o = await fuzz(target);
      console.log(`      ${target}: ${o.n} inputs, slowest ${o.maxMs.toFixed(0)} ms, largest heap ${o.maxHeapMb.toFixed(0)} MB`);
      assert.equal(o.failure, undefined, o.failure);
      assert.ok(o.n > 0, 'no input ran');
    });
  }
});
