import { StringDecoder } from 'node:string_decoder';
import { type KubeConfig } from '@kubernetes/client-node';
import { KubeMLError } from '../../common/errors';
import { KubeClient } from '../client';

/** The whole log of one container, read once (for a finished container; live output goes through followLogs). */
export async function readLog(
  client: KubeClient,
  namespace: string,
  pod: string,
  container: string,
  signal?: AbortSignal,
): Promise<string> {
  const res = await client.raw(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`, {
    query: { container },
    what: `read the log of ${namespace}/${pod}`,
    timeoutMs: 30_000,
    signal,
  });
  return res.text();
}

export interface LogTarget {
  namespace: string;
  pod: string;
  container?: string;
  sinceSeconds?: number;
  tailLines?: number;
}

/**
 * Follows a container's log: calls onLine for every line (without its newline) until the
 * container ends its output, the signal aborts (resolves quietly), or the request fails
 * (rejects with a KubeMLError that says what the API server said).
 */
export async function followLogs(kc: KubeConfig, target: LogTarget, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  const client = new KubeClient(kc);
  const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/log`;
  let res;
  try {
    res = await client.raw(path, {
      what: `read the log of ${target.namespace}/${target.pod}${target.container ? ` (${target.container})` : ''}`,
      timeoutMs: 30_000,
      signal,
      query: { follow: true, container: target.container, sinceSeconds: target.sinceSeconds, tailLines: target.tailLines },
    });
  } catch (e) {
    if (signal.aborted) return;
    throw e;
  }
  const body = res.body as NodeJS.ReadableStream & { destroy(err?: Error): void };
  await new Promise<void>((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let tail = '';
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      body.destroy();
      if (err && !signal.aborted) reject(err);
      else resolve();
    };
    const onAbort = () => finish();
    signal.addEventListener('abort', onAbort);
    const emit = (text: string) => {
      const parts = (tail + text).split('\n');
      tail = parts.pop() ?? '';
      for (const p of parts) onLine(p.endsWith('\r') ? p.slice(0, -1) : p);
    };
    body.on('data', (chunk: Buffer) => {
      if (!done) emit(decoder.write(chunk));
    });
    body.on('end', () => {
      emit(decoder.end());
      if (tail) onLine(tail);
      tail = '';
      finish();
    });
    body.on('error', (e: Error) =>
      finish(
        new KubeMLError('unreachable', `The log stream of ${target.namespace}/${target.pod} broke: ${e.message}.`, 'Follow the log again.'),
      ),
    );
  });
}

/** Whether the pod of `target` exists (a failed read counts as no). */
async function podExists(kc: KubeConfig, target: LogTarget, signal: AbortSignal): Promise<boolean> {
  const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}`;
  return new KubeClient(kc).json(path, { what: `read the pod ${target.namespace}/${target.pod}`, timeoutMs: 10_000, signal }).then(
    () => true,
    () => false,
  );
}

const WAITING = /is waiting to start|PodInitializing|ContainerCreating|is not available|try again later/i;

/**
 * Follows a container's log like followLogs, but first waits while the container has not started
 * yet (the API server answers 400 "waiting to start" for a pod that is still being scheduled,
 * pulling its image or initialising), calling onWaiting once with what the server said. Gives up
 * after maxWaitMs; a pod that is gone (404) or any other failure rejects at once.
 */
export async function followLogsWhenStarted(
  kc: KubeConfig,
  target: LogTarget,
  onLine: (line: string) => void,
  signal: AbortSignal,
  opts: { onWaiting?: (message: string) => void; pollMs?: number; maxWaitMs?: number } = {},
): Promise<void> {
  const end = Date.now() + (opts.maxWaitMs ?? 15 * 60_000);
  let told = false;
  for (;;) {
    try {
      await followLogs(kc, target, onLine, signal);
      return;
    } catch (e) {
      if (signal.aborted) return;
      // A 404 may come from the kubelet of a pod it has not picked up yet ("the server could not find the
      // requested resource"), not from the API server ('pods "x" not found'): waiting while the pod exists.
      const waiting =
        KubeMLError.is(e) && ((e.status === 400 && WAITING.test(e.message)) || (e.status === 404 && (await podExists(kc, target, signal))));
      if (!waiting || Date.now() > end) throw e;
      if (!told) {
        told = true;
        opts.onWaiting?.(e.message);
      }
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, opts.pollMs ?? 1000);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      if (signal.aborted) return;
    }
  }
}

/**
 * Collects lines and hands them over in batches (at most every `intervalMs`, or when `maxLines`
 * pile up), so that 100,000 lines become a few hundred appends to an output channel.
 */
export class LineBatcher {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: (text: string) => void,
    private readonly intervalMs = 100,
    private readonly maxLines = 5000,
  ) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length >= this.maxLines) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n') + '\n';
    this.lines = [];
    this.sink(text);
  }
}
