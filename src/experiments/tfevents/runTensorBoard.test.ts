import * as assert from 'node:assert/strict';
import { claimLogdir, runLogdir } from './runTensorBoard';

describe('tfevents: where a run writes its event files', () => {
  const artifacts = { claim: 'models', path: '/artifacts/' };
  it("defaults to the run's artifacts folder (the claim's, else the pod's)", () => {
    assert.equal(runLogdir({ artifacts }, 'r-1'), '/artifacts/r-1');
    assert.equal(runLogdir({}, 'r-1'), '/kubeml/artifacts/r-1');
  });
  it('takes tensorboard.logdir, with {{run}} and {{artifacts}} filled in', () => {
    assert.equal(runLogdir({ artifacts, tensorboard: { logdir: '{{artifacts}}/tb/' } }, 'r-1'), '/artifacts/r-1/tb');
    assert.equal(runLogdir({ tensorboard: { logdir: '/out/{{ run }}' } }, 'r-1'), '/out/r-1');
    assert.equal(runLogdir({ tensorboard: { logdir: '/' } }, 'r-1'), '/');
  });
  it('finds the logdir on the artifacts claim for a run that has ended (subPath included), or says it is not there', () => {
    assert.deepEqual(claimLogdir({ artifacts }, 'r-1'), { claim: 'models', path: '/data/r-1' });
    assert.deepEqual(claimLogdir({ artifacts: { ...artifacts, subPath: 'team/a' }, tensorboard: { logdir: '{{artifacts}}/tb' } }, 'r-1'), {
      claim: 'models',
      path: '/data/team/a/r-1/tb',
    });
    assert.deepEqual(claimLogdir({ artifacts, tensorboard: { logdir: '/artifacts' } }, 'r-1'), { claim: 'models', path: '/data' });
    assert.equal(claimLogdir({ artifacts, tensorboard: { logdir: '/artifacts-other/x' } }, 'r-1'), undefined);
    assert.equal(claimLogdir({ tensorboard: { logdir: '/out' } }, 'r-1'), undefined);
  });
});
