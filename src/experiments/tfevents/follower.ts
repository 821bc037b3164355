/**
 * Follows the TensorBoard event files of a run: every second (by default) it lists the files under
 * the logdir with their sizes, reads the bytes each one grew by (one range per file, from the offset
 * where the last read stopped), and hands the new scalars on as KubeML metric results. A record
 * still being written waits for the next poll; once the run is over, `finish()` reads what is left
 * and reports a record cut short. Damage (bad checksums) is reported, never thrown. Plain Node.
 */
import type { MetricResult } from '../../model/runResults';
import { TfEventsReader, toMetricResults, type TfFinding } from './reader';
import type { EventFileSource } from './remote';

export interface FollowerOptions {
  /** Between two polls (default 1,000 ms). */
  readonly intervalMs?: number;
  /** At most this many bytes of one file per poll (default 8 MiB): a large file is read over several polls. */
  readonly maxReadBytes?: number;
  /** Where reading starts per file (bytes already read by an earlier follower: `offsets()` of it). */
  readonly resume?: Readonly<Record<string, number>>;
  /** New scalars of one file, in file order; awaited before the next poll. */
  readonly onMetrics: (metrics: MetricResult[], file: string) => void | Promise<void>;
  /** A damaged record, a file cut short, a file that shrank. */
  readonly onFinding?: (finding: TfFinding) => void;
  /** A poll that failed (a lost connection, a pod that went away); polling goes on. */
  readonly onError?: (error: unknown) => void;
}

interface FileState {
  reader: TfEventsReader;
  /** Where the next read starts. */
  offset: number;
}

export class TensorBoardFollower {
  private readonly files = new Map<string, FileState>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  private readonly abort = new AbortController();
  /** Scalars handed on so far. */
  points = 0;
  polls = 0;
  /** Bytes the last poll read. */
  lastBytes = 0;

  constructor(
    readonly source: EventFileSource,
    private readonly opts: FollowerOptions,
  ) {}

  /** Bytes read whole per file: give them as `resume` to a later follower of the same run. */
  offsets(): Record<string, number> {
    return Object.fromEntries([...this.files].map(([p, s]) => [p, s.reader.consumed]));
  }

  private state(path: string): FileState {
    let s = this.files.get(path);
    if (!s) {
      const start = this.opts.resume?.[path] ?? 0;
      s = { reader: new TfEventsReader(path, start), offset: start };
      this.files.set(path, s);
    }
    return s;
  }

  private report(reader: TfEventsReader, from: number): void {
    for (const f of reader.findings.slice(from)) this.opts.onFinding?.(f);
  }

  /** One round: list, read what each file grew by, hand on the scalars. Returns how many there were. */
  async poll(signal: AbortSignal = this.abort.signal): Promise<number> {
    this.polls++;
    const max = this.opts.maxReadBytes ?? 8 * 1024 * 1024;
    let n = 0;
    this.lastBytes = 0;
    for (const f of await this.source.list(signal)) {
      let s = this.state(f.path);
      if (f.size < s.offset) {
        // Rewritten from scratch (a run restarted with the same file name): read it again.
        this.opts.onFinding?.({
          kind: 'truncated',
          record: s.reader.records,
          offset: f.size,
          message: `${f.path} shrank from ${s.offset} to ${f.size} bytes (it was written anew); it is read again from the start.`,
        });
        this.files.delete(f.path);
        s = { reader: new TfEventsReader(f.path, 0), offset: 0 };
        this.files.set(f.path, s);
      }
      if (f.size === s.offset || s.reader.stopped) continue;
      const bytes = await this.source.read(f.path, s.offset, Math.min(f.size, s.offset + max), signal);
      if (!bytes.length) continue;
      s.offset += bytes.length;
      this.lastBytes += bytes.length;
      const seen = s.reader.findings.length;
      const scalars = s.reader.push(bytes);
      this.report(s.reader, seen);
      if (scalars.length) {
        n += scalars.length;
        this.points += scalars.length;
        await this.opts.onMetrics(toMetricResults(scalars), f.path);
      }
    }
    return n;
  }

  /** Polls every intervalMs until stop() or finish(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.poll()
        .catch((e: unknown) => {
          if (!this.abort.signal.aborted) this.opts.onError?.(e);
        })
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs ?? 1000);
        });
    };
    tick();
  }

  /** Stops polling (a poll under way ends first). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * The files are final (the run ended): stops polling, reads what is left, and returns every
   * finding, including records cut short at the end of a file.
   */
  async finish(signal?: AbortSignal): Promise<TfFinding[]> {
    await this.stop();
    // Read until nothing is left (a large file takes several reads of maxReadBytes).
    do await this.poll(signal);
    while (this.lastBytes > 0);
    const all: TfFinding[] = [];
    for (const s of this.files.values()) {
      const seen = s.reader.findings.length;
      s.reader.end();
      this.report(s.reader, seen);
      all.push(...s.reader.findings);
    }
    return all;
  }

  /** Stops for good, cancelling a read under way. */
  dispose(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
  }
}
