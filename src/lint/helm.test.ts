import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IncrementalLinter, lintText } from './engine';
import { classifyFile } from './fileKind';
import { hasTemplateActions, lintTemplate, maskTemplate } from './helm';
import { bundledValidator } from './schema/bundled';
import { y } from './testUtil';

const CHART = join(__dirname, '..', '..', 'test', 'fixtures', 'lint', 'upstream', 'helm-gpu-operator', 'gpu-operator');

function templatesOf(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...templatesOf(p));
    else if (/\.ya?ml$/.test(e) && p.includes('/templates/')) out.push(p);
  }
  return out;
}

describe('Helm templates without helm (helm.ts)', () => {
  const templates = templatesOf(CHART);
  const config = { bundledSchema: bundledValidator() };

  it('finds the real chart templates (NVIDIA GPU operator and its node-feature-discovery subchart)', () => {
    assert.equal(templates.length, 30);
    for (const t of templates) assert.equal(classifyFile(t, readFileSync(t, 'utf8')).kind, 'helm-template', t);
  });

  it('the real templates, linted as plain YAML, give thousands of yaml-syntax errors (what the masking fixes)', () => {
    let errors = 0;
    for (const t of templates)
      errors += lintText(readFileSync(t, 'utf8'), config).findings.filter((f) => f.ruleId === 'yaml-syntax').length;
    assert.ok(errors > 1000, `only ${errors} yaml-syntax findings on the unmasked templates`);
  });

  it('masked, the real templates give no yaml-syntax finding and exactly one helm-template info each', () => {
    for (const t of templates) {
      const r = lintTemplate(new IncrementalLinter(), readFileSync(t, 'utf8'), config);
      assert.deepEqual(
        r.findings.filter((f) => f.ruleId === 'yaml-syntax').map((f) => f.message),
        [],
        t,
      );
      const infos = r.findings.filter((f) => f.ruleId === 'helm-template');
      assert.equal(infos.length, 1, t);
      assert.equal(infos[0]!.severity, 'info');
      assert.match(infos[0]!.message, /not rendered/);
    }
  });

  it('keeps lines and columns: same length, same newlines; lines of only control actions are blanked', () => {
    const t = readFileSync(join(CHART, 'templates', 'operator.yaml'), 'utf8');
    const m = maskTemplate(t);
    assert.equal(m.text.length, t.length);
    assert.deepEqual(
      m.text.split('\n').map((l) => l.length),
      t.split('\n').map((l) => l.length),
    );
    assert.ok(!m.text.includes('{{'));
    const lines = t.split('\n');
    const masked = m.text.split('\n');
    lines.forEach((l, i) => {
      if (/^\s*\{\{-?\s*(if|end|include|with|toYaml)\b[^\n]*\}\}\s*$/.test(l)) assert.equal(masked[i]!.trim(), '', `line ${i + 1}: ${l}`);
    });
    // A value action stays a value of the same length.
    const v = maskTemplate('  image: {{ .Values.image }}:{{ .Values.tag }}\n');
    assert.match(v.text, /^ {2}image: x+:x+\n$/);
  });

  it('reports a value written in the template, drops findings on masked text and needs no required fields', () => {
    const text = y(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ include "x.fullname" . }}',
      'spec:',
      '  replicas: {{ .Values.replicas }}',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: app',
      '          image: "busybox:latest"',
      '          securityContext:',
      '            privileged: true',
      '          resources:',
      '            {{- toYaml .Values.resources | nindent 12 }}',
    );
    const r = lintTemplate(new IncrementalLinter(), text, config);
    const rules = r.findings.map((f) => `${f.ruleId}@${f.startPos.line + 1}`).sort();
    // Upstream-independent facts: line 11 writes ":latest", line 13 privileged: true; replicas is masked; no selector is written.
    assert.deepEqual(rules, ['helm-template@1', 'latest-tag@11', 'privileged-container@13']);
  });

  it('Argo and kubeml.yaml placeholders are not Helm actions', () => {
    assert.equal(hasTemplateActions('args: ["{{inputs.parameters.message}}"]\n'), false);
    assert.equal(hasTemplateActions('command: python3 train.py --samples {{samples}}\n'), false);
    assert.equal(hasTemplateActions('name: {{ .Release.Name }}\n'), true);
    assert.equal(hasTemplateActions('{{- include "x" . | nindent 4 }}\n'), true);
    assert.equal(hasTemplateActions('{{- if .Capabilities.APIVersions.Has "v1" }}\nkind: Pod\n{{- end }}\n'), true);
    // Not Helm's: Prometheus rule and Alertmanager templates that a valid manifest carries in its strings.
    const rule = y(
      'apiVersion: monitoring.coreos.com/v1',
      'kind: PrometheusRule',
      'spec:',
      '  groups:',
      '    - rules:',
      '        - alert: Down',
      '          annotations:',
      '            summary: "{{ $labels.instance }} is down"',
      '            description: |',
      '              {{ range .Alerts }}{{ .Labels.job }}{{ end }}',
    );
    assert.equal(hasTemplateActions(rule), false);
    // ... unless it is not YAML as it stands: then its actions are template actions.
    assert.equal(hasTemplateActions('metadata:\n  {{ if $x }}\n  name: a\n'), true);
  });
});
