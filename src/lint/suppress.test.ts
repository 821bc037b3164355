import { strict as assert } from 'node:assert';
import { CLEAN_GPU_JOB, hits, y } from './testUtil';

const BAD = y(
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  name: p',
  'spec:',
  '  hostNetwork: true',
  '  containers:',
  '    - name: a',
  '      image: nginx',
  '    - name: b',
  '      image: redis:latest',
);

describe('lint suppression comments', () => {
  it('without comments both images are flagged', () => {
    assert.deepEqual(
      hits(BAD, 'latest-tag').map((h) => h.line),
      [9, 11],
    );
  });
  it('disable-line silences that line for the named rule only', () => {
    const text = BAD.replace('image: nginx', 'image: nginx # kubeml-lint-disable-line latest-tag -- pinned by the mirror');
    assert.deepEqual(
      hits(text, 'latest-tag').map((h) => h.line),
      [11],
    );
    const other = BAD.replace('image: nginx', 'image: nginx # kubeml-lint-disable-line host-network');
    assert.deepEqual(
      hits(other, 'latest-tag').map((h) => h.line),
      [9, 11],
    );
  });
  it('disable-next-line silences the following line', () => {
    const text = BAD.replace('      image: redis:latest', '      # kubeml-lint-disable-next-line latest-tag\n      image: redis:latest');
    assert.deepEqual(
      hits(text, 'latest-tag').map((h) => h.line),
      [9],
    );
  });
  it('disable ... enable covers a range; no id means every rule', () => {
    const text = BAD.replace('  containers:', '  containers: # kubeml-lint-disable\n').replace(
      '    - name: b',
      '    # kubeml-lint-enable\n    - name: b',
    );
    assert.deepEqual(
      hits(text, 'latest-tag').map((h) => h.line),
      [13],
    );
    assert.equal(hits(text, 'host-network').length, 1);
  });
  it('disable at the top of a document covers that document only', () => {
    const text = '# kubeml-lint-disable latest-tag\n' + BAD + '---\n' + BAD;
    assert.deepEqual(
      hits(text, 'latest-tag').map((h) => h.line),
      [22, 24],
    );
  });
  it('disable-file covers every document, wherever it is written', () => {
    const text = BAD + '---\n' + BAD + '# kubeml-lint-disable-file latest-tag, host-network\n';
    assert.deepEqual(hits(text, 'latest-tag'), []);
    assert.deepEqual(hits(text, 'host-network'), []);
    assert.equal(hits(text, 'run-as-non-root').length, 4);
  });
  it('the kubeml.io/lint-disable annotation covers its resource', () => {
    const text = CLEAN_GPU_JOB.replace(
      '  name: train',
      '  name: train\n  annotations:\n    kubeml.io/lint-disable: job-ttl,job-backoff-limit',
    )
      .replace('  backoffLimit: 2\n', '')
      .replace('  ttlSecondsAfterFinished: 3600\n', '');
    assert.deepEqual(hits(text, 'job-ttl'), []);
    assert.deepEqual(hits(text, 'job-backoff-limit'), []);
  });
  it('a directive inside a string is not a comment', () => {
    const text = BAD.replace('image: nginx', 'image: nginx\n      args: ["#kubeml-lint-disable-file"]');
    assert.equal(hits(text, 'latest-tag').length, 2);
  });
});
