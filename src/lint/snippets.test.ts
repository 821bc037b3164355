import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { expandSnippet } from './snippetExpand';
import { lint } from './testUtil';

const FILE = join(__dirname, '..', '..', 'snippets', 'kubernetes-ml.code-snippets');
const snippets = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, { prefix: string; body: string[]; description: string }>;

describe('lint snippets', () => {
  it('expands placeholders to their defaults', () => {
    assert.equal(
      expandSnippet(['name: ${1:train}', 'app: ${1:train}', 'mode: ${2|a,b|}', 'x: $1$0', 'cost: \\$5']),
      'name: train\napp: train\nmode: a\nx: train\ncost: $5',
    );
  });

  const wanted = [
    'kubeml-job-gpu',
    'kubeml-trainjob',
    'kubeml-pytorchjob',
    'kubeml-rayjob',
    'kubeml-inferenceservice',
    'kubeml-dataset-pvc',
    'kubeml-validation-job',
    'kubeml-drift-cronjob',
  ];
  it('has the snippets the issue asks for', () => {
    assert.deepEqual(
      Object.values(snippets)
        .map((s) => s.prefix)
        .sort(),
      [...wanted].sort(),
    );
  });

  for (const [name, s] of Object.entries(snippets)) {
    it(`${s.prefix} expands to a manifest with zero findings (${name})`, () => {
      const text = expandSnippet(s.body);
      const docs = parseAllDocuments(text);
      assert.ok(!Array.isArray(docs) || docs.every((d) => d.errors.length === 0));
      const hits = lint(text);
      assert.deepEqual(
        hits.map((h) => `${h.line} ${h.rule}: ${h.message}`),
        [],
      );
    });
  }
});
