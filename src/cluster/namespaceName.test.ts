import { strict as assert } from 'node:assert';
import { checkNamespaceName } from './namespaceName';

describe('Select Namespaces: a typed namespace name', () => {
  it('refuses what Kubernetes would refuse (not a DNS label, longer than 63)', () => {
    for (const bad of ['Team', '-a', 'a-', 'a_b', 'x'.repeat(64), ''])
      assert.equal(checkNamespaceName(bad, undefined)?.severity, 'error', bad);
  });

  it('warns about a name the cluster does not have, and says nothing when it has it or cannot list', () => {
    assert.match(checkNamespaceName('made-up', ['default', 'team-a'])!.message, /no namespace "made-up"/);
    assert.equal(checkNamespaceName('made-up', ['default', 'team-a'])!.severity, 'warning');
    assert.equal(checkNamespaceName('team-a', ['default', 'team-a']), undefined);
    assert.equal(checkNamespaceName('made-up', undefined), undefined);
  });
});
