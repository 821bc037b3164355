import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { lintMain } from '../../src/cli/lint';

const ROOT = join(__dirname, '..', '..'); // the repository
const UP = join(ROOT, 'test', 'fixtures', 'lint', 'upstream');
const CHART = join(UP, 'helm-gpu-operator', 'gpu-operator');
const TRAINER = join(UP, 'kustomize-kubeflow-trainer', 'manifests');

interface JsonFinding {
  file: string;
  line: number;
  column: number;
  ruleId: string;
  severity: string;
  message: string;
}

async function run(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; findings: JsonFinding[]; err: string }> {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(env)) [saved[k], process.env[k]] = [process.env[k], env[k]];
  for (const k of Object.keys(env)) if (env[k] === undefined) delete process.env[k];
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  try {
    const code = await lintMain(['--format', 'json', ...args], out, err);
    return { code, findings: (JSON.parse(o) as { findings: JsonFinding[] }).findings, err: e };
  } finally {
    for (const k of Object.keys(saved)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

/**
 * The tool built from its Go module by scripts/go-tool.sh, or why it could not be built. `npm test`
 * builds helm and kustomize while the earlier layers run and passes their paths (KUBEML_HELM,
 * KUBEML_KUSTOMIZE); run alone, this builds them (cached by version; minutes the first time).
 */
function goTool(name: 'helm' | 'kustomize'): { path: string } | { why: string } {
  const given = process.env[name === 'helm' ? 'KUBEML_HELM' : 'KUBEML_KUSTOMIZE'];
  if (given && existsSync(given)) return { path: given };
  try {
    const path = execFileSync('bash', [join(ROOT, 'scripts', 'go-tool.sh'), name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    return { path };
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? e);
    return { why: stderr.trim().split('\n').slice(-2).join(' ') };
  }
}

const kustomizeBinary = () => goTool('kustomize');

/** PATH without helm, kustomize or kubectl: only the named tool renders. */
const BARE_PATH = '/nonexistent';

describe('kubeml lint renders charts and kustomizations (render.ts)', function () {
  this.timeout(15 * 60 * 1000);

  describe('with the real helm (scripts/go-tool.sh helm)', () => {
    let helm: { path: string } | { why: string };
    before(function () {
      helm = goTool('helm');
      if ('why' in helm) {
        this.test!.parent!.title += ` — SKIPPED: helm could not be built: ${helm.why}`;
        this.skip();
      }
    });

    it('renders the GPU operator chart and places every finding in an existing template, on a line that exists', async () => {
      const r = await run([CHART], { KUBEML_HELM: (helm as { path: string }).path, PATH: BARE_PATH });
      assert.ok(r.findings.length > 0, r.err);
      assert.deepEqual(
        r.findings.filter((f) => f.ruleId === 'yaml-syntax' || f.ruleId === 'helm-template'),
        [],
      );
      for (const f of r.findings) {
        assert.ok(existsSync(f.file), `${f.file} does not exist`);
        assert.match(relative(CHART, f.file), /^(charts\/[^/]+\/)?templates\//, f.file);
        const lines = readFileSync(f.file, 'utf8').split('\n');
        assert.ok(f.line >= 1 && f.line <= lines.length, `${f.file}:${f.line}`);
        assert.match(f.message, /\(helm template /);
      }
      // The worker DaemonSet mounts the node's /boot (the subchart's values): found on that template's line.
      const boot = r.findings.find((f) => f.ruleId === 'sensitive-host-mounts' && /\/boot/.test(f.message));
      assert.ok(boot, JSON.stringify(r.findings.map((f) => f.message)));
      assert.match(boot.file, /node-feature-discovery\/templates\/worker\.yaml$/);
      assert.equal(readFileSync(boot.file, 'utf8').split('\n')[boot.line - 1]!.trim(), 'path: "/boot"');
      // A container's finding is on its "- name:" under containers, not on metadata's "name:" that reads the same.
      const root = r.findings.find((f) => f.ruleId === 'run-as-non-root' && f.file.endsWith('templates/operator.yaml'));
      assert.ok(root);
      const lines = readFileSync(root.file, 'utf8').split('\n');
      assert.equal(lines[root.line - 1]!.trim(), '- name: gpu-operator');
      assert.match(
        lines
          .slice(0, root.line - 1)
          .reverse()
          .find((l) => /^\s+\w+:\s*$/.test(l)) ?? '',
        /containers:/,
      );
    });

    it('a template named alone renders its chart too; Chart.yaml and values.yaml named alone are not objects', async () => {
      const template = join(CHART, 'charts', 'node-feature-discovery', 'templates', 'worker.yaml');
      const r = await run([template, join(CHART, 'Chart.yaml'), join(CHART, 'values.yaml')], {
        KUBEML_HELM: (helm as { path: string }).path,
        PATH: BARE_PATH,
      });
      assert.ok(r.findings.length > 0);
      for (const f of r.findings) assert.match(f.message, /\(helm template /, `${f.file}: ${f.message}`);
    });
  });

  it('without helm, the templates are linted masked: no yaml-syntax, one helm-template info per template', async () => {
    const r = await run([CHART], { KUBEML_HELM: undefined, PATH: BARE_PATH });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      r.findings.filter((f) => f.ruleId === 'yaml-syntax'),
      [],
    );
    const infos = r.findings.filter((f) => f.ruleId === 'helm-template');
    assert.equal(infos.length, 30);
    assert.equal(new Set(infos.map((f) => f.file)).size, 30);
  });

  it('when helm fails on the chart, its templates are linted masked and the info finding and stderr say why', async () => {
    const r = await run([join(CHART, 'templates')], { KUBEML_HELM: '/bin/false', PATH: BARE_PATH });
    assert.match(r.err, /\/bin\/false template .* failed \(exit 1\)/);
    const infos = r.findings.filter((f) => f.ruleId === 'helm-template');
    assert.equal(infos.length, 15); // the yaml files of templates/ (not _helpers.tpl)
    for (const f of infos) assert.match(f.message, /helm could not render the chart: \/bin\/false template/);
    assert.deepEqual(
      r.findings.filter((f) => f.ruleId === 'yaml-syntax'),
      [],
    );
  });

  describe('with the real kustomize (scripts/go-tool.sh kustomize)', () => {
    let kustomize: { path: string } | { why: string };
    let dir: string;
    before(function () {
      kustomize = kustomizeBinary();
      if ('why' in kustomize) {
        this.test!.parent!.title += ` — SKIPPED: kustomize could not be built: ${kustomize.why}`;
        this.skip();
      }
      // An overlay of the real base: kustomize's images transformer pins the tag that the base leaves out.
      dir = mkdtempSync(join(tmpdir(), 'kubeml-kustomize-'));
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'namePrefix: team-',
          'resources:',
          `  - ${relative(dir, join(TRAINER, 'base', 'manager'))}`,
          'images:',
          '  - name: ghcr.io/kubeflow/trainer/trainer-controller-manager',
          '    newTag: v2.0.0',
          '',
        ].join('\n'),
      );
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    it('renders the real base and places findings in its resource file by kind and name', async () => {
      const r = await run([join(TRAINER, 'base', 'manager')], { KUBEML_KUSTOMIZE: (kustomize as { path: string }).path, PATH: BARE_PATH });
      const manager = join(TRAINER, 'base', 'manager', 'manager.yaml');
      assert.ok(r.findings.length > 0, r.err);
      for (const f of r.findings) {
        assert.equal(f.file, manager);
        assert.match(f.message, /\(kustomize build .*: Deployment\/kubeflow-trainer-controller-manager\)/);
      }
      const latest = r.findings.find((f) => f.ruleId === 'latest-tag');
      assert.ok(latest);
      assert.equal(
        readFileSync(manager, 'utf8').split('\n')[latest.line - 1]!.trim(),
        'image: ghcr.io/kubeflow/trainer/trainer-controller-manager',
      );
    });

    it('an overlay is linted as kustomize builds it: its pinned image tag, findings back in the base file (namePrefix stripped)', async () => {
      const r = await run([dir], { KUBEML_KUSTOMIZE: (kustomize as { path: string }).path, PATH: BARE_PATH });
      const manager = join(TRAINER, 'base', 'manager', 'manager.yaml');
      assert.ok(r.findings.length > 0, r.err);
      assert.equal(
        r.findings.find((f) => f.ruleId === 'latest-tag'),
        undefined,
      );
      for (const f of r.findings) {
        assert.equal(f.file, relative(process.cwd(), manager));
        assert.match(f.message, /Deployment\/team-kubeflow-trainer-controller-manager\)/);
      }
    });
  });

  it('kubeml.yaml (the sample, kind: Job inside) is clean on the command line', async () => {
    const r = await run([join(ROOT, 'samples', 'kubeml.yaml')], {});
    assert.equal(r.code, 0);
    assert.deepEqual(r.findings, []);
  });
});
