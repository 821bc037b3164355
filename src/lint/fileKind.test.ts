import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IncrementalLinter } from './engine';
import { classifyFile, lintByKind, type FsProbe } from './fileKind';
import { bundledValidator } from './schema/bundled';
import { lint } from './testUtil';

const ROOT = join(__dirname, '..', '..');
const CHART = join(ROOT, 'test', 'fixtures', 'lint', 'upstream', 'helm-gpu-operator', 'gpu-operator');

/** A file system of the given files (path -> text). */
function fakeFs(files: Record<string, string>): FsProbe {
  return { isFile: (p) => p in files, read: (p) => files[p] };
}

describe('what a file is (fileKind.ts)', () => {
  it('kubeml.yaml, chart metadata, kustomizations and templates by path', () => {
    const fs = fakeFs({ '/c/Chart.yaml': 'apiVersion: v2\nname: c\n' });
    assert.equal(classifyFile('/w/kubeml.yaml', 'kind: Job\n', fs).kind, 'kubeml-spec');
    for (const n of ['Chart.yaml', 'values.yaml', 'values.schema.json', 'requirements.yaml', 'Chart.lock'])
      assert.equal(classifyFile(`/c/${n}`, undefined, fs).kind, 'chart-meta', n);
    for (const n of ['kustomization.yaml', 'kustomization.yml', 'Kustomization'])
      assert.equal(classifyFile(`/k/${n}`, '', fs).kind, 'kustomization', n);
    assert.deepEqual(classifyFile('/c/templates/deploy.yaml', 'kind: Deployment\n', fs), { kind: 'helm-template', chart: '/c' });
    assert.deepEqual(classifyFile('/c/templates/sub/x.yaml', '', fs), { kind: 'helm-template', chart: '/c' });
    // templates/ without a Chart.yaml above is not a chart; a file with Helm actions is a template anywhere.
    assert.equal(classifyFile('/other/templates/x.yaml', 'kind: Pod\n', fs).kind, 'manifest');
    assert.deepEqual(classifyFile('/other/x.yaml', 'metadata:\n  name: {{ .Release.Name }}\n', fs), { kind: 'helm-template' });
    assert.equal(classifyFile('/other/wf.yaml', 'kind: Workflow\nargs: ["{{inputs.parameters.m}}"]\n', fs).kind, 'manifest');
  });

  it("the real chart's Chart.yaml and values.yaml are not linted as objects, also when named", () => {
    for (const n of ['Chart.yaml', 'values.yaml', 'Chart.lock']) {
      const p = join(CHART, n);
      const text = readFileSync(p, 'utf8');
      const c = classifyFile(p, text);
      assert.equal(c.kind, 'chart-meta');
      assert.deepEqual(lintByKind(new IncrementalLinter(), c, text, { bundledSchema: bundledValidator() }).findings, [], n);
    }
    // As a manifest, Chart.yaml (apiVersion: v2, no kind) was a schema error.
    assert.match(lint(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'))[0]?.message ?? '', /needs both apiVersion and kind/);
  });

  it('the sample kubeml.yaml (kind: Job inside) gets only its own schema: no finding', () => {
    const p = join(ROOT, 'samples', 'kubeml.yaml');
    const text = readFileSync(p, 'utf8');
    assert.match(text, /^kind: Job$/m);
    const c = classifyFile(p, text);
    assert.equal(c.kind, 'kubeml-spec');
    assert.deepEqual(lintByKind(new IncrementalLinter(), c, text, { bundledSchema: bundledValidator() }).findings, []);
    // The engine's kubemlSpec setting alone (what the editor passes) gives no manifest finding either.
    assert.deepEqual(lint(text, { kubemlSpec: true }), []);
  });

  it('kubeml.yaml still gets its own schema findings, and no manifest rule', () => {
    const text = 'name: x\nimage: busybox\nkind: Job\ncommand: run\nresources: {cpu: 1}\nbogus: 1\n';
    const hits = lint(text, { kubemlSpec: true });
    assert.ok(hits.length > 0);
    assert.ok(
      hits.every((h) => h.rule === 'kubeml-spec'),
      hits.map((h) => h.rule).join(','),
    );
  });
});
