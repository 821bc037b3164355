import { PassThrough, Writable } from 'node:stream';
import type { Exec, KubeConfig, V1Status } from '@kubernetes/client-node';
import { k8s } from '../k8s';
import { KubeMLError, messageOf } from '../../common/errors';
import { type IgnoreMatcher } from './tree/ignore';
import { localTarEntries, scanLocalTree, workspaceIgnore } from './tree/localTree';
import { safeRelativePath, safeTargetFolder } from './tree/paths';
import {
  type SyncPlan,
  chunkUploads,
  isEmptyPlan,
  planReconcile,
  type Skipped,
  sortPaths,
  type Tree,
  type TreeEntry,
} from './tree/planner';
import { APPLY_SCRIPT, LIST_SCRIPT, NO_TARGET_EXIT, applyListLine, parseListing, shCommand } from './tree/remoteScripts';
import { tarStream } from './tree/tar';

/**
 * Tar over exec: everything sync does in a pod goes through the API server's exec endpoint
 * (WebSocket, @kubernetes/client-node `Exec`) with the user's kubeconfig. No kubectl; the image
 * needs only sh, tar, find, mkdir, rm and stat (see remoteScripts.ts). Node only, no `vscode`.
 * The run launcher ships code with `uploadTree` below: one implementation for both.
 */

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  /** Container name; empty: the pod's only (or default) container. */
  readonly container?: string;
}

export interface ExecResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface ExecOptions {
  readonly stdin?: AsyncIterable<Buffer>;
  readonly signal?: AbortSignal;
  /** Gives up when no exit status came after this long. */
  readonly timeoutMs?: number;
}

/** Bytes queued on the socket before the tar producer waits. */
const HIGH_WATER = 4 * 1024 * 1024;
/** From this many files or bytes on, a plan with nothing to remove is sent as two parallel streams. */
const PARALLEL_MIN_FILES = 1000;
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;
/** Bytes per WebSocket message of stdin. */
const FRAME = 64 * 1024;
/** Bounds of one exec's argv: the API server takes the command in the URL. */
const MAX_ARGV_BYTES = 48 * 1024;
const MAX_ARGS = 2000;

export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = cause?.message !== undefined ? Number(cause.message) : NaN;
  return Number.isFinite(n) ? n : -1;
}

function describePod(pod: PodRef): string {
  return `${pod.namespace}/${pod.name}${pod.container ? ` (container ${pod.container})` : ''}`;
}

/** Maps what the WebSocket layer throws to a KubeMLError. */
export function classifyExecError(e: unknown, pod: PodRef): KubeMLError {
  if (KubeMLError.is(e)) return e;
  const msg = messageOf(e);
  const m = /Unexpected server response: (\d+)/.exec(msg);
  const status = m ? Number(m[1]) : undefined;
  const where = describePod(pod);
  if (status === 404)
    return new KubeMLError('not-found', `The pod ${where} no longer exists.`, 'Sync stops for this pod.', 404, { cause: e });
  if (status === 403)
    return new KubeMLError(
      'forbidden',
      `You may not exec into ${where} (403 Forbidden).`,
      'Ask for the pods/exec permission in this namespace.',
      403,
      { cause: e },
    );
  if (status === 401)
    return new KubeMLError(
      'unauthorized',
      `The cluster rejected your credentials while opening an exec into ${where}.`,
      'Log in again, then retry.',
      401,
      { cause: e },
    );
  if (status === 400)
    return new KubeMLError(
      'invalid',
      `The API server refused an exec into ${where} (400): the container may not be running.`,
      'Wait until the pod is Running, or pick another container.',
      400,
      { cause: e },
    );
  if (status !== undefined && status >= 500)
    return new KubeMLError('server', `The API server failed an exec into ${where} (${status}).`, 'It will be retried.', status, {
      cause: e,
    });
  const code = (e as { code?: string })?.code;
  if (code && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|ENOTFOUND/.test(code)) {
    return new KubeMLError(
      'unreachable',
      `The connection to the API server was lost during an exec into ${where} (${code}).`,
      'It will be retried.',
      undefined,
      { cause: e },
    );
  }
  return new KubeMLError('unknown', `Exec into ${where} failed: ${msg}`, undefined, undefined, { cause: e });
}

/** Whether an error is worth retrying (network, server), as opposed to final (pod gone, forbidden). */
export function isRetryable(e: unknown): boolean {
  if (!KubeMLError.is(e)) return true;
  return e.kind === 'unreachable' || e.kind === 'server' || e.kind === 'timeout' || e.kind === 'unknown';
}

export interface UploadProgress {
  onFile?(path: string): void;
  onWarning?(message: string): void;
}

/**
 * list / remove / upload on top of one primitive, `exec(argv, stdin)`. PodTransport runs it in
 * a pod; tests run the very same scripts with a local shell.
 */
