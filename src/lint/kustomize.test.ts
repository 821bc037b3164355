import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IncrementalLinter } from './engine';
import { classifyFile, lintByKind } from './fileKind';
import { KUSTOMIZE_FIELDS } from './kustomizeFields';
import { isKustomizationName } from './kustomize';
import { bundledValidator } from './schema/bundled';
import { lint, y } from './testUtil';

const UP = join(__dirname, '..', '..', 'test', 'fixtures', 'lint', 'upstream');
const TRAINER = join(UP, 'kustomize-kubeflow-trainer', 'manifests');
const GPU = join(UP, 'kustomize-gpu-operator', 'config');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

/** Lints a file by its kind, as the CLI and the editor do. */
function lintFile(path: string) {
  const text = readFileSync(path, 'utf8');
  return lintByKind(new IncrementalLinter(), classifyFile(path, text), text, { bundledSchema: bundledValidator() }).findings;
}

describe('kustomize (kustomize.ts)', () => {
  it('the field list comes from kustomize: patches, resources, images, components, replacements are known', () => {
    for (const f of [
      'resources',
      'patches',
      'patchesStrategicMerge',
      'patchesJson6902',
      'images',
      'components',
      'replacements',
      'namespace',
    ])
      assert.ok(f in KUSTOMIZE_FIELDS.Kustomization!, f);
    assert.deepEqual(Object.keys(KUSTOMIZE_FIELDS.Patch!).sort(), ['options', 'patch', 'path', 'target']);
  });

  it('every real kustomization (kubeflow trainer, GPU operator) is clean, with or without apiVersion/kind', () => {
    const ks = [...files(TRAINER), ...files(GPU)].filter(isKustomizationName);
    assert.equal(ks.length, 11);
    for (const k of ks) {
      assert.equal(classifyFile(k, undefined).kind, 'kustomization', k);
      assert.deepEqual(
        lintFile(k).map((f) => `${f.ruleId}: ${f.message}`),
        [],
        k,
      );
    }
  });

  it('a Kustomization or Component is not an unknown kind, also in a file of another name', () => {
    const text = y('apiVersion: kustomize.config.k8s.io/v1alpha1', 'kind: Component', 'resources: [a.yaml]');
    assert.deepEqual(lint(text), []);
    assert.deepEqual(lint(readFileSync(join(TRAINER, 'overlays', 'runtimes', 'kustomization.yaml'), 'utf8')), []);
  });

  it('reports unknown fields (with the near one) and wrong types', () => {
    const text = y(
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resource: [a.yaml]',
      'namespace: [x]',
      'images:',
      '  - name: app',
      '    newTags: v1',
      'patches:',
      '  - path: p.yaml',
      '    target: {kind: Deployment, nam: x}',
    );
    const r = lint(text, { kustomization: true }).map((h) => `${h.rule}@${h.line} ${h.text}`);
    assert.deepEqual(r, ['unknown-field@3 resource', 'schema@4 [', 'unknown-field@7 newTags', 'unknown-field@10 nam']);
    assert.match(lint(text, { kustomization: true })[0]!.message, /did you mean "resources"/);
  });

  it('patch files are classified by the kustomization that names them, also when the entry is commented out', () => {
    assert.equal(classifyFile(join(GPU, 'default', 'manager_auth_proxy_patch.yaml'), undefined).kind, 'kustomize-patch');
    // Commented out under patchesStrategicMerge in config/default (kubebuilder's scaffold).
    assert.equal(classifyFile(join(GPU, 'default', 'manager_config_patch.yaml'), undefined).kind, 'kustomize-patch');
    assert.equal(classifyFile(join(GPU, 'crd', 'patches', 'webhook_in_clusterpolicies.yaml'), undefined).kind, 'kustomize-patch');
    assert.equal(
      classifyFile(join(TRAINER, 'overlays', 'kubeflow-platform', 'patches', 'remove-namespace.yaml'), undefined).kind,
      'kustomize-patch',
    );
    assert.equal(classifyFile(join(TRAINER, 'base', 'webhook', 'patch.yaml'), undefined).kind, 'kustomize-patch');
    assert.equal(classifyFile(join(TRAINER, 'base', 'manager', 'manager.yaml'), undefined).kind, 'manifest');
  });

  it('real patches as whole objects get false findings; as partial objects none', () => {
    const patches = [
      join(GPU, 'default', 'manager_auth_proxy_patch.yaml'), // a Deployment without selector
      join(GPU, 'default', 'manager_config_patch.yaml'),
      join(GPU, 'crd', 'patches', 'webhook_in_clusterpolicies.yaml'), // a CRD without names, scope, versions
      join(GPU, 'crd', 'patches', 'cainjection_in_nvidiadrivers.yaml'),
      join(TRAINER, 'overlays', 'kubeflow-platform', 'patches', 'remove-namespace.yaml'), // $patch: delete
      join(TRAINER, 'third-party', 'jobset', 'patches', 'jobset_remove_namespace.yaml'),
      join(TRAINER, 'base', 'webhook', 'patch.yaml'), // JSON6902 operations under patches[].path
    ];
    const whole = patches.flatMap((p) => lint(readFileSync(p, 'utf8')).map((h) => `${h.rule}: ${h.message}`));
    assert.ok(
      whole.some((m) => /Missing required field "selector"/.test(m)),
      whole.join('\n'),
    );
    assert.ok(
      whole.some((m) => /Missing required field "names"/.test(m)),
      whole.join('\n'),
    );
    assert.ok(
      whole.some((m) => /\$patch/.test(m)),
      whole.join('\n'),
    );
    for (const p of patches)
      assert.deepEqual(
        lintFile(p).map((f) => `${f.ruleId}: ${f.message}`),
        [],
        p,
      );
  });

  it('a file a configMapGenerator puts in a ConfigMap is data, not an object', () => {
    const p = join(GPU, 'manager', 'controller_manager_config.yaml');
    // It looks like an object (controller-runtime's ControllerManagerConfig, a group KubeML has no
    // schema for, so offline no finding either way); what matters is that it is classified as data.
    assert.match(readFileSync(p, 'utf8'), /^kind: ControllerManagerConfig/m);
    assert.equal(classifyFile(p, undefined).kind, 'kustomize-data');
    assert.deepEqual(lintFile(p), []);
  });

  it('a partial object still gets its field names, types and written values checked', () => {
    const text = y(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: app}',
      'spec:',
      '  replica: 2',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: app',
      '          image: app:latest',
      '          ports: [{containerPort: "http"}]',
    );
    const r = lint(text, { partial: true }).map((h) => `${h.rule}@${h.line}`);
    assert.deepEqual(r, ['unknown-field@5', 'latest-tag@10', 'schema@11']);
  });
});
