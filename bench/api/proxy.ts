// A counting HTTPS proxy in front of the API server, for bench/api/run.ts: every request the code
// under test makes (KubeClient's node-fetch stack, and @kubernetes/client-node's exec WebSockets)
// goes through it and is recorded with its start time, method and path. The proxy presents a
// self-signed certificate (made with openssl) and talks to the API server with the kubeconfig's own
// client certificate, so that nothing about the code under test changes but the server URL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, request as httpsRequest } from 'node:https';
import { type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import * as k8s from '@kubernetes/client-node';

export interface Seen {
  /** Date.now() when the request arrived at the proxy. */
  at: number;
  method: string;
  /** Path with its query string. */
  url: string;
  upgrade: boolean;
}

/** The Kubernetes verb and resource of one request, named as apiserver_request_total names them. */
export function classify(s: Seen): string {
  const u = new URL(s.url, 'https://x');
  const parts = u.pathname.split('/').filter(Boolean);
  // /api/v1/... or /apis/GROUP/VERSION/...
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : parts;
  if (parts[0] !== 'api' && parts[0] !== 'apis') return `${s.method} ${u.pathname}`;
  const scoped = rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : rest;
  const [resource = '', name, sub] = scoped;
  const watch = ['1', 'true'].includes(u.searchParams.get('watch') ?? '');
  let verb: string;
  if (s.upgrade || sub === 'exec' || sub === 'attach' || sub === 'portforward') verb = 'CONNECT';
  else if (s.method === 'GET') verb = watch ? 'WATCH' : name ? 'GET' : 'LIST';
  else if (s.method === 'PATCH' && /apply-patch/.test(u.search + s.url)) verb = 'APPLY';
  else verb = s.method;
  const follow = sub === 'log' && ['1', 'true'].includes(u.searchParams.get('follow') ?? '') ? ' (follow)' : '';
  return `${verb} ${resource}${sub ? `/${sub}` : ''}${follow}`;
}

export interface CountingProxy {
  readonly seen: Seen[];
  /** A copy of `kc` whose current cluster is the proxy. */
  readonly kc: k8s.KubeConfig;
  close(): Promise<void>;
}

export async function startProxy(admin: k8s.KubeConfig): Promise<CountingProxy> {
  const cluster = admin.getCurrentCluster();
  const user = admin.getCurrentUser();
  if (!cluster || !user) throw new Error('the kubeconfig has no current cluster or user');
  const upstream = new URL(cluster.server);
  const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : cluster.caFile ? readFileSync(cluster.caFile) : undefined;
  const cert = user.certData ? Buffer.from(user.certData, 'base64') : user.certFile ? readFileSync(user.certFile) : undefined;
  const key = user.keyData ? Buffer.from(user.keyData, 'base64') : user.keyFile ? readFileSync(user.keyFile) : undefined;
  if (!cert || !key) throw new Error('the proxy needs a kubeconfig user with a client certificate');
  const tls = { host: upstream.hostname, port: Number(upstream.port || 443), ca, cert, key, servername: upstream.hostname };

  const dir = mkdtempSync(join(tmpdir(), 'kubeml-api-proxy-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const serverCert = readFileSync(join(dir, 'cert.pem'));
  const serverKey = readFileSync(join(dir, 'key.pem'));
  rmSync(dir, { recursive: true, force: true });

  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = createServer({ cert: serverCert, key: serverKey }, (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ at: Date.now(), method: req.method ?? 'GET', url: req.url ?? '/', upgrade: false });
    const up = httpsRequest({ ...tls, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      // At once, as the API server does: a watch with nothing to report yet has no body to carry them.
      res.flushHeaders();
      ures.pipe(res);
      res.on('close', () => ures.destroy());
    });
    up.on('error', () => res.destroy());
    req.on('aborted', () => up.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push({ at: Date.now(), method: req.method ?? 'GET', url: req.url ?? '/', upgrade: true });
    const up = tlsConnect(tls, () => {
      const headers = { ...req.headers, host: upstream.host };
      let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(headers))
        for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) text += `${k}: ${one}\r\n`;
      up.write(text + '\r\n');
      if (head.length) up.write(head);
      up.pipe(socket).pipe(up);
    });
    const drop = () => (socket.destroy(), up.destroy());
    up.on('error', drop).on('close', drop);
    socket.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const kc = new k8s.KubeConfig();
  kc.loadFromString(admin.exportConfig());
  const name = kc.getCurrentCluster()!.name;
  kc.clusters = kc.clusters.map((c) =>
    c.name === name ? { ...c, server: `https://127.0.0.1:${port}`, caData: serverCert.toString('base64'), caFile: undefined } : c,
  );
  return {
    seen,
    kc,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
