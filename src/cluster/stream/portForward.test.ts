import { strict as assert } from 'node:assert';
import { portForwardConnectError } from './portForward';

describe('port-forward errors', () => {
  const t = { namespace: 'team', pod: 'train-0', port: 6006 };
  // What client-node rejects with when the API server refuses the WebSocket upgrade.
  const refused = (status: number) => ({
    type: 'error',
    message: `Unexpected server response: ${status}`,
    error: new Error(`Unexpected server response: ${status}`),
  });

  it('says what a refused WebSocket means and what to do', () => {
    const gone = portForwardConnectError(refused(404), t);
    assert.equal(gone.kind, 'not-found');
    assert.equal(gone.userMessage, 'Pod team/train-0 no longer exists. Refresh the view and pick a running pod.');
    const denied = portForwardConnectError(refused(403), t);
    assert.equal(denied.kind, 'forbidden');
    assert.equal(denied.userMessage, 'You may not port-forward to pods in team (403 Forbidden). Ask for RBAC access to pods/portforward.');
    assert.equal(portForwardConnectError(refused(401), t).kind, 'unauthorized');
    assert.equal(portForwardConnectError(refused(400), t).kind, 'invalid');
  });

  it('never shows "[object Object]" for an error event without a status', () => {
    const e = portForwardConnectError({ type: 'error', message: 'connect ECONNREFUSED 127.0.0.1:6443' }, t);
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /^Could not open a port-forward to team\/train-0:6006: connect ECONNREFUSED 127\.0\.0\.1:6443\.$/);
    assert.doesNotMatch(e.userMessage, /object Object/);
  });
});