export abstract class ScriptTransport {
  abstract readonly label: string;
  abstract exec(cmd: string[], opts?: ExecOptions): Promise<ExecResult>;

  /** Runs argv, throwing a KubeMLError when the exit code is not 0 (or not among `okCodes`). */
  async run(cmd: string[], what: string, opts: ExecOptions & { okCodes?: number[] } = {}): Promise<ExecResult> {
    const r = await this.exec(cmd, opts);
    if (r.exitCode !== 0 && !(opts.okCodes ?? []).includes(r.exitCode)) {
      const said = r.stderr.trim().split('\n').slice(-3).join(' | ');
      const hint = /executable file not found|\b(sh|tar|find|stat|mkdir|rm): (command )?not found/.test(said)
        ? 'The image needs sh, tar, find, mkdir, rm and stat (or GNU find).'
        : undefined;
      throw new KubeMLError('server', `${what} in ${this.label} failed with exit code ${r.exitCode}${said ? `: ${said}` : ''}.`, hint);
    }
    return r;
  }

  /** Lists the target tree; an absent target is an empty tree. */
  async list(targetDir: string, signal?: AbortSignal): Promise<{ tree: Map<string, TreeEntry>; unreadable: number }> {
    const target = safeTargetFolder(targetDir);
    const r = await this.run(shCommand(LIST_SCRIPT, [target]), `Listing ${target}`, {
      okCodes: [NO_TARGET_EXIT],
      signal,
      timeoutMs: 120_000,
    });
    if (r.exitCode === NO_TARGET_EXIT) return { tree: new Map(), unreadable: 0 };
    return parseListing(r.stdout.toString('utf8'));
  }

  /** Removes paths (relative to the target): one exec. */
  async remove(targetDir: string, relPaths: readonly string[], signal?: AbortSignal): Promise<void> {
    await this.apply(targetDir, '', { deletes: relPaths, mkdirs: [], uploads: [] }, new Map(), {}, signal);
  }

  /** Sends folders and files (relative to `localRoot`); `tree` gives their type, size, mode and mtime as scanned. */
  async upload(
    targetDir: string,
    localRoot: string,
    mkdirs: readonly string[],
    files: readonly string[],
    tree: Tree,
    progress: UploadProgress = {},
    signal?: AbortSignal,
  ): Promise<void> {
    await this.apply(targetDir, localRoot, { deletes: [], mkdirs, uploads: files }, tree, progress, signal);
  }

  /**
   * Applies a plan: removals first, then one tar stream per chunk (5,000 entries or 256 MB),
   * each in a single exec. `plan` may be a promise: the first exec is opened at once and waits
   * for it, so its connection set-up overlaps whatever computes the plan (the remote listing).
   */
  async apply(
    targetDir: string,
    localRoot: string,
    plan: PlanParts | Promise<PlanParts | undefined>,
    tree: Tree | Promise<Tree>,
    progress: UploadProgress = {},
    signal?: AbortSignal,
  ): Promise<void> {
    const target = safeTargetFolder(targetDir);
    let resolvedTree: Tree = new Map();
    let parallel = 1;
    const prepared = Promise.all([plan, tree]).then(([p, t]): Array<{ deletes: string[]; items: string[] }> => {
      resolvedTree = t;
      if (!p) return [{ deletes: [] as string[], items: [] as string[] }];
      const items = [...p.mkdirs, ...p.uploads].map(safeRelativePath);
      // A large plan goes as two streams at once when nothing is removed first (the first sync,
      // a checkout): the pod extracts both in parallel, each on its own connection.
      const bytes = items.reduce((n, x) => n + (t.get(x)?.size ?? 0), 0);
      const split = p.deletes.length === 0 && (items.length >= PARALLEL_MIN_FILES || bytes >= PARALLEL_MIN_BYTES);
      const parts = chunkUploads(
        items,
        (x) => t.get(x)?.size ?? 0,
        split ? Math.min(5000, Math.ceil(items.length / 2)) : 5000,
        split ? Math.min(256 * 1024 * 1024, Math.ceil(bytes / 2) + 1) : 256 * 1024 * 1024,
      );
      parallel = split ? 2 : 1;
      return (parts.length ? parts : [[]]).map((c, i) => ({ deletes: i === 0 ? p.deletes.map(safeRelativePath) : [], items: c }));
    });
    const stdinFor = (index: number) =>
      async function* (): AsyncGenerator<Buffer> {
        const all = await prepared;
        const chunk = all[index];
        if (!chunk) return;
        yield Buffer.from(chunk.deletes.map(applyListLine).join('') + '\n');
        yield Buffer.from(foldersOf(chunk.items, resolvedTree).map(applyListLine).join('') + '\n');
        yield* tarStream(localTarEntries(localRoot, chunk.items, resolvedTree, progress), {
          onSizeMismatch: (p, e, a) => progress.onWarning?.(`${p} changed while it was sent (${e} -> ${a} bytes); it will be sent again.`),
        });
      };
    // The first exec starts now; with an empty plan it gets an empty archive and does nothing.
    const first = this.run(shCommand(APPLY_SCRIPT, [target]), `Applying changes in ${target}`, { signal, stdin: stdinFor(0)() });
    // It may fail while the plan is still being computed; it is awaited below, so its failure is
    // not an unhandled rejection in the meantime.
    first.catch(() => undefined);
    const all = await prepared.catch(async (e: unknown) => {
      await first.catch(() => undefined);
      throw e;
    });
    // Later chunks: one at a time after the first, or alongside it when the plan was split.
    let next = 1;
    const lane = async () => {
      while (next < all.length) {
        const i = next++;
        await this.run(shCommand(APPLY_SCRIPT, [target]), `Applying changes in ${target}`, { signal, stdin: stdinFor(i)() });
      }
    };
    if (parallel > 1) await Promise.all([first.then(lane), lane()]);
    else {
      await first;
      await lane();
    }
  }
}

