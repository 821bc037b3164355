import * as net from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { k8s } from './k8s';
import { KubeMLError, messageOf } from '../common/errors';
import { type IDisposable } from '../common/lifecycle';

export interface PortForwardHandle extends IDisposable {
  readonly localPort: number;
  readonly url: string;
}

/**
 * Forwards 127.0.0.1:<localPort> (0: any free port) to a pod's port, one WebSocket stream per
 * accepted connection. Resolves once listening; dispose() closes the listener and the streams.
 */
export async function startPortForward(
  kc: KubeConfig,
  target: { namespace: string; pod: string; port: number },
  localPort = 0,
  onError?: (message: string) => void,
): Promise<PortForwardHandle> {
  const forward = new (k8s().PortForward)(kc, true);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    forward.portForward(target.namespace, target.pod, [target.port], socket, null, socket).catch((e: unknown) => {
      onError?.(`Port-forward to ${target.namespace}/${target.pod}:${target.port} failed: ${messageOf(e)}`);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new KubeMLError('invalid', `Cannot listen on 127.0.0.1:${localPort}: ${e.message}.`, 'Choose another local port.')));
    server.listen(localPort, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    localPort: port,
    url: `http://127.0.0.1:${port}`,
    dispose() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
