import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { latestStepFromLog, parseTimestampedLog, stepsFromLog } from './rankLog';

const fixture = (f: string) => readFileSync(join(__dirname, '../../../test/fixtures/health', f), 'utf8');

describe('rank logs: kubectl logs --timestamps', () => {
  it('splits a real log (test/fixtures/health, kubelet RFC3339Nano stamps) into times and texts', () => {
    const lines = parseTimestampedLog(fixture('stopped-master-0.log'));
    assert.equal(lines.length, 26);
    assert.deepEqual(lines[0], {
      time: Date.UTC(2026, 11, 3, 19, 4, 10, 692),
      text: '[rank 0/2] host vm: joining the gloo group at stopped-master-0:23631 (timeout 30 s, torch 1.13.0a0)',
    });
    assert.equal(
      lines[25]!.text,
      'RuntimeError: [./gloo/transport/tcp/unbound_buffer.cc:81] Timed out waiting 30000ms for recv operation to complete',
    );
    // every time agrees with Date.parse of the stamp cut to milliseconds
    const raw = fixture('stopped-master-0.log').split('\n').filter(Boolean);
    raw.forEach((l, i) => assert.equal(lines[i]!.time, Date.parse(l.slice(0, 23) + 'Z'), l));
  });

  it('keeps lines without a stamp (no time), empty stamped lines, CRLF ends; drops the final newline only', () => {
    const lines = parseTimestampedLog(
      '2026-12-03T19:04:10.5Z a b\r\nno stamp here\n2026-12-03T19:04:11Z \n\n2026-12-03T19:04:12.000000001Z last\n',
    );
    assert.deepEqual(lines, [
      { time: Date.UTC(2026, 11, 3, 19, 4, 10, 500), text: 'a b' },
      { text: 'no stamp here' },
      { time: Date.UTC(2026, 11, 3, 19, 4, 11), text: '' },
      { text: '' },
      { time: Date.UTC(2026, 11, 3, 19, 4, 12), text: 'last' },
    ]);
  });

  it('reads a zone offset (RFC3339 allows one; the kubelet writes Z)', () => {
    const [l] = parseTimestampedLog('2026-12-03T21:04:10.250+02:00 x');
    assert.equal(l!.time, Date.UTC(2026, 11, 3, 19, 4, 10, 250));
    const [m] = parseTimestampedLog('2026-12-03T14:04:10-05:00 y');
    assert.equal(m!.time, Date.UTC(2026, 11, 3, 19, 4, 10));
  });

  it('a line that only looks like a stamp is text', () => {
    assert.deepEqual(parseTimestampedLog('2026-13-45T10:00:00Z nope'), [{ text: '2026-13-45T10:00:00Z nope' }]);
    assert.deepEqual(parseTimestampedLog('2026-12-03T25:00:00Z nope'), [{ text: '2026-12-03T25:00:00Z nope' }]);
    assert.deepEqual(parseTimestampedLog('2026-12-03T10-00:00Z nope'), [{ text: '2026-12-03T10-00:00Z nope' }]);
  });
});

describe('rank logs: steps from KUBEML_RESULT lines', () => {
  it('the steps of a real rank log, at the time each was reached', () => {
    const lines = parseTimestampedLog(fixture('stopped-worker-0.log'));
    const points = stepsFromLog(lines);
    assert.deepEqual(
      points.map((p) => p.step),
      [1, 2, 3, 4, 5, 6],
    );
    const step6 = lines.find((l) => l.text.startsWith('KUBEML_RESULT') && l.text.includes('"step":6'))!;
    assert.equal(points[5]!.time, step6.time);
  });

  it('one point per new highest step: other metrics of a step and older steps are not progress; odd forms go to the parser', () => {
    const t = (s: number) => `2026-12-03T19:00:${String(s).padStart(2, '0')}Z`;
    const text = [
      `${t(1)} KUBEML_RESULT {"type":"metric","name":"loss","value":1,"step":1}`,
      `${t(2)} KUBEML_RESULT {"type":"metric","name":"lr","value":0.1,"step":1}`,
      `${t(3)} KUBEML_RESULT {"type": "metric", "name": "loss", "value": 0.9, "step": 2}`,
      `${t(4)} KUBEML_RESULT {"type":"metric","name":"loss","value":0.8,"step":2.5}`,
      `${t(5)} KUBEML_RESULT {"type":"metric","name":"val","value":0.5,"step":1}`,
      `${t(6)} KUBEML_RESULT {"type":"metric","name":"acc","value":0.5}`,
      `${t(7)} KUBEML_RESULT {"type":"artifact","path":"/a/step","step":9}`,
      `${t(8)} KUBEML_RESULT {"type":"metric","name":"loss","value":"bad","step":7}`,
      `${t(9)} step 8 of 10`,
      `KUBEML_RESULT {"type":"metric","name":"loss","value":1,"step":20}`,
      `${t(10)} KUBEML_RESULT {"type":"metric","name":"loss","value":0.7,"step":3}`,
    ].join('\n');
    assert.deepEqual(stepsFromLog(parseTimestampedLog(text)), [
      { time: Date.UTC(2026, 11, 3, 19, 0, 1), step: 1 },
      { time: Date.UTC(2026, 11, 3, 19, 0, 3), step: 2 },
      { time: Date.UTC(2026, 11, 3, 19, 0, 4), step: 2.5 },
      { time: Date.UTC(2026, 11, 3, 19, 0, 10), step: 3 },
    ]);
  });

  it('latestStepFromLog reads the end of the log: the same answer as the last point of stepsFromLog on real logs', () => {
    for (const f of ['stopped-worker-0.log', 'stopped-master-0.log', 'killed-worker-0.log', 'killed-master-0.log']) {
      const lines = parseTimestampedLog(fixture(f));
      assert.deepEqual(latestStepFromLog(lines), stepsFromLog(lines).at(-1), f);
    }
    assert.equal(latestStepFromLog(parseTimestampedLog(fixture('wrongport-worker-0.log'))), undefined);
  });

  it('latestStepFromLog: the first time the latest step was logged; a step counter that restarts (per epoch) counts from its restart', () => {
    const t = (s: number) => `2026-12-03T19:00:${String(s).padStart(2, '0')}Z`;
    const m = (s: number, name = 'loss') => `KUBEML_RESULT {"type":"metric","name":"${name}","value":1,"step":${s}}`;
    const lines = parseTimestampedLog(
      [
        `${t(1)} ${m(999)}`,
        `${t(2)} ${m(1000)}`,
        `${t(3)} ${m(1)}`,
        `${t(4)} ${m(2)}`,
        `${t(5)} ${m(2, 'lr')}`,
        `${t(6)} step 2 done`,
        `${t(7)} ${m(2, 'val')}`,
      ].join('\n'),
    );
    assert.deepEqual(latestStepFromLog(lines), { time: Date.UTC(2026, 11, 3, 19, 0, 4), step: 2 });
  });
});
