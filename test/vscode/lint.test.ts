import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';

/** Waits until `probe` returns a value (not undefined / false), polling; fails with `what` after `ms`. */
async function until<T>(what: string, probe: () => T | undefined | false, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'kubeml');
const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

/** A GPU Job whose container requests a GPU and sets no GPU limit (shared with test/e2e/quickfix.e2e.mjs). */
const GPU_JOB = readFileSync(
  join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'lint', 'gpu-job-no-limit.yaml'),
  'utf8',
);
/** The same Job with its GPU limit: no findings at all. */
const GPU_JOB_OK = GPU_JOB + '              nvidia.com/gpu: 1\n';

describe('KubeML manifest diagnostics', () => {
  let api: KubeMLApi;
  let folder: vscode.Uri;

  before(async () => {
    api = await vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID)!.activate();
    await api.ready;
    folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'lint-suite');
    await vscode.workspace.fs.createDirectory(folder);
  });

  async function open(name: string, text: string): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.joinPath(folder, name);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc);
  }

  it('a GPU Job without a GPU limit gets a gpu-limits error on the request key', async () => {
    const editor = await open('gpu-job.yaml', GPU_JOB);
    const diag = await until('the gpu-limits diagnostic', () => ours(editor.document.uri).find((d) => codeOf(d) === 'gpu-limits'));
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diag.range.start.line, 21);
    assert.equal(editor.document.getText(diag.range), 'nvidia.com/gpu');
    assert.deepEqual(ours(editor.document.uri).map(codeOf), ['gpu-limits']);
  });

  it('the quick fix adds the limit and the diagnostic goes away', async () => {
    const editor = await open('gpu-job-fix.yaml', GPU_JOB);
    const diag = await until('the gpu-limits diagnostic', () => ours(editor.document.uri).find((d) => codeOf(d) === 'gpu-limits'));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      editor.document.uri,
      diag.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => a.title === 'Set the nvidia.com/gpu limit to 1');
    assert.ok(fix?.edit, `quick fixes offered: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(actions.some((a) => a.title === 'Disable gpu-limits for this file'));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    await until('the diagnostics to clear', () => ours(editor.document.uri).length === 0);
    const limits = editor.document.getText().split('limits:')[1]!;
    assert.match(limits, /nvidia\.com\/gpu: 1/);
  });

  it('multi-document files: each document is checked, findings land on their own lines', async () => {
    const second = GPU_JOB_OK.replace('name: train', 'name: train-2').replace(
      'image: ghcr.io/acme/train:1.0.0',
      'image: ghcr.io/acme/train:latest',
    );
    const editor = await open('two-docs.yaml', GPU_JOB_OK + '---\n' + second);
    const latest = await until('latest-tag on the second document', () =>
      ours(editor.document.uri).find((d) => codeOf(d) === 'latest-tag'),
    );
    const secondStart = editor.document.getText().split('\n').indexOf('---') + 1;
    assert.equal(latest.range.start.line, secondStart + 15);
    assert.equal(editor.document.getText(latest.range), 'ghcr.io/acme/train:latest');
  });

  it('a suppression comment, then the kubeml.lint.rules setting, turn a rule off', async () => {
    const text = GPU_JOB.replace(
      '              nvidia.com/gpu: 1\n',
      '              nvidia.com/gpu: 1 # kubeml-lint-disable-line gpu-limits\n',
    );
    const editor = await open('suppressed.yaml', text.replace('ghcr.io/acme/train:1.0.0', 'ghcr.io/acme/train'));
    await until('latest-tag', () => ours(editor.document.uri).some((d) => codeOf(d) === 'latest-tag'));
    assert.ok(!ours(editor.document.uri).some((d) => codeOf(d) === 'gpu-limits'));
    const config = vscode.workspace.getConfiguration('kubeml.lint');
    await config.update('rules', { 'latest-tag': 'off' }, vscode.ConfigurationTarget.Workspace);
    try {
      await until('latest-tag to be turned off', () => !ours(editor.document.uri).some((d) => codeOf(d) === 'latest-tag'));
    } finally {
      await config.update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('edits are re-linted after the debounce', async () => {
    const editor = await open('edit.yaml', GPU_JOB_OK);
    await until('the first analysis', () => api.lint.diagnostics.collection.has(editor.document.uri));
    assert.deepEqual(ours(editor.document.uri).map(codeOf), []);
    await editor.edit((b) => b.replace(editor.document.lineAt(9).range, '      restartPolicy: Always'));
    const d = await until('job-restart-policy', () => ours(editor.document.uri).find((x) => codeOf(x) === 'job-restart-policy'));
    assert.equal(d.range.start.line, 9);
  });

  it("a newcomer's GPU Job shows what matters and one hardening information; its quick fix shows the rest for this workspace", async () => {
    const text = [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata:',
      '  name: train',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: train',
      '          image: pytorch/pytorch:latest',
      '          command: ["python", "train.py"]',
      '          resources:',
      '            limits:',
      '              nvidia.com/gpu: 1',
      '      restartPolicy: Never',
      '',
    ].join('\n');
    const editor = await open('newcomer.yaml', text);
    const hint = await until('the hardening information', () => ours(editor.document.uri).find((d) => codeOf(d) === 'hardening'));
    assert.equal(hint.severity, vscode.DiagnosticSeverity.Information);
    assert.match(hint.message, /^9 hardening suggestions folded/);
    assert.deepEqual(ours(editor.document.uri).map(codeOf).sort(), [
      'gpu-node-selector',
      'gpu-toleration',
      'hardening',
      'latest-tag',
      'shm-size',
    ]);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      editor.document.uri,
      hint.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const show = actions.find((a) => a.title === 'Show the hardening suggestions in this workspace');
    assert.ok(show?.command, `quick fixes offered: ${actions.map((a) => a.title).join(', ')}`);
    try {
      await vscode.commands.executeCommand(show.command.command, ...(show.command.arguments ?? []));
      assert.equal(vscode.workspace.getConfiguration('kubeml.lint').inspect('hardening')?.workspaceValue, 'show');
      await until('every suggestion shown', () => ours(editor.document.uri).length === 13);
      assert.ok(!ours(editor.document.uri).some((d) => codeOf(d) === 'hardening'));
    } finally {
      await vscode.workspace.getConfiguration('kubeml.lint').update('hardening', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await until('folded again', () => ours(editor.document.uri).some((d) => codeOf(d) === 'hardening'));
  });

  it('kubeml.yaml gets the run spec checks on the fields they name', async () => {
    const editor = await open('kubeml.yaml', 'name: demo\nimage: python:3.12\ncommand: [python3, train.py]\nresources: {gpus: -1}\n');
    const d = await until('a kubeml-spec diagnostic', () => ours(editor.document.uri).find((x) => codeOf(x) === 'kubeml-spec'));
    assert.equal(editor.document.getText(d.range), '-1');
  });

  it('the sample kubeml.yaml (kind: Job inside) gets no diagnostic: only its own schema applies', async () => {
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'kubeml.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.match(doc.getText(), /^kind: Job$/m);
    assert.deepEqual(
      api.lint.diagnostics.analyze(doc).map((f) => `${f.ruleId}: ${f.message}`),
      [],
    );
  });

  it('a Helm template is linted masked: one helm-template info, never yaml-syntax', async () => {
    await vscode.workspace.fs.writeFile(
      vscode.Uri.joinPath(folder, 'chart', 'Chart.yaml'),
      Buffer.from('apiVersion: v2\nname: c\nversion: 0.1.0\n'),
    );
    const editor = await open(
      'chart/templates/deploy.yaml',
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: {{ include "c.fullname" . }}',
        '  labels:',
        '    {{- include "c.labels" . | nindent 4 }}',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: app',
        '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
        '          securityContext:',
        '            privileged: true',
        '',
      ].join('\n'),
    );
    const rules = api.lint.diagnostics.analyze(editor.document).map((f) => `${f.ruleId}@${f.startPos.line + 1}`);
    assert.deepEqual(rules.sort(), ['helm-template@1', 'privileged-container@14']);
  });

  it('a kustomize patch is a part of an object: no missing selector or containers', async () => {
    await vscode.workspace.fs.writeFile(
      vscode.Uri.joinPath(folder, 'overlay', 'kustomization.yaml'),
      Buffer.from('resources: [../base]\npatches:\n  - path: replicas.yaml\n'),
    );
    const editor = await open(
      'overlay/replicas.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 3\n',
    );
    assert.deepEqual(
      api.lint.diagnostics.analyze(editor.document).map((f) => `${f.ruleId}: ${f.message}`),
      [],
    );
  });

  it('the KubeML: Job with GPU snippet expands to a manifest with zero findings', async () => {
    const editor = await open('snippet.yaml', '');
    assert.equal(editor.document.languageId, 'yaml');
    await vscode.commands.executeCommand('editor.action.insertSnippet', { langId: 'yaml', name: 'KubeML: Job with GPU' });
    await until('the snippet text', () => editor.document.getText().includes('kind: Job'));
    await until(
      'an analysis of the expanded snippet',
      () => api.lint.diagnostics.collection.has(editor.document.uri) || ours(editor.document.uri).length === 0,
    );
    // Give the debounced analysis time to run on the final text, then insist on zero findings.
    await new Promise((r) => setTimeout(r, 800));
    assert.deepEqual(
      api.lint.diagnostics.analyze(editor.document).map((f) => `${f.ruleId}: ${f.message}`),
      [],
    );
    assert.deepEqual(
      ours(editor.document.uri).map((d) => `${codeOf(d)}: ${d.message}`),
      [],
    );
  });

  it('Validate Against Cluster maps the API server rejection to the field (skipped when no cluster is connected)', async function () {
    if (api.connection.state.kind !== 'connected') this.skip();
    this.timeout(60000);
    const editor = await open('dry-run.yaml', GPU_JOB_OK.replace('restartPolicy: Never', 'restartPolicy: Always'));
    const result = await api.lint.commands.validate(editor.document.uri);
    assert.ok(result, 'the dry run did not run');
    const diag = await until('a kubeml-cluster diagnostic', () =>
      vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.source === 'kubeml-cluster'),
    );
    assert.equal(editor.document.getText(diag.range), 'Always');
    assert.match(diag.message, /restartPolicy/);
  });

  it("checks built-in kinds against the connected cluster's own /openapi/v3 (skipped when no cluster is connected)", async function () {
    if (api.connection.state.kind !== 'connected') this.skip();
    this.timeout(60000);
    // coordination.k8s.io/v1 Lease: served by the cluster, left out of the bundled schema's kinds,
    // so only the cluster's document for that group-version can find the misspelt field.
    const editor = await open(
      'lease.yaml',
      [
        'apiVersion: coordination.k8s.io/v1',
        'kind: Lease',
        'metadata:',
        '  name: trainer-leader',
        'spec:',
        '  holderIdentiy: trainer-0',
        '',
      ].join('\n'),
    );
    const diag = await until(
      'an unknown-field diagnostic from the cluster schema',
      () => ours(editor.document.uri).find((d) => codeOf(d) === 'unknown-field'),
      30000,
    );
    assert.equal(editor.document.getText(diag.range), 'holderIdentiy');
    assert.match(diag.message, /did you mean "holderIdentity"/);
    assert.ok(api.lint.diagnostics.cluster.clusterSchema(true)?.loadedGroupVersions().includes('apis/coordination.k8s.io/v1'));
  });

  it('Validate Against Cluster says what to do when not connected (skipped when a cluster is connected)', async function () {
    if (api.connection.state.kind === 'connected') this.skip();
    const editor = await open('no-cluster.yaml', GPU_JOB);
    const result = await api.lint.commands.validate(editor.document.uri);
    assert.equal(result, undefined);
  });
});