export interface PlanParts {
  readonly deletes: readonly string[];
  readonly mkdirs: readonly string[];
  readonly uploads: readonly string[];
}

/** The folders a tar chunk writes into (deepest only: checking a/b/c checks a and a/b on the way). */
export function foldersOf(items: readonly string[], tree: Tree): string[] {
  const folders = new Set<string>();
  for (const p of items) {
    const dir = tree.get(p)?.type === 'dir' ? p : p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
    if (dir) folders.add(dir);
  }
  const sorted = sortPaths(folders);
  return sorted.filter((f, i) => !(i + 1 < sorted.length && sorted[i + 1].startsWith(f + '/')));
}

/** The transport into one pod (container), through the API server's exec endpoint. */
export class PodTransport extends ScriptTransport {
  private readonly execApi: Exec;
  readonly label: string;

  constructor(
    readonly kc: KubeConfig,
    readonly pod: PodRef,
  ) {
    super();
    this.execApi = new (k8s().Exec)(kc);
    this.label = describePod(pod);
  }

  /** Runs argv in the pod (never through a local shell). Resolves with the exit code, whatever it is. */
  exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const stdoutParts: Buffer[] = [];
    const stderrParts: Buffer[] = [];
    const stdout = new Writable({ write: (c: Buffer, _e, cb) => (stdoutParts.push(c), cb()) });
    const stderr = new Writable({ write: (c: Buffer, _e, cb) => (stderrParts.push(c), cb()) });
    const stdin = opts.stdin ? new PassThrough({ highWaterMark: 1024 * 1024 }) : null;
    return new Promise<ExecResult>((resolve, reject) => {
      let settled = false;
      let socket: Awaited<ReturnType<Exec['exec']>> | undefined;
      const finish = (err: unknown, status?: V1Status) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) {
          try {
            socket?.close();
          } catch {
            /* already closed */
          }
          reject(classifyExecError(err, this.pod));
          return;
        }
        resolve({
          stdout: Buffer.concat(stdoutParts),
          stderr: Buffer.concat(stderrParts).toString('utf8'),
          exitCode: status ? exitCodeOf(status) : -1,
        });
      };
      const onAbort = () => finish(new KubeMLError('timeout', `Exec into ${describePod(this.pod)} was cancelled.`));
      opts.signal?.addEventListener('abort', onAbort);
      if (opts.signal?.aborted) return onAbort();
      const timer = opts.timeoutMs
        ? setTimeout(
            () =>
              finish(
                new KubeMLError(
                  'timeout',
                  `Exec into ${describePod(this.pod)} did not finish within ${Math.round(opts.timeoutMs! / 1000)} s.`,
                  'Check the pod and the network; it will be retried.',
                ),
              ),
            opts.timeoutMs,
          )
        : undefined;
      this.execApi
        .exec(this.pod.namespace, this.pod.name, this.pod.container ?? '', cmd, stdout, stderr, stdin, false, (status) =>
          finish(undefined, status),
        )
        .then((ws) => {
          socket = ws;
          if (settled) {
            ws.close();
            return;
          }
          ws.on('close', (code: number, reason: Buffer) => {
            // The status message arrives before the close; a close without it is a lost connection.
            setTimeout(
              () =>
                finish(
                  Object.assign(
                    new Error(
                      `the connection closed before the command finished (${code}${reason?.length ? ` ${reason.toString()}` : ''})`,
                    ),
                    { code: 'ECONNRESET' },
                  ),
                ),
              50,
            );
          });
          ws.on('error', (e: Error) => finish(e));
          if (stdin && opts.stdin) void this.pump(opts.stdin, stdin, ws, () => settled).catch((e: unknown) => finish(e));
        })
        .catch((e: unknown) => finish(e));
    });
  }

  /**
   * Feeds stdin in frames of about 64 KB (a tar stream is many small pieces: headers, padding),
   * pausing while the socket holds more than HIGH_WATER bytes.
   */
  private async pump(
    source: AsyncIterable<Buffer>,
    stdin: PassThrough,
    ws: { bufferedAmount: number },
    done: () => boolean,
  ): Promise<void> {
    let parts: Buffer[] = [];
    let size = 0;
    const send = async () => {
      if (size === 0) return;
      stdin.write(parts.length === 1 ? parts[0] : Buffer.concat(parts, size));
      parts = [];
      size = 0;
      while (ws.bufferedAmount > HIGH_WATER && !done()) await new Promise((r) => setTimeout(r, 2));
    };
    for await (const chunk of source) {
      if (done()) return;
      parts.push(chunk);
      size += chunk.length;
      if (size >= FRAME) await send();
    }
    await send();
    stdin.end();
  }
}

