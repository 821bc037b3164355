import * as net from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { k8s } from '../k8s';
import { KubeClient } from '../client';
import { KubeMLError, messageOf } from '../../common/errors';
import { type IDisposable } from '../../common/lifecycle';

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  port: number;
}

export interface PortForwardHandle extends IDisposable {
  readonly target: PortForwardTarget;
  readonly localPort: number;
  readonly url: string;
  readonly disposed: boolean;
}

interface WsLike {
  close(): void;
  on(event: 'close', fn: () => void): void;
}

const where = (t: PortForwardTarget) => `${t.namespace}/${t.pod}:${t.port}`;

/** What the API server's refusal of a port-forward WebSocket means, as a KubeMLError. */
export function portForwardConnectError(e: unknown, t: PortForwardTarget): KubeMLError {
  const ev = e as { message?: string; error?: { message?: string } } | undefined;
  const text = ev?.message ?? ev?.error?.message ?? messageOf(e);
  const status = Number(/Unexpected server response: (\d{3})/.exec(text)?.[1]);
  if (status === 404)
    return new KubeMLError('not-found', `Pod ${t.namespace}/${t.pod} no longer exists.`, 'Refresh the view and pick a running pod.', 404);
  if (status === 403)
    return new KubeMLError(
      'forbidden',
      `You may not port-forward to pods in ${t.namespace} (403 Forbidden).`,
      'Ask for RBAC access to pods/portforward.',
      403,
    );
  if (status === 401)
    return new KubeMLError('unauthorized', 'The cluster rejected your credentials (401 Unauthorized).', 'Log in again, then retry.', 401);
  if (status === 400)
    return new KubeMLError(
      'invalid',
      `The API server refused to forward to ${where(t)} (400): the pod may not be running.`,
      'Wait until the pod runs, then try again.',
      400,
    );
  return new KubeMLError(
    'unreachable',
    `Could not open a port-forward to ${where(t)}: ${text}.`,
    'Check that the cluster is reachable, then try again.',
  );
}

/** The error message the kubelet sends on the error stream, as a user message. */
function remoteErrorMessage(text: string, t: PortForwardTarget): string {
  const said = text.trim().replace(/\s+/g, ' ');
  if (/connection refused/i.test(said))
    return `Nothing listens on port ${t.port} in pod ${t.namespace}/${t.pod} (connection refused). Start the server in the pod (for TensorBoard: --bind_all --port ${t.port}), then reload.`;
  return `The port-forward to ${where(t)} failed: ${said}`;
}

/** A pod we can forward to: it exists and runs (when we may read it). */
async function checkPod(kc: KubeConfig, t: PortForwardTarget): Promise<void> {
  const client = new KubeClient(kc);
  let pod: { status?: { phase?: string } };
  try {
    pod = await client.json(`/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(t.pod)}`, {
      what: `read pod ${t.namespace}/${t.pod}`,
      timeoutMs: 10_000,
    });
  } catch (e) {
    if (KubeMLError.is(e) && e.kind === 'not-found')
      throw new KubeMLError('not-found', `Pod ${t.namespace}/${t.pod} no longer exists.`, 'Refresh the view and pick a running pod.', 404);
    if (KubeMLError.is(e) && e.kind === 'forbidden') return; // The WebSocket itself may still be allowed: let it decide.
    throw e;
  }
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase !== 'Running')
    throw new KubeMLError(
      'invalid',
      `Pod ${t.namespace}/${t.pod} is ${phase}, not Running: there is nothing to forward to.`,
      phase === 'Pending' ? 'Wait until it runs, then try again.' : 'Pick a running pod.',
    );
}

/**
 * Forwards 127.0.0.1:<localPort> (0: any free port) to a pod's port, one WebSocket stream per
 * accepted connection. Before it resolves it checks that the pod runs and that the API server
 * accepts a port-forward to it (404, 403 and 401 become clear errors), and that the local port is
 * free. Later failures (nothing listening in the pod, the pod gone) close the local connection and
 * are reported through onError. dispose() closes the listener and the streams.
 */
export async function startPortForward(
  kc: KubeConfig,
  target: PortForwardTarget,
  localPort = 0,
  onError?: (message: string) => void,
): Promise<PortForwardHandle> {
  const forward = new (k8s().PortForward)(kc, true);
  const open = (output: Writable, input: NodeJS.ReadableStream, onRemoteError: (text: string) => void): Promise<WsLike> => {
    let errText = '';
    const err = new Writable({
      write: (chunk: Buffer, _e, cb) => {
        errText += chunk.toString('utf8');
        cb();
      },
    });
    // The kubelet writes one message on the error stream, then closes the WebSocket.
    return forward.portForward(target.namespace, target.pod, [target.port], output, err, input as never).then((ws) => {
      const w = ws as unknown as WsLike;
      w.on('close', () => {
        if (errText) onRemoteError(errText);
        errText = '';
      });
      return w;
    });
  };

  let reported = '';
  const report = (message: string) => {
    // One notification per distinct failure, not one per browser connection.
    if (message === reported) return;
    reported = message;
    onError?.(message);
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    open(socket, socket, (text) => {
      report(remoteErrorMessage(text, target));
      socket.destroy();
    })
      .then((ws) => {
        ws.on('close', () => socket.end());
        socket.on('close', () => ws.close());
        if (socket.destroyed) ws.close();
      })
      .catch((e: unknown) => {
        report(portForwardConnectError(e, target).userMessage);
        socket.destroy();
      });
  });
  // The local port first (cheap, and "port in use" needs no cluster), then the pod and the API server.
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        reject(
          new KubeMLError(
            'conflict',
            `Local port ${localPort} is already in use (another program or port-forward listens on it).`,
            'Choose another local port, or 0 for any free port.',
          ),
        );
      else if (e.code === 'EACCES')
        reject(
          new KubeMLError(
            'forbidden',
            `You may not listen on local port ${localPort} (${e.code}).`,
            'Choose a port above 1024, or 0 for any free port.',
          ),
        );
      else reject(new KubeMLError('invalid', `Cannot listen on 127.0.0.1:${localPort}: ${e.message}.`, 'Choose another local port.'));
    });
    server.listen(localPort, '127.0.0.1', () => resolve());
  });
  let probe: WsLike;
  try {
    await checkPod(kc, target);
    // Probe: one WebSocket proves that the API server forwards to this pod (RBAC, pod present);
    // it stays open briefly, so that "nothing listens on that port" is reported right away.
    probe = await open(new PassThrough(), new PassThrough(), (text) => report(remoteErrorMessage(text, target))).catch((e: unknown) => {
      throw portForwardConnectError(e, target);
    });
  } catch (e) {
    for (const s of sockets) s.destroy();
    server.close();
    throw e;
  }
  const probeTimer = setTimeout(() => probe.close(), 3000);
  const port = (server.address() as net.AddressInfo).port;
  let disposed = false;
  return {
    target,
    localPort: port,
    url: `http://127.0.0.1:${port}`,
    get disposed() {
      return disposed;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      clearTimeout(probeTimer);
      probe.close();
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
