import { strict as assert } from 'node:assert';
import { IncrementalLinter, lintText, looksLikeKubernetes } from './engine';
import { isBlankChunk, splitDocuments } from './document';
import { bundledValidator } from './schema/bundled';
import { CLEAN_GPU_JOB, hits, lint, y } from './testUtil';

const POD = y(
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  name: p',
  'spec:',
  '  containers:',
  '    - name: app',
  '      image: nginx:1.27',
);

describe('lint engine', () => {
  describe('documents', () => {
    it('splits at --- lines only, keeping offsets', () => {
      const text = 'a: 1\n---\nb: "---"\n--- # two\nc: |\n  x\n  ---y\n';
      const chunks = splitDocuments(text);
      assert.deepEqual(
        chunks.map((c) => c.text),
        ['a: 1\n', '---\nb: "---"\n', '--- # two\nc: |\n  x\n  ---y\n'],
      );
      assert.deepEqual(
        chunks.map((c) => text.slice(c.start, c.start + c.text.length)),
        chunks.map((c) => c.text),
      );
    });
    it('knows blank documents (comments and markers only)', () => {
      assert.ok(isBlankChunk('---\n# nothing\n\n'));
      assert.ok(isBlankChunk(''));
      assert.ok(!isBlankChunk('--- {a: 1}\n'));
      assert.ok(!isBlankChunk('# c\nkind: Pod\n'));
    });
    it('places findings of later documents at their absolute lines', () => {
      const text = POD + '---\n' + POD.replace('nginx:1.27', 'nginx');
      const h = hits(text, 'latest-tag');
      assert.deepEqual(
        h.map((x) => [x.line, x.text, x.finding.docIndex]),
        [[17, 'nginx', 1]],
      );
    });
    it('only lints files that hold Kubernetes objects', () => {
      assert.ok(looksLikeKubernetes(POD));
      assert.ok(!looksLikeKubernetes('name: ci\non: [push]\njobs: {}\n'));
    });
  });

  describe('YAML syntax', () => {
    it('reports a tab indentation with its range and stops there', () => {
      const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n\tname: p\n';
      const h = lint(text);
      assert.ok(h.length >= 1);
      assert.ok(h.every((x) => x.rule === 'yaml-syntax'));
      assert.equal(h[0]!.line, 4);
    });
    it('reports a duplicate key', () => {
      const h = hits('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nmetadata: {name: b}\n', 'yaml-syntax');
      assert.equal(h.length, 1);
      assert.equal(h[0]!.line, 4);
      assert.match(h[0]!.message, /unique/i);
    });
    it('reads YAML 1.1 as Kubernetes does: an unquoted "yes" in a string field is a boolean', () => {
      const text = POD + '      env:\n        - name: DEBUG\n          value: yes\n';
      const h = hits(text, 'schema');
      assert.deepEqual(
        h.map((x) => [x.line, x.text]),
        [[11, 'yes']],
      );
      assert.match(h[0]!.message, /quote it/);
    });
  });

  describe('limits', () => {
    it('refuses a 10 MB file with a clear message', () => {
      const big = (POD + '---\n').repeat(Math.ceil((10 * 1024 * 1024) / (POD.length + 4)));
      const r = lintText(big, { bundledSchema: bundledValidator() });
      assert.equal(r.findings.length, 1);
      assert.equal(r.findings[0]!.ruleId, 'lint-limits');
      assert.match(r.findings[0]!.message, /10\.0 MB, over the 5\.0 MB limit/);
    });
    it('stops an alias bomb without expanding it', () => {
      const bomb = [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: bomb}',
        'data:',
        '  a: &a ["x","x","x","x","x","x","x","x","x"]',
      ];
      for (let i = 0; i < 9; i++)
        bomb.push(
          `  ${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
        );
      const h = lint(y(...bomb));
      assert.deepEqual(
        h.map((x) => x.rule),
        ['lint-limits'],
      );
      assert.match(h[0]!.message, /aliases expand to more than 1,000,000 nodes/);
    });
    it('refuses binary junk', () => {
      const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1');
      const h = lint('apiVersion: v1\nkind: Pod\n' + junk);
      assert.deepEqual(
        h.map((x) => x.rule),
        ['lint-limits'],
      );
      assert.match(h[0]!.message, /binary/);
    });
    it('keeps exact ranges with CRLF line ends and non-ASCII text', () => {
      const text = POD.replace('name: p', 'name: p\n  annotations: {note: "données – 模型"}')
        .replace('nginx:1.27', 'nginx')
        .replace(/\n/g, '\r\n');
      const h = hits(text, 'latest-tag');
      assert.equal(h.length, 1);
      assert.equal(h[0]!.text, 'nginx');
      assert.equal(h[0]!.line, 9);
      assert.equal(h[0]!.finding.startPos.col, 13);
    });
    it('stops when the time budget is spent and says so', () => {
      const text = Array.from({ length: 200 }, () => POD).join('---\n');
      const r = lintText(text, { bundledSchema: bundledValidator(), timeBudgetMs: -1 });
      const last = r.findings.find((f) => f.ruleId === 'lint-limits');
      assert.ok(last);
      assert.match(last.message, /Stopped after 0 documents/);
    });
  });

  describe('incremental analysis', () => {
    it('re-parses only the documents that changed', () => {
      const docs = Array.from({ length: 20 }, (_, i) => POD.replace('name: p', `name: p${i}`));
      const linter = new IncrementalLinter();
      const config = { bundledSchema: bundledValidator() };
      const first = linter.lint(docs.join('---\n'), config);
      assert.equal(first.reparsed, 20);
      docs[7] = docs[7]!.replace('nginx:1.27', 'nginx');
      const second = linter.lint(docs.join('---\n'), config);
      assert.equal(second.reparsed, 1);
      assert.equal(second.findings.filter((f) => f.ruleId === 'latest-tag').length, 1);
      assert.equal(second.findings.find((f) => f.ruleId === 'latest-tag')!.docIndex, 7);
    });
  });

  describe('kubeml.yaml', () => {
    it('checks the run spec and places each problem on its field', () => {
      const text =
        'name: demo\nimage: python:3.12\ncommand: [python3, train.py]\nresources: {gpus: -1}\ndatasets:\n  - {claim: d, path: relative}\nbogus: 1\n';
      const h = lint(text, { kubemlSpec: true }).filter((x) => x.rule === 'kubeml-spec');
      assert.deepEqual(h.map((x) => [x.line, x.text]).sort(), [
        [4, '-1'],
        [6, 'relative'],
        [7, 'bogus'],
      ]);
      assert.deepEqual(lint('name: demo\nimage: python:3.12\ncommand: [python3, train.py]\n', { kubemlSpec: true }), []);
    });
    it('checks the sweep section and places each problem on its field', () => {
      const text =
        'name: demo\nimage: python:3.12\ncommand: [python3, train.py]\nparameters: { lr: 0.1, depth: 3 }\nsweep:\n  metric: loss\n  direction: minimize\n  method: random\n  trials: 4\n  parameters:\n    lr: { min: 0.5, max: 0.1 }\n    depth: []\n    width: [1, 2]\n';
      const h = lint(text, { kubemlSpec: true }).filter((x) => x.rule === 'kubeml-spec');
      assert.deepEqual(h.map((x) => [x.line, x.message.slice(0, 40)]).sort(), [
        [11, 'The range of "lr" is empty or reversed: '],
        [12, 'The values of "depth" must be a non-empt'],
        [13, 'Unknown parameter "width": declare it un'],
      ]);
    });
    it('reports YAML syntax errors and nothing else when it does not parse', () => {
      assert.deepEqual(
        lint('name: [unclosed\n', { kubemlSpec: true }).map((x) => x.rule),
        ['yaml-syntax'],
      );
    });
  });

  describe('severity settings', () => {
    it('turns a rule off or changes its severity', () => {
      assert.deepEqual(
        hits(CLEAN_GPU_JOB.replace('restartPolicy: Never', 'restartPolicy: Always'), 'job-restart-policy', {
          rules: { 'job-restart-policy': 'off' },
        }),
        [],
      );
      const h = hits(CLEAN_GPU_JOB.replace('restartPolicy: Never', 'restartPolicy: Always'), 'job-restart-policy', {
        rules: { 'job-restart-policy': 'hint' },
      });
      assert.equal(h[0]!.severity, 'hint');
    });
  });
});
