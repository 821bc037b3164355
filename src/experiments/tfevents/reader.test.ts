/**
 * The reader against event files written by tensorboardX and by TensorBoard's own writer, and
 * what TensorBoard's EventAccumulator reads in the same files (test/fixtures/tfevents/expected.json,
 * made by scripts/gen-tfevents.py; SOURCES.md there).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskedCrc32c } from './crc32c';
import { readTfEvents, TfEventsReader, toMetricResults, type TfScalar } from './reader';

const DIR = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tfevents');
type Point = [number, number | null, number];
interface Expected {
  files: Record<string, { scalars: Record<string, Point[]>; damage?: { kind: string; record: number; offset: number } }>;
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected;
const bytes = (rel: string) => readFileSync(join(DIR, rel));
const MAIN = 'tbx-scalars/events.out.tfevents.tbx-scalars';

/** Our points as EventAccumulator's: {tag: [[step, value or null, wall time]]}. */
function byTag(points: readonly TfScalar[]): Record<string, Point[]> {
  const out: Record<string, Point[]> = {};
  for (const p of points) (out[p.tag] ??= []).push([p.step, Number.isFinite(p.value) ? p.value : null, p.wallTime]);
  return out;
}

/** Pushes `buf` in pieces whose sizes cycle through `sizes`. */
function pushInPieces(r: TfEventsReader, buf: Uint8Array, sizes: number[]): TfScalar[] {
  const out: TfScalar[] = [];
  for (let at = 0, i = 0; at < buf.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(...r.push(buf.subarray(at, at + n)));
    at += n;
  }
  return out;
}

