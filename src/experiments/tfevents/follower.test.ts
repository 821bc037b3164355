/**
 * The follower and the exec scripts end to end with a local shell as the "pod" (GNU and BusyBox
 * tools): event files that grow while they are followed, read from the offsets where the last poll
 * stopped; the expected scalars are what TensorBoard's EventAccumulator read in the same files
 * (test/fixtures/tfevents/expected.json).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalShellTransport } from '../../cluster/stream/localShellTransport';
import type { MetricResult } from '../../model/runResults';
import { TensorBoardFollower } from './follower';
import type { TfFinding } from './reader';
import { ExecEventFiles, parseEventListing } from './remote';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tfevents');
type Point = [number, number | null, number];
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  files: Record<string, { scalars: Record<string, Point[]> }>;
};
const MAIN = 'tbx-scalars/events.out.tfevents.tbx-scalars';
const HAS_BUSYBOX = spawnSync('busybox', ['true']).status === 0;

function byTag(metrics: readonly MetricResult[]): Record<string, Point[]> {
  const out: Record<string, Point[]> = {};
  for (const m of metrics) (out[m.name] ??= []).push([m.step!, m.value, m.wallTime!]);
  return out;
}

describe('tfevents follower through exec scripts', function () {
  this.timeout(60_000); // each poll spawns a shell or two, on a shared machine
  let base: string;
  let logdir: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'kubeml-tfev-'));
    logdir = join(base, 'artifacts', 'run-1');
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const flavours: Array<{ name: string; transport: () => LocalShellTransport | undefined }> = [
    { name: 'GNU find, wc and dd', transport: () => new LocalShellTransport() },
    {
      name: HAS_BUSYBOX ? 'BusyBox find, wc, dd, tail and head' : 'BusyBox tools (skipped: busybox is not installed here)',
      transport: () => {
        if (!HAS_BUSYBOX) return undefined;
        const bin = join(base, 'busybox-bin');
        mkdirSync(bin);
        const bb = spawnSync('sh', ['-c', 'command -v busybox']).stdout.toString().trim();
        for (const applet of ['sh', 'find', 'wc', 'dd', 'tail', 'head', 'printf']) symlinkSync(bb, join(bin, applet));
        return new LocalShellTransport({ env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
      },
    },
  ];

  for (const flavour of flavours) {
    describe(flavour.name, () => {
      it('lists the event files under the logdir recursively with their sizes, and none when it is not there yet', async function () {
        const t = flavour.transport();
        if (!t) return this.skip();
        const files = new ExecEventFiles(t, logdir);
        assert.deepEqual(await files.list(), []);
        cpSync(join(FIXTURES, 'tbx-scalars'), join(logdir, 'tb'), { recursive: true });
        writeFileSync(join(logdir, 'model.pkl'), 'x');
        writeFileSync(join(logdir, 'tb', 'eval', 'events.out.tfevents.partial x'), 'abc'); // a name with a space
        const listed = await files.list();
        assert.deepEqual(
          listed.map((f) => [f.path.slice(logdir.length + 1), f.size]),
          [
            ['tb/eval/auc/events.out.tfevents.eval', 552],
            ['tb/eval/events.out.tfevents.partial x', 3],
            ['tb/eval/f1/events.out.tfevents.eval', 552],
            ['tb/events.out.tfevents.tbx-scalars', 289518],
          ],
        );
        const b = await files.read(listed[3].path, 100, 200);
        assert.deepEqual(b, readFileSync(join(FIXTURES, MAIN)).subarray(100, 200));
      });

      it('follows files that grow between polls, from the offset each poll stopped at', async function () {
        const t = flavour.transport();
        if (!t) return this.skip();
        const src = readFileSync(join(FIXTURES, MAIN));
        mkdirSync(logdir, { recursive: true });
        cpSync(join(FIXTURES, 'tbx-scalars', 'eval'), join(logdir, 'eval'), { recursive: true });
        const file = join(logdir, 'events.out.tfevents.tbx-scalars');
        const got = new Map<string, MetricResult[]>();
        const findings: TfFinding[] = [];
        const files = new ExecEventFiles(t, logdir);
        const f = new TensorBoardFollower(files, {
          onMetrics: (m, path) => void got.set(path, [...(got.get(path) ?? []), ...m]),
          onFinding: (x) => findings.push(x),
        });
        // The writer writes in pieces that end in the middle of records.
        const cuts = [0, 5, 1000, 1001, 50_000, 123_457, 200_000, src.length];
        writeFileSync(file, '');
        for (let i = 1; i < cuts.length; i++) {
          appendFileSync(file, src.subarray(cuts[i - 1], cuts[i]));
          await f.poll();
        }
        const before = files.execs;
        assert.equal(await f.poll(), 0, 'nothing new: no read');
        assert.equal(files.execs, before + 1, 'an idle poll is one exec (the listing)');
        assert.deepEqual(await f.finish(), []);
        assert.deepEqual(findings, []);
        assert.deepEqual(byTag(got.get(file)!), expected.files[MAIN].scalars);
        assert.deepEqual(
          byTag(got.get(join(logdir, 'eval', 'auc', 'events.out.tfevents.eval'))!),
          expected.files['tbx-scalars/eval/auc/events.out.tfevents.eval'].scalars,
        );
        assert.ok(got.get(file)!.every((m) => m.source === 'tensorboard'));
      });

      it('reports a record cut short once the run is over; a later follower resumes at the offsets of an earlier one', async function () {
        const t = flavour.transport();
        if (!t) return this.skip();
        mkdirSync(logdir, { recursive: true });
        const file = join(logdir, 'events.out.tfevents.truncated');
        const src = readFileSync(join(FIXTURES, MAIN));
        writeFileSync(file, src.subarray(0, 150_000));
        const first: MetricResult[] = [];
        const a = new TensorBoardFollower(new ExecEventFiles(t, logdir), { onMetrics: (m) => void first.push(...m) });
        await a.poll();
        const offsets = a.offsets();
        assert.ok(offsets[file] > 0 && offsets[file] < 150_000);
        appendFileSync(file, src.subarray(150_000, src.length - 7)); // the writer stopped 7 bytes short of the end
        const second: MetricResult[] = [];
        const b = new TensorBoardFollower(new ExecEventFiles(t, logdir), {
          resume: offsets,
          maxReadBytes: 10_000,
          onMetrics: (m) => void second.push(...m),
        });
        const findings = await b.finish();
        assert.deepEqual(
          findings.map((x) => [x.kind, x.offset]),
          [['truncated', 289_477]],
        );
        assert.deepEqual(byTag([...first, ...second]), expected.files['damaged/events.out.tfevents.truncated'].scalars);
      });

      it('reads a file written anew (it shrank) again from its start, and says so', async function () {
        const t = flavour.transport();
        if (!t) return this.skip();
        mkdirSync(logdir, { recursive: true });
        const file = join(logdir, 'events.out.tfevents.x');
        const src = readFileSync(join(FIXTURES, MAIN));
        writeFileSync(file, src.subarray(0, 100_000));
        const got: MetricResult[] = [];
        const findings: TfFinding[] = [];
        const f = new TensorBoardFollower(new ExecEventFiles(t, logdir), {
          onMetrics: (m) => void got.push(...m),
          onFinding: (x) => findings.push(x),
        });
        await f.poll();
        writeFileSync(file, src.subarray(0, 50_000));
        got.length = 0;
        await f.finish();
        assert.equal(findings[0].kind, 'truncated');
        assert.match(findings[0].message, /shrank from .* to 50000 bytes/);
        const want = new TensorBoardFollower(new ExecEventFiles(t, logdir), { onMetrics: () => undefined });
        await want.finish();
        assert.equal(got.length, want.points);
      });
    });
  }

  it('parses listings: sizes with leading spaces (BusyBox wc), only event files, sorted', () => {
    assert.deepEqual(parseEventListing('   12 /a/b/events.out.tfevents.2\n3 /a/events.out.tfevents.1\n5 /a/notes.txt\nbroken\n'), [
      { path: '/a/b/events.out.tfevents.2', size: 12 },
      { path: '/a/events.out.tfevents.1', size: 3 },
    ]);
  });

  it('refuses a logdir that is not an absolute folder', () => {
    assert.throws(() => new ExecEventFiles(new LocalShellTransport(), 'relative/dir'), /not an absolute folder/);
  });
});
