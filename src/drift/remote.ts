/**
 * Data files inside a pod, or on a claim, read through exec (sync's PodTransport: the API
 * server's exec endpoint, the user's kubeconfig, no kubectl). Bytes come in ranges, one exec
 * per range, so memory stays bounded: CSV and JSON Lines stream block by block (the next block
 * is fetched while the current one is parsed); Parquet reads its footer and then only the row
 * groups and columns it needs. A claim is mounted read-only by a short-lived pod (the explorer's
 * Browse Files pod), which is deleted afterwards. Plain Node: no `vscode`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../cluster/client';
import { KubeMLError, messageOf } from '../common/errors';
import { DEFAULT_CLAIM_POD_IMAGE, withClaimPod } from '../cluster/stream/claimPod';
import { shCommand } from '../cluster/stream/tree/remoteScripts';
import { PodTransport, type PodRef, type ScriptTransport } from '../cluster/stream/transport';
import { isParquetMagic, readParquet, type ByteSource } from './parquet';
import { DATA_EXTENSIONS, formatOf, readTable, type ReadOptions } from './readers';
import type { Table } from './table';

/**
 * `sh -c RANGE_SCRIPT _ FILE START COUNT`: COUNT bytes of FILE from byte START (GNU or BusyBox
 * dd with byte offsets, else tail | head); `... FILE size` prints the size. Exit 3: not readable,
 * 4: not a regular file. The path is an argument, never part of the script.
 */
export const RANGE_SCRIPT = [
  'f=$1',
  '[ -e "$f" ] || { echo "no such file" >&2; exit 3; }',
  '[ -f "$f" ] || { echo "not a regular file" >&2; exit 4; }',
  '[ -r "$f" ] || { echo "permission denied" >&2; exit 3; }',
  'if [ "$2" = size ]; then wc -c < "$f"; exit; fi',
  'if dd if=/dev/null of=/dev/null iflag=skip_bytes,count_bytes 2>/dev/null; then',
  '  exec dd if="$f" bs=1048576 iflag=skip_bytes,count_bytes skip="$2" count="$3" 2>/dev/null',
  'fi',
  'tail -c +"$(($2 + 1))" "$f" | head -c "$3"',
].join('\n');

/** Bytes per exec when streaming, and the block of the small-read cache. */
export const STREAM_BLOCK = 8 * 1024 * 1024;
const CACHE_BLOCK = 1024 * 1024;
const CACHE_BLOCKS = 16;

/** A file in a pod: its size, byte ranges, and a stream of blocks. */
export class PodFile implements ByteSource {
  private readonly cache = new Map<number, Promise<Buffer>>();
  execs = 0;

  private constructor(
    private readonly transport: ScriptTransport,
    readonly path: string,
    readonly byteLength: number,
  ) {}

  static async open(transport: ScriptTransport, path: string, signal?: AbortSignal): Promise<PodFile> {
    if (!path.startsWith('/'))
      throw new KubeMLError(
        'invalid',
        `"${path}" is not an absolute path in the container.`,
        'Give the full path, such as /data/current.csv.',
      );
    const r = await transport.exec(shCommand(RANGE_SCRIPT, [path, 'size']), { signal, timeoutMs: 60_000 });
    if (r.exitCode === 3 || r.exitCode === 4) {
      throw new KubeMLError(
        'not-found',
        `Cannot read ${path} in ${transport.label}: ${r.stderr.trim() || 'no such file'}.`,
        'Check the path (it is inside the container, not on this machine).',
      );
    }
    const size = Number(r.stdout.toString('utf8').trim());
    if (r.exitCode !== 0 || !Number.isSafeInteger(size)) {
      throw new KubeMLError(
        'server',
        `Cannot read the size of ${path} in ${transport.label} (exit ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').pop()}` : ''}).`,
        'The image needs sh, wc and dd (or tail and head).',
      );
    }
    return new PodFile(transport, path, size);
  }

  /** Bytes [start, end) straight from the pod: one exec. */
  async read(start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
    end = Math.min(end, this.byteLength);
    if (end <= start) return Buffer.alloc(0);
    this.execs++;
    const r = await this.transport.exec(shCommand(RANGE_SCRIPT, [this.path, String(start), String(end - start)]), {
      signal,
      timeoutMs: 300_000,
    });
    if (r.exitCode !== 0)
      throw new KubeMLError(
        'server',
        `Reading ${this.path} in ${this.transport.label} failed (exit ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').pop()}` : ''}).`,
      );
    if (r.stdout.length !== end - start) {
      throw new KubeMLError(
        'invalid',
        `${this.path} in ${this.transport.label} changed while it was read (expected ${end - start} bytes at ${start}, got ${r.stdout.length}).`,
        'Compare a file that is no longer being written.',
      );
    }
    return r.stdout;
  }

  private block(i: number): Promise<Buffer> {
    let b = this.cache.get(i);
    if (!b) {
      b = this.read(i * CACHE_BLOCK, (i + 1) * CACHE_BLOCK);
      b.catch(() => this.cache.delete(i));
      this.cache.set(i, b);
      if (this.cache.size > CACHE_BLOCKS) this.cache.delete(this.cache.keys().next().value!);
    }
    return b;
  }

