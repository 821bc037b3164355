import { strict as assert } from 'node:assert';
import { matchesFieldSelector, matchesLabelSelector, parseLabelSelector } from './selectors';

// Expected results are those of the Kubernetes documentation, "Labels and Selectors"
// (equality-based and set-based requirements) and "Field Selectors".
describe('label and field selectors', () => {
  const prod = { environment: 'production', tier: 'frontend' };
  const qa = { environment: 'qa', tier: 'backend', partition: 'customerA' };
  const bare = {};

  it('equality-based: =, == and != (an object without the key matches !=)', () => {
    assert.equal(matchesLabelSelector(prod, 'environment=production'), true);
    assert.equal(matchesLabelSelector(prod, 'environment==production'), true);
    assert.equal(matchesLabelSelector(qa, 'environment=production'), false);
    assert.equal(matchesLabelSelector(prod, 'tier!=frontend'), false);
    assert.equal(matchesLabelSelector(qa, 'tier!=frontend'), true);
    assert.equal(matchesLabelSelector(bare, 'tier!=frontend'), true);
    assert.equal(matchesLabelSelector(prod, 'environment=production,tier!=frontend'), false);
    assert.equal(matchesLabelSelector(qa, 'environment=qa, tier!=frontend'), true);
  });

  it('set-based: in, notin (an object without the key matches notin), exists and !exists', () => {
    assert.equal(matchesLabelSelector(prod, 'environment in (production, qa)'), true);
    assert.equal(matchesLabelSelector(qa, 'environment in (production,qa)'), true);
    assert.equal(matchesLabelSelector(bare, 'environment in (production, qa)'), false);
    assert.equal(matchesLabelSelector(prod, 'tier notin (frontend, backend)'), false);
    assert.equal(matchesLabelSelector(bare, 'tier notin (frontend, backend)'), true);
    assert.equal(matchesLabelSelector(qa, 'partition'), true);
    assert.equal(matchesLabelSelector(prod, 'partition'), false);
    assert.equal(matchesLabelSelector(prod, '!partition'), true);
    assert.equal(matchesLabelSelector(qa, 'partition,environment notin (qa)'), false);
  });

  it('the run labels KubeML selects with, with / in keys; empty selects everything; nonsense throws', () => {
    const run = { 'kubeml.io/run': 'forest-train-abc', 'kubeml.io/kind': 'train' };
    assert.equal(matchesLabelSelector(run, 'kubeml.io/run=forest-train-abc,kubeml.io/kind=train'), true);
    assert.equal(matchesLabelSelector(run, 'kubeml.io/run=forest-train-abd'), false);
    assert.equal(matchesLabelSelector(undefined, ''), true);
    assert.equal(matchesLabelSelector(undefined, 'kubeml.io/run'), false);
    assert.throws(() => parseLabelSelector('a in b'), /invalid label selector/);
  });

  it('field selectors over dotted paths: =, ==, !=, several terms', () => {
    const pod = { metadata: { name: 'p1', namespace: 'team' }, status: { phase: 'Running' } };
    const event = { involvedObject: { name: 'p1', kind: 'Pod' }, reason: 'Failed' };
    assert.equal(matchesFieldSelector(pod, 'metadata.name=p1'), true);
    assert.equal(matchesFieldSelector(pod, 'metadata.name==p2'), false);
    assert.equal(matchesFieldSelector(pod, 'status.phase!=Running'), false);
    assert.equal(matchesFieldSelector(pod, 'metadata.namespace=team,status.phase=Running'), true);
    assert.equal(matchesFieldSelector(event, 'involvedObject.name=p1'), true);
    assert.equal(matchesFieldSelector(event, 'involvedObject.name=p2'), false);
    assert.throws(() => matchesFieldSelector(pod, 'metadata.name'), /invalid field selector/);
  });
});