describe('tfevents reader', () => {
  const sound = Object.keys(expected.files).filter((f) => !expected.files[f].damage);

  it('the fixtures hold what the tests need (scalars of both writers, more than 1,000 steps)', () => {
    assert.equal(sound.length, 4);
    assert.equal(expected.files[MAIN].scalars['train/loss'].length, 1200);
    assert.deepEqual(Object.keys(expected.files['tb-tensors/events.out.tfevents.tb-tensors'].scalars).sort(), [
      'tf2/content',
      'tf2/inverse',
      'tf2/sqrt',
    ]);
  });

  for (const rel of sound) {
    it(`reads what EventAccumulator reads in ${rel}, and nothing else (no histogram, text, other plugin)`, () => {
      const { scalars, findings } = readTfEvents(bytes(rel), rel);
      assert.deepEqual(findings, []);
      assert.deepEqual(byTag(scalars), expected.files[rel].scalars);
    });
  }

  it('reads the same in pieces of any size: a partial record waits for the next push', function () {
    this.timeout(30_000); // 289,518 pushes of one byte, on a shared machine
    const buf = bytes(MAIN);
    for (const sizes of [[1], [7, 13, 4096], [11], [12], [65536]]) {
      const r = new TfEventsReader(MAIN);
      const points = pushInPieces(r, buf, sizes);
      assert.deepEqual(r.end(), []);
      assert.deepEqual(byTag(points), expected.files[MAIN].scalars, `pieces of ${sizes.join(', ')} bytes`);
      assert.equal(r.consumed, buf.length);
    }
  });

  it("does not keep a reference to the caller's chunk (a reused buffer does not change the tail)", () => {
    const buf = bytes(MAIN);
    const r = new TfEventsReader(MAIN);
    const chunk = Buffer.alloc(1000);
    const out: TfScalar[] = [];
    for (let at = 0; at < buf.length; at += 1000) {
      const n = buf.copy(chunk, 0, at, at + 1000);
      out.push(...r.push(chunk.subarray(0, n)));
      chunk.fill(0xaa); // the caller reuses its buffer
    }
    assert.deepEqual(r.end(), []);
    assert.deepEqual(byTag(out), expected.files[MAIN].scalars);
  });

  it('a truncated tail waits for more while the file grows, and is a finding once the file is final', () => {
    const rel = 'damaged/events.out.tfevents.truncated';
    const cut = bytes(rel);
    const damage = expected.files[rel].damage!;
    const r = new TfEventsReader(rel);
    const first = r.push(cut);
    assert.deepEqual(byTag(first), expected.files[rel].scalars);
    assert.deepEqual(r.findings, [], 'no finding while the file may still grow');
    assert.equal(r.consumed, damage.offset);
    assert.equal(r.received, cut.length);
    // The writer finishes the record: reading goes on from where it stopped.
    const rest = r.push(bytes(MAIN).subarray(cut.length));
    assert.deepEqual(byTag([...first, ...rest]), expected.files[MAIN].scalars);
    assert.deepEqual(r.end(), []);
    // Final as it is: one finding, at the record that was cut.
    const final = new TfEventsReader(rel);
    final.push(cut);
    const findings = final.end();
    assert.equal(findings.length, 1);
    assert.deepEqual([findings[0].kind, findings[0].record, findings[0].offset], ['truncated', damage.record, damage.offset]);
    assert.match(findings[0].message, /record 3,624 at byte 289,477/);
  });

  for (const [name, kind] of [
    ['flipped-data', 'data-checksum'],
    ['flipped-length', 'length-checksum'],
  ] as const) {
    it(`reports a bad ${kind} (which record, which byte), goes on past it, and never throws (${name})`, () => {
      const rel = `damaged/events.out.tfevents.${name}`;
      const damage = expected.files[rel].damage!;
      assert.equal(damage.kind, kind);
      const r = new TfEventsReader(rel);
      const points = pushInPieces(r, bytes(rel), [4093]);
      const findings = r.end();
      assert.ok(findings.length >= 1);
      assert.deepEqual([findings[0].kind, findings[0].record, findings[0].offset], [kind, damage.record, damage.offset]);
      assert.ok(findings.every((f) => f.kind === kind));
      // Up to the damage: what EventAccumulator read in the damaged file (it stops there).
      const prefix = expected.files[rel].scalars;
      const count = Object.values(prefix).reduce((n, x) => n + x.length, 0);
      assert.deepEqual(byTag(points.slice(0, count)), prefix);
      // In all: every point of the sound file but the one of the damaged record.
      const all = expected.files[MAIN].scalars;
      const ours = byTag(points);
      const missing = Object.keys(all).flatMap((tag) =>
        all[tag].filter((p) => !ours[tag].some((q) => q[0] === p[0])).map((p) => [tag, p[0]]),
      );
      assert.equal(missing.length, 1, `one point lost: ${JSON.stringify(missing)}`);
      for (const tag of Object.keys(all))
        assert.deepEqual(
          ours[tag],
          all[tag].filter((p) => !(missing[0][0] === tag && missing[0][1] === p[0])),
        );
    });
  }

  it('never throws on damage anywhere: 300 files with random bytes changed, read in random pieces', function () {
    this.timeout(60_000); // on a shared machine
    const buf = bytes('tb-tensors/events.out.tfevents.tb-tensors').subarray(0, 20_000);
    let seed = 7;
    const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let k = 0; k < 300; k++) {
      const b = Buffer.from(buf);
      for (let j = 0; j < 1 + (k % 5); j++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const r = new TfEventsReader('fuzz');
      assert.doesNotThrow(() => {
        pushInPieces(r, b, [1 + Math.floor(rand() * 3000)]);
        r.end();
      });
    }
  });

  it('stops cleanly at a sound header with an impossible length', () => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(1n << 40n);
    // A header whose checksum holds (computed like the writer does), then garbage.
    const head = Buffer.concat([len, Buffer.alloc(4)]);
    head.writeUInt32LE(maskedCrc32c(len), 8);
    const r = new TfEventsReader('x');
    const first = 12 + Number(bytes(MAIN).readBigUInt64LE(0)) + 4; // the file_version record
    assert.deepEqual(r.push(Buffer.concat([bytes(MAIN).subarray(0, first), head, Buffer.alloc(100)])), []);
    assert.equal(r.records, 1);
    assert.equal(r.stopped, true);
    assert.equal(r.findings[0].kind, 'too-large');
    assert.deepEqual(r.push(bytes(MAIN)), []);
  });

  it('gives KubeML metric results (name = tag, value, step, wall time; non-finite values are null)', () => {
    const { scalars } = readTfEvents(bytes(MAIN));
    const m = toMetricResults(scalars).filter((x) => x.name === 'train/loss' && (x.step === 700 || x.step === 0));
    const e = expected.files[MAIN].scalars['train/loss'][0];
    assert.deepEqual(m, [
      { type: 'metric', name: 'train/loss', value: e[1], step: 0, wallTime: e[2], source: 'tensorboard' },
      {
        type: 'metric',
        name: 'train/loss',
        value: null,
        step: 700,
        wallTime: expected.files[MAIN].scalars['train/loss'][700][2],
        source: 'tensorboard',
      },
    ]);
  });
});