  /** hyparquet's AsyncBuffer: small reads (footers, small column chunks) through a block cache, large ones in one exec. */
  async slice(start: number, end = this.byteLength): Promise<ArrayBuffer> {
    end = Math.min(end, this.byteLength);
    let buf: Buffer;
    if (end - start > 2 * CACHE_BLOCK) {
      buf = await this.read(start, end);
    } else {
      const first = Math.floor(start / CACHE_BLOCK);
      const last = Math.floor((end - 1) / CACHE_BLOCK);
      const blocks = await Promise.all(Array.from({ length: Math.max(0, last - first + 1) }, (_, k) => this.block(first + k)));
      buf = Buffer.concat(blocks).subarray(start - first * CACHE_BLOCK, end - first * CACHE_BLOCK);
    }
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  }

  /** The whole file in blocks, the next one already on its way while the caller works on the current. */
  async *chunks(block = STREAM_BLOCK, signal?: AbortSignal): AsyncGenerator<Buffer> {
    let next: Promise<Buffer> | undefined = this.byteLength > 0 ? this.read(0, block, signal) : undefined;
    for (let at = 0; next; at += block) {
      const cur: Promise<Buffer> = next;
      next = at + block < this.byteLength ? this.read(at + block, at + 2 * block, signal) : undefined;
      next?.catch(() => undefined); // awaited (and thrown) in its turn
      yield await cur;
    }
  }
}

/** A CSV, TSV, JSON Lines or Parquet file read through a transport (Parquet also by its magic number). */
export async function readRemoteTable(transport: ScriptTransport, path: string, options: ReadOptions = {}): Promise<Table> {
  const file = await PodFile.open(transport, path, options.signal);
  const source = `${transport.label}:${path}`;
  let format = formatOf(path, options.format);
  const known = DATA_EXTENSIONS.some((x) => path.toLowerCase().endsWith(`.${x}`));
  if (!known && !options.format && file.byteLength >= 12 && isParquetMagic(new Uint8Array(await file.slice(0, 4)))) format = 'parquet';
  if (format === 'parquet') return readParquet(file, source, options);
  if (file.byteLength === 0)
    throw new KubeMLError('invalid', `${source} is empty.`, 'Give a file with a header row and at least one data row.');
  // The stream ends early when the reader stops at maxRows; nothing more is fetched then.
  // A function, so that the reader can read the rows again that a column turning into categories needs (readers.ts).
  return readTable(() => file.chunks(STREAM_BLOCK, options.signal), source, { ...options, format });
}

/** Where a data file lives in the cluster. */
export type ClusterFile =
  | { readonly pod: PodRef; readonly path: string }
  | { readonly claim: { readonly namespace: string; readonly name: string }; readonly path: string };

export interface ClusterReadOptions extends ReadOptions {
  /** Image of the pod that mounts a claim (kubeml.datasets.browseImage). */
  readonly browseImage?: string;
  /** How long to wait for that pod to run (default 2 minutes). */
  readonly startTimeoutMs?: number;
  readonly onProgress?: (message: string) => void;
}

function claimPath(path: string, claim: string): string {
  const rel = path.replace(/^\/+/, '');
  if (rel === '' || rel.split('/').includes('..'))
    throw new KubeMLError(
      'invalid',
      `"${path}" is not a file path inside claim ${claim}.`,
      'Give a path relative to the claim, such as data/current.csv.',
    );
  return rel;
}

/** Reads files of one claim through one short-lived read-only pod (deleted afterwards). */
export async function readClaimTables(
  kc: KubeConfig,
  client: KubeClient,
  claim: { readonly namespace: string; readonly name: string },
  paths: readonly string[],
  options: ClusterReadOptions = {},
): Promise<Table[]> {
  const rels = paths.map((p) => claimPath(p, claim.name));
  try {
    return await withClaimPod(
      client,
      claim.namespace,
      claim.name,
      options.browseImage || DEFAULT_CLAIM_POD_IMAGE,
      async (pod) => {
        const transport = new PodTransport(kc, pod);
        const out: Table[] = [];
        for (const rel of rels) {
          options.onProgress?.(`reading ${rel}`);
          const t = await readRemoteTable(transport, `/data/${rel}`, options);
          out.push({ ...t, source: `${claim.namespace}/${claim.name}:${rel}` });
        }
        return out;
      },
      { startTimeoutMs: options.startTimeoutMs, signal: options.signal, onProgress: options.onProgress },
    );
  } catch (e) {
    throw KubeMLError.is(e)
      ? e
      : new KubeMLError('unknown', `Cannot read from claim ${claim.name}: ${messageOf(e)}`, undefined, undefined, { cause: e });
  }
}

/** Reads a data file from a pod, or from a claim through a short-lived read-only pod. */
export async function readClusterTable(
  kc: KubeConfig,
  client: KubeClient,
  file: ClusterFile,
  options: ClusterReadOptions = {},
): Promise<Table> {
  if ('pod' in file) return readRemoteTable(new PodTransport(kc, file.pod), file.path, options);
  return (await readClaimTables(kc, client, file.claim, [file.path], options))[0];
}
