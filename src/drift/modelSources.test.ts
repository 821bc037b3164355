import { strict as assert } from 'node:assert';
import type { RunRecord } from '../model/runRecords';
import { gaugeLabels, validatesModel, type ModelRef } from './modelSources';

const run = (over: Partial<RunRecord>): RunRecord => ({
  version: 1,
  id: 'validate-1',
  purpose: 'validate',
  name: 'validate-1',
  namespace: 'default',
  kind: 'Job',
  primary: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', name: 'validate-1', namespace: 'default' },
  podSelector: 'kubeml.io/run=validate-1',
  container: 'main',
  image: 'python:3.12',
  command: [],
  params: {},
  createdAt: '2026-11-28T10:00:00Z',
  phase: 'succeeded',
  metrics: {},
  hasDrift: true,
  ...over,
});

describe('drift sources of a deployed model', () => {
  const isvc: ModelRef = {
    kind: 'inferenceService',
    namespace: 'ml',
    name: 'fraud',
    storageUri: 'pvc://kubeml-artifacts/train-abc12/model/',
  };

  it('a validation of the same storage URI (trailing slashes aside) is one', () => {
    assert.equal(validatesModel(run({ model: { kind: 'uri', uri: 'pvc://kubeml-artifacts/train-abc12/model' } }), isvc), true);
    assert.equal(validatesModel(run({ model: { kind: 'uri', uri: 'pvc://kubeml-artifacts/train-abc12/other' } }), isvc), false);
  });

  it('a validation of the training run whose artifacts the URI points into is one; another run is not', () => {
    assert.equal(validatesModel(run({ model: { kind: 'run', runId: 'train-abc12' } }), isvc), true);
    assert.equal(validatesModel(run({ model: { kind: 'run', runId: 'train-abc1' } }), isvc), false, 'a prefix of a segment is not the run');
    assert.equal(
      validatesModel(run({ model: { kind: 'run', runId: 'kubeml-artifacts' } }), {
        ...isvc,
        storageUri: 's3://kubeml-artifacts/models/fraud',
      }),
      false,
      'the bucket or claim is not a run folder',
    );
  });

  it('a validation whose model parameter names the model (or its kubeml.io/model label) is one', () => {
    const dep: ModelRef = { kind: 'deployment', name: 'churn-api', model: 'churn-classifier' };
    assert.equal(validatesModel(run({ params: { model: 'churn-classifier' } }), dep), true);
    assert.equal(validatesModel(run({ params: { model: 'churn-api' } }), dep), true);
    assert.equal(validatesModel(run({ params: { model: '' } }), { ...dep, model: undefined, name: '' }), false);
  });

  it('training runs and validations without a drift report are not', () => {
    assert.equal(validatesModel(run({ purpose: 'train', model: { kind: 'uri', uri: isvc.storageUri! } }), isvc), false);
    assert.equal(validatesModel(run({ hasDrift: false, model: { kind: 'uri', uri: isvc.storageUri! } }), isvc), false);
    assert.equal(validatesModel(run({ model: undefined }), isvc), false);
  });

  it('gauges are looked up by the kubeml.io/model label first, then the name, once each', () => {
    assert.deepEqual(gaugeLabels({ kind: 'deployment', name: 'churn-api', model: 'churn-classifier' }), ['churn-classifier', 'churn-api']);
    assert.deepEqual(gaugeLabels({ kind: 'inferenceService', name: 'fraud' }), ['fraud']);
    assert.deepEqual(gaugeLabels({ kind: 'deployment', name: 'x', model: 'x' }), ['x']);
  });
});
