import { strict as assert } from 'node:assert';
import { collectionPath, kind, kindOfObject, objectPath, servedKinds, ALL_KINDS } from './resources';

describe('resource kinds and discovery', () => {
  it('builds collection paths for core, grouped, namespaced and cluster-scoped kinds', () => {
    assert.equal(collectionPath(kind('pods')), '/api/v1/pods');
    assert.equal(collectionPath(kind('pods'), 'team-a'), '/api/v1/namespaces/team-a/pods');
    assert.equal(collectionPath(kind('nodes'), 'team-a'), '/api/v1/nodes');
    assert.equal(collectionPath(kind('trainJobs'), 'ns'), '/apis/trainer.kubeflow.org/v1alpha1/namespaces/ns/trainjobs');
    assert.equal(objectPath(kind('jobs'), 'j 1', 'ns'), '/apis/batch/v1/namespaces/ns/jobs/j%201');
  });

  it('shows a CRD kind only when discovery lists its group/version and plural', () => {
    const served = servedKinds({
      groupVersions: new Set(['ray.io/v1', 'kubeflow.org/v1']),
      resources: new Map([
        ['ray.io/v1', new Set(['rayjobs', 'rayclusters'])],
        ['kubeflow.org/v1', new Set(['tfjobs'])],
      ]),
    }).map((k) => k.id);
    assert.ok(served.includes('rayJobs'));
    assert.ok(!served.includes('pytorchJobs'), 'kubeflow.org/v1 is served but has no pytorchjobs');
    assert.ok(!served.includes('trainJobs'));
    assert.ok(!served.includes('inferenceServices'));
    for (const builtin of ALL_KINDS.filter((k) => k.builtin)) assert.ok(served.includes(builtin.id), builtin.id);
  });

  it('recognises the kind of an object from apiVersion and kind', () => {
    assert.equal(kindOfObject({ apiVersion: 'ray.io/v1', kind: 'RayJob' })?.id, 'rayJobs');
    assert.equal(kindOfObject({ apiVersion: 'v1', kind: 'Pod' })?.id, 'pods');
    assert.equal(kindOfObject({ apiVersion: 'ray.io/v1alpha1', kind: 'RayJob' }), undefined);
  });
});