/** Splits arguments so that each exec's argv stays within what a URL can carry. */
export function argvChunks(args: readonly string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let bytes = 0;
  for (const a of args) {
    // Query-string escaping can triple a byte.
    const n = Buffer.byteLength(a) * 3 + 16;
    if (cur.length && (bytes + n > MAX_ARGV_BYTES || cur.length >= MAX_ARGS)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(a);
    bytes += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

export interface UploadTreeOptions {
  readonly maxFileSize?: number;
  readonly mirror?: boolean;
  readonly signal?: AbortSignal;
  readonly onFile?: (path: string) => void;
  readonly onWarning?: (message: string) => void;
}

export interface UploadTreeResult {
  readonly plan: SyncPlan;
  readonly skipped: Skipped[];
  readonly localCount: number;
}

/**
 * Ships a local tree into a pod, incrementally: lists the target, sends what differs, removes
 * what must be replaced (and, in mirror mode, what has no local counterpart). The single
 * implementation behind Start Sync's first reconcile and the run launcher's code shipping.
 * `ignore`: extra patterns (gitignore syntax) or a ready matcher; the tree's .gitignore,
 * .dockerignore and .kubemlignore files are read in any case, by `workspaceIgnore`, the one
 * source of ignore rules that sync sessions use too.
 */
export async function uploadTree(
  kc: KubeConfig,
  pod: string | PodRef,
  container: string | undefined,
  localRoot: string,
  targetDir: string,
  ignore?: readonly string[] | IgnoreMatcher,
  opts: UploadTreeOptions = {},
): Promise<UploadTreeResult> {
  const ref: PodRef =
    typeof pod === 'string'
      ? { namespace: kc.getContextObject(kc.currentContext)?.namespace || 'default', name: pod, container }
      : { ...pod, container: container ?? pod.container };
  const transport = new PodTransport(kc, ref);
  return reconcile(transport, localRoot, targetDir, ignore, opts);
}

/** The incremental reconcile with an existing transport (used by sessions too). */
export async function reconcile(
  transport: ScriptTransport,
  localRoot: string,
  targetDir: string,
  ignore: readonly string[] | IgnoreMatcher | undefined,
  opts: UploadTreeOptions = {},
): Promise<UploadTreeResult> {
  // The remote listing starts at once; the local side reads the ignore rules, then walks.
  const listing = transport.list(targetDir, opts.signal);
  const scanning = workspaceIgnore(localRoot, ignore ?? []).then((matcher) => scanLocalTree(localRoot, { ignore: matcher }));
  const planning = Promise.all([scanning, listing]).then(([local, remote]) => {
    for (const s of local.skipped) opts.onWarning?.(`Skipped ${s.path}: ${s.reason}.`);
    if (remote.unreadable)
      opts.onWarning?.(
        `${remote.unreadable} remote name(s) could not be read (not plain relative paths, or an unknown listing format) and were left alone.`,
      );
    const plan = planReconcile(local.tree, remote.tree, {
      mirror: opts.mirror,
      maxFileSize: opts.maxFileSize,
      isIgnored: (p, d) => local.matcher.ignores(p, d),
    });
    for (const s of plan.skipped) opts.onWarning?.(`Skipped ${s.path}: ${s.reason}.`);
    return { local, plan };
  });
  // The apply exec is opened while the listing runs; it does nothing if there is nothing to do.
  const applying = transport.apply(
    targetDir,
    localRoot,
    planning.then(({ plan }) => (isEmptyPlan(plan) ? undefined : plan)),
    scanning.then((l) => l.tree),
    { onFile: opts.onFile, onWarning: opts.onWarning },
    opts.signal,
  );
  const [{ local, plan }] = await Promise.all([planning, applying]);
  return { plan, skipped: [...local.skipped, ...plan.skipped], localCount: local.tree.size };
}
