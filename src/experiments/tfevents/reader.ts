/**
 * An incremental reader of TensorBoard event files (TFRecord framing of Event protos): push bytes
 * as they come, get the scalars of every whole record; a partial record at the end is kept for the
 * next push, so a file that a run is still writing is read from where the last read stopped.
 *
 * Framing of each record: uint64 length (little-endian), masked CRC-32C of those 8 bytes, the data,
 * masked CRC-32C of the data. Both checksums are checked. A bad data checksum drops that record
 * (its length was sound, so the next record starts right after it); a bad length checksum means
 * the framing itself is lost, and the reader looks for the next header whose checksum holds. Every
 * such problem is a finding (which record, at which byte), never an exception. Pure: no I/O.
 */
import type { MetricResult } from '../../model/runResults';
import { maskedCrc32c } from './crc32c';
import { decodeEvent } from './proto';

/** One scalar point of an event file. */
export interface TfScalar {
  readonly tag: string;
  readonly value: number;
  readonly step: number;
  /** Seconds since the epoch, as the writer stamped the event. */
  readonly wallTime: number;
}

export type FindingKind = 'length-checksum' | 'data-checksum' | 'not-an-event' | 'too-large' | 'truncated';

/** A problem met in the file: what, which record (0-based, counting the records read), at which byte. */
export interface TfFinding {
  readonly kind: FindingKind;
  readonly record: number;
  readonly offset: number;
  readonly message: string;
}

/** Records longer than this are taken as damage (TensorBoard's own files hold graphs of some MB at most). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
const HEADER = 12;
const FOOTER = 4;
const EMPTY = new Uint8Array(0);

const fmt = (n: number) => n.toLocaleString('en-US');

export class TfEventsReader {
  /** Bytes not yet part of a whole record (a record still being written, or bytes searched for a header). */
  private tail: Uint8Array = EMPTY;
  /** File offset of tail[0]. */
  private base = 0;
  private resyncing = false;
  private done = false;
  /** Records read whole (including the dropped ones). */
  records = 0;
  /** Events read (records whose data decoded). */
  events = 0;
  readonly findings: TfFinding[] = [];

  /** `source` names the file in findings; `startOffset` is where the first pushed byte sits in the file. */
  constructor(
    readonly source = 'event file',
    startOffset = 0,
  ) {
    this.base = startOffset;
  }

  /** Bytes of the file up to which every record has been read: where a fresh reader would start. */
  get consumed(): number {
    return this.base;
  }

  /** Bytes pushed so far (including the partial tail): where the next read of the file starts. */
  get received(): number {
    return this.base + this.tail.length;
  }

  /** True after a damage that the reader could not get past (a record too large to be real). */
  get stopped(): boolean {
    return this.done;
  }

  private find(kind: FindingKind, offset: number, message: string): void {
    this.findings.push({
      kind,
      record: this.records,
      offset,
      message: `${this.source}, record ${fmt(this.records)} at byte ${fmt(offset)}: ${message}`,
    });
  }

  /** Reads the whole records that `chunk` completes; returns their scalars, in file order. */
  push(chunk: Uint8Array): TfScalar[] {
    const out: TfScalar[] = [];
    if (this.done) return out;
    let buf: Uint8Array;
    if (this.tail.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.tail.length + chunk.length);
      buf.set(this.tail, 0);
      buf.set(chunk, this.tail.length);
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const n = buf.length;
    let pos = 0;
    while (n - pos >= HEADER) {
      if (this.resyncing) {
        // Look for the next 12 bytes that are a sound header.
        let found = -1;
        for (let p = pos; p + HEADER <= n; p++) {
          if (view.getUint32(p + 4, true) === 0 && view.getUint32(p + 8, true) === maskedCrc32c(buf, p, p + 8)) {
            found = p;
            break;
          }
        }
        if (found < 0) {
          pos = n - HEADER + 1;
          break;
        }
        this.find('length-checksum', this.base + found, `reading goes on here after ${fmt(found - pos)} damaged bytes were skipped.`);
        pos = found;
        this.resyncing = false;
      }
      const lo = view.getUint32(pos, true);
      const hi = view.getUint32(pos + 4, true);
      if (view.getUint32(pos + 8, true) !== maskedCrc32c(buf, pos, pos + 8)) {
        this.find(
          'length-checksum',
          this.base + pos,
          'the checksum of the record length does not match (the file is damaged here); looking for the next record.',
        );
        this.resyncing = true;
        pos++;
        continue;
      }
      const len = hi * 2 ** 32 + lo;
      if (len > MAX_RECORD_BYTES) {
        this.find(
          'too-large',
          this.base + pos,
          `a record of ${fmt(len)} bytes is longer than any TensorBoard writes; the rest of the file is not read.`,
        );
        this.done = true;
        pos = n;
        break;
      }
      const end = pos + HEADER + len + FOOTER;
      if (end > n) break; // the rest of this record is still to come
      const data = pos + HEADER;
      if (view.getUint32(data + len, true) !== maskedCrc32c(buf, data, data + len)) {
        this.find(
          'data-checksum',
          this.base + pos,
          'the checksum of the record data does not match (the file is damaged here); the record is skipped.',
        );
      } else {
        const ev = decodeEvent(buf, view, data, data + len);
        if (!ev) this.find('not-an-event', this.base + pos, 'the record is not a TensorBoard event; it is skipped.');
        else {
          this.events++;
          for (const s of ev.scalars) out.push({ tag: s.tag, value: s.value, step: ev.step, wallTime: ev.wallTime });
        }
      }
      this.records++;
      pos = end;
    }
    this.base += pos;
    // Copy the tail (Buffer#slice would be a view): the caller may reuse its chunk.
    if (pos >= n) this.tail = EMPTY;
    else {
      this.tail = new Uint8Array(n - pos);
      this.tail.set(buf.subarray(pos));
    }
    return out;
  }

  /**
   * The file is final (the run ended, or the file will not grow): a partial record left over is a
   * finding (the writer stopped in the middle of it). Returns every finding of the file.
   */
  end(): TfFinding[] {
    if (this.tail.length && !this.done) {
      if (this.resyncing)
        this.find('length-checksum', this.base, `no further record was found in the last ${fmt(this.tail.length)} bytes.`);
      else
        this.find(
          'truncated',
          this.base,
          `the file ends ${fmt(this.tail.length)} bytes into a record (the writer stopped before it finished it); that record is not read.`,
        );
      this.tail = EMPTY;
    }
    this.done = true;
    return this.findings;
  }
}

/** Scalars as KubeML metric results (name = tag); non-finite values (NaN, infinities) are null, as in metrics.jsonl. */
export function toMetricResults(points: readonly TfScalar[]): MetricResult[] {
  return points.map((p) => ({
    type: 'metric',
    name: p.tag,
    value: Number.isFinite(p.value) ? p.value : null,
    step: p.step,
    wallTime: p.wallTime,
    source: 'tensorboard',
  }));
}

/** Reads a whole event file held in memory. */
export function readTfEvents(bytes: Uint8Array, source?: string): { scalars: TfScalar[]; findings: TfFinding[]; events: number } {
  const r = new TfEventsReader(source);
  const scalars = r.push(bytes);
  return { scalars, findings: r.end(), events: r.events };
}
