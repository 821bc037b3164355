/**
 * Event files where a run writes them: in its pod (while it runs) or on its artifacts claim
 * (afterwards, through a short-lived read-only pod), reached through exec (sync's transport: the
 * API server's exec endpoint, no kubectl). One exec lists the files under a logdir with their
 * sizes; one exec per file reads a byte range. Plain Node: no `vscode`.
 */
import { KubeMLError } from '../../common/errors';
import { shCommand } from '../../cluster/stream/tree/remoteScripts';
import type { ScriptTransport } from '../../cluster/stream/transport';

/** Names of TensorBoard event files (tf.summary, torch.utils.tensorboard, tensorboardX). */
export const EVENT_FILE = /^events\.out\.tfevents\./;

/**
 * `sh -c LIST_EVENTS_SCRIPT _ ROOT`: "SIZE PATH" per line for each events.out.tfevents.* file under
 * ROOT (recursively); exit 3 when ROOT is not there (yet). GNU find or BusyBox find, and wc.
 */
export const LIST_EVENTS_SCRIPT = [
  'r=$1',
  '[ -d "$r" ] || exit 3',
  'find "$r" -type f -name \'events.out.tfevents.*\' 2>/dev/null | while IFS= read -r f; do',
  '  s=$(wc -c < "$f" 2>/dev/null) && printf \'%s %s\\n\' "$s" "$f"',
  'done',
  'exit 0',
].join('\n');

/**
 * `sh -c READ_RANGE_SCRIPT _ FILE START COUNT`: at most COUNT bytes of FILE from byte START (GNU or
 * BusyBox dd with byte offsets, else tail | head). Exit 3: the file is gone. The path is an
 * argument, never part of the script.
 */
export const READ_RANGE_SCRIPT = [
  'f=$1',
  '[ -f "$f" ] || { echo "no such file" >&2; exit 3; }',
  'if dd if=/dev/null of=/dev/null iflag=skip_bytes,count_bytes 2>/dev/null; then',
  '  exec dd if="$f" bs=1048576 iflag=skip_bytes,count_bytes skip="$2" count="$3" 2>/dev/null',
  'fi',
  'tail -c +"$(($2 + 1))" "$f" | head -c "$3"',
].join('\n');

export interface EventFileInfo {
  /** Path in the container (or in the claim pod). */
  readonly path: string;
  readonly size: number;
}

/** Where event files are listed and read: a pod, a claim pod, or (in tests) a local folder. */
export interface EventFileSource {
  readonly label: string;
  /** The event files under the logdir; none when the logdir does not exist (yet). */
  list(signal?: AbortSignal): Promise<EventFileInfo[]>;
  /** Bytes [start, end) of a file, fewer when it is shorter; empty when it is gone. */
  read(path: string, start: number, end: number, signal?: AbortSignal): Promise<Buffer>;
}

/** Parses LIST_EVENTS_SCRIPT's output. */
export function parseEventListing(stdout: string): EventFileInfo[] {
  const out: EventFileInfo[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+) (\/.*)$/.exec(line);
    const name = m?.[2].slice(m[2].lastIndexOf('/') + 1) ?? '';
    if (m && EVENT_FILE.test(name)) out.push({ path: m[2], size: Number(m[1]) });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Event files under `logdir` (an absolute folder) through a transport: one exec to list, one per range read. */
export class ExecEventFiles implements EventFileSource {
  readonly label: string;
  execs = 0;

  constructor(
    private readonly transport: ScriptTransport,
    readonly logdir: string,
  ) {
    if (!logdir.startsWith('/') || logdir.split('/').includes('..'))
      throw new KubeMLError(
        'invalid',
        `"${logdir}" is not an absolute folder in the container.`,
        'Set tensorboard.logdir in kubeml.yaml to an absolute path.',
      );
    this.label = `${transport.label}:${logdir}`;
  }

  async list(signal?: AbortSignal): Promise<EventFileInfo[]> {
    this.execs++;
    const r = await this.transport.exec(shCommand(LIST_EVENTS_SCRIPT, [this.logdir]), { signal, timeoutMs: 60_000 });
    if (r.exitCode === 3) return [];
    if (r.exitCode !== 0)
      throw new KubeMLError(
        'server',
        `Listing the TensorBoard files under ${this.logdir} in ${this.transport.label} failed (exit ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').pop()}` : ''}).`,
        'The image needs sh, find and wc.',
      );
    return parseEventListing(r.stdout.toString('utf8'));
  }

  async read(path: string, start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    this.execs++;
    const r = await this.transport.exec(shCommand(READ_RANGE_SCRIPT, [path, String(start), String(end - start)]), {
      signal,
      timeoutMs: 300_000,
    });
    if (r.exitCode === 3) return Buffer.alloc(0);
    if (r.exitCode !== 0)
      throw new KubeMLError(
        'server',
        `Reading ${path} in ${this.transport.label} failed (exit ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').pop()}` : ''}).`,
        'The image needs sh and dd (or tail and head).',
      );
    return r.stdout.length > end - start ? r.stdout.subarray(0, end - start) : r.stdout;
  }
}
