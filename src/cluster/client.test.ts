import { strict as assert } from 'node:assert';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from './client';
import { headersToRecord } from './http';

describe('KubeClient request headers', () => {
  it('keeps a bearer token from client-node (a Headers instance, which object spread would empty)', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'abc.def' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const init = await new KubeClient(kc).fetchInit('GET');
    assert.equal(init.headers.authorization ?? init.headers.Authorization, 'Bearer abc.def');
  });

  it('turns every header container into a plain record', () => {
    assert.deepEqual(headersToRecord(new Headers([['a', '1']])), { a: '1' });
    assert.deepEqual(headersToRecord([['b', '2']]), { b: '2' });
    assert.deepEqual(headersToRecord({ c: '3', d: undefined }), { c: '3' });
    assert.deepEqual(headersToRecord(undefined), {});
  });
});
