import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonLines, RunStore, TENSORBOARD_METRICS } from './runRecords';

describe('RunStore metrics', () => {
  let ws: string;
  beforeEach(() => (ws = mkdtempSync(join(tmpdir(), 'kubeml-store-'))));
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  it("returns the log's metrics and the TensorBoard scalars, each TensorBoard one marked with its source", async () => {
    const store = new RunStore(ws);
    assert.deepEqual(await store.readMetrics('r-1'), []);
    mkdirSync(store.dir('r-1'), { recursive: true });
    await store.appendMetrics('r-1', [{ type: 'metric', name: 'accuracy', value: 0.9, step: 1 }]);
    await store.appendTensorBoardMetrics('r-1', [{ type: 'metric', name: 'train/loss', value: 0.5, step: 1, wallTime: 1.5 }]);
    assert.deepEqual(await store.readMetrics('r-1'), [
      { type: 'metric', name: 'accuracy', value: 0.9, step: 1 },
      { type: 'metric', name: 'train/loss', value: 0.5, step: 1, wallTime: 1.5, source: 'tensorboard' },
    ]);
    await store.writeTensorBoardMetrics('r-1', []);
    assert.equal(readFileSync(join(store.dir('r-1'), TENSORBOARD_METRICS), 'utf8'), '');
    assert.deepEqual(await store.readMetrics('r-1'), [{ type: 'metric', name: 'accuracy', value: 0.9, step: 1 }]);
  });
});

describe('parseJsonLines', () => {
  it('every object line, in order; CRLF and blank lines allowed', () => {
    assert.deepEqual(parseJsonLines('{"a":1}\r\n\n{"b":2}\n  \n{"c":3}'), [{ a: 1 }, { b: 2 }, { c: 3 }]);
  });
  it('a broken line (one being written) is skipped, the others kept', () => {
    assert.deepEqual(parseJsonLines('{"a":1}\n{"b":\n{"c":3}\n{"d":'), [{ a: 1 }, { c: 3 }]);
  });
  it('a line of two values, a number or an array is not a record', () => {
    assert.deepEqual(parseJsonLines('{"a":1},{"b":2}\n5\n[1]\nnull\n{"c":3}'), [{ c: 3 }]);
  });
  it('lines that would join into other JSON are still read one by one', () => {
    assert.deepEqual(parseJsonLines('{"a":[1\n2]}\n{"b":2}'), [{ b: 2 }]);
  });
  it('nothing: no records', () => {
    assert.deepEqual(parseJsonLines(''), []);
    assert.deepEqual(parseJsonLines('\n\n'), []);
  });
});
