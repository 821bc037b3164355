import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IncrementalLinter, lintText } from './engine';
import { bundledValidator } from './schema/bundled';
import { primeInSlices, SLICE_MIN_CHARS } from './sliced';

/** A big file of real documents: the upstream CRD excerpts and samples, repeated with distinct names. */
function bigText(): string {
  const dir = join(__dirname, '..', '..', 'test', 'fixtures', 'lint', 'upstream');
  const docs = [
    'pods-crd/clustertrainingruntimes-head.yaml',
    'pods-trainer/torch_distributed.yaml',
    'pods-kuberay/ray-cluster.sample.yaml',
  ].map((f) => readFileSync(join(dir, f), 'utf8').replace(/^---\n/, ''));
  const out: string[] = [];
  for (let i = 0; out.join('---\n').length <= 2 * SLICE_MIN_CHARS; i++)
    out.push(...docs.map((d) => d.replace(/^( {2}name: \S+)$/m, `$1-${i}`)));
  return out.join('---\n');
}

describe('lint: a big file parsed in slices (the editor)', () => {
  const config = { bundledSchema: bundledValidator() };
  const text = bigText();
  const documents = text.split(/^---$/m).length;

  it('parses one document per turn of the event loop; the lint that follows parses nothing and finds what lintText finds', async () => {
    const linter = new IncrementalLinter();
    let pauses = 0;
    const done = await primeInSlices(linter, text, {
      maxFileBytes: 5 * 1024 * 1024,
      budgetMs: 3000,
      stale: () => false,
      pause: async () => {
        pauses++;
      },
    });
    assert.equal(done, true);
    assert.equal(pauses, documents);
    const r = linter.lint(text, config);
    assert.equal(r.reparsed, 0);
    assert.deepEqual(r.findings, lintText(text, config).findings);
  });

  it('stops when the text goes stale, keeping what it parsed', async () => {
    const linter = new IncrementalLinter();
    let pauses = 0;
    const done = await primeInSlices(linter, text, {
      maxFileBytes: 5 * 1024 * 1024,
      budgetMs: 3000,
      stale: () => pauses >= 2,
      pause: async () => {
        pauses++;
      },
    });
    assert.equal(done, false);
    assert.equal(pauses, 2);
    assert.equal(linter.lint(text, config).reparsed, documents - 2);
  });

  it('leaves small, too large and binary texts to lint() (no pause)', async () => {
    for (const [t, max] of [
      ['apiVersion: v1\nkind: Pod\n', 5 * 1024 * 1024],
      [text, 1024],
      ['\u0000'.repeat(2 * SLICE_MIN_CHARS), 5 * 1024 * 1024],
    ] as const) {
      let pauses = 0;
      await primeInSlices(new IncrementalLinter(), t, {
        maxFileBytes: max,
        budgetMs: 3000,
        stale: () => false,
        pause: async () => void pauses++,
      });
      assert.equal(pauses, 0);
    }
  });

  it('really yields to the event loop by default: a timer runs while the file is parsed', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await primeInSlices(new IncrementalLinter(), text, { maxFileBytes: 5 * 1024 * 1024, budgetMs: 3000, stale: () => false });
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks > 0);
  });
});
