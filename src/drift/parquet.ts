/**
 * Parquet input through hyparquet (pure JavaScript). Column kinds come from the file's schema,
 * not from inference: numbers (ints, floats, decimals), timestamps and dates (epoch ms),
 * categories (strings, enums, booleans); nested columns (lists, maps, structs) are skipped with
 * a warning. The file is read one row group at a time, only the columns kept, straight into
 * preallocated typed arrays: memory is the table itself plus one decoded row group.
 */
import { promises as fs } from 'node:fs';
import { basename } from 'node:path';
import type * as HyparquetModule from 'hyparquet';
import type * as CompressorsModule from 'hyparquet-compressors';
import { KubeMLError, messageOf } from '../common/errors';
import { READ_LIMITS, sharedFloat64, sharedInt32, type Column, type Table } from './table';

/** Random access to the bytes of a file: a local file, or one in a pod (exec). hyparquet's AsyncBuffer. */
export interface ByteSource {
  readonly byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

export interface ParquetReadOptions {
  readonly maxRows?: number;
  readonly signal?: AbortSignal;
}

type Kind = Column['kind'];
type Hyparquet = typeof HyparquetModule;
type Compressors = typeof CompressorsModule;
type SchemaTree = ReturnType<Hyparquet['parquetSchema']>;
type SchemaElement = SchemaTree['element'];

let lib: Promise<[Hyparquet, Compressors]> | undefined;
/** Loaded on first use: neither the extension's activation nor `kubeml lint` pays for it. */
function hyparquet(): Promise<[Hyparquet, Compressors]> {
  lib ??= Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
  return lib;
}

/** Timestamps as epoch milliseconds (fractions kept), not Date objects: no object per value. */
const PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => Number(v) / 1e3,
  timestampFromNanoseconds: (v: bigint) => Number(v) / 1e6,
  dateFromDays: (d: number) => d * 86_400_000,
};

/** The kind the engine gets for a flat column, or why it is skipped. */
export function kindOf(e: SchemaElement): Kind | { skip: string } {
  const logical = e.logical_type?.type;
  const converted = e.converted_type;
  if (
    logical === 'TIMESTAMP' ||
    logical === 'DATE' ||
    converted === 'DATE' ||
    converted === 'TIMESTAMP_MILLIS' ||
    converted === 'TIMESTAMP_MICROS' ||
    e.type === 'INT96'
  )
    return 'time';
  if (
    logical === 'STRING' ||
    logical === 'ENUM' ||
    logical === 'UUID' ||
    logical === 'JSON' ||
    converted === 'UTF8' ||
    converted === 'ENUM' ||
    converted === 'JSON'
  )
    return 'categorical';
  if (logical === 'DECIMAL' || converted === 'DECIMAL' || logical === 'FLOAT16') return 'numeric';
  switch (e.type) {
    case 'BOOLEAN':
      return 'categorical';
    case 'INT32':
    case 'INT64':
    case 'FLOAT':
    case 'DOUBLE':
      return 'numeric';
    case 'BYTE_ARRAY':
      return 'categorical';
    default:
      return { skip: `its type (${e.type ?? 'group'}${logical ? `, ${logical}` : ''}) is not a number, timestamp or text` };
  }
}

interface Sink {
  readonly name: string;
  readonly kind: Kind;
  readonly values?: Float64Array;
  readonly codes?: Int32Array;
  readonly categories: string[];
  readonly index: Map<string, number>;
  /** Why the column is left out (too many distinct values). */
  dropped?: string;
}

const utf8 = new TextDecoder();

function categoryOf(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return utf8.decode(v);
  if (typeof v === 'object') return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  return NaN; // null: missing
}

/** Writes one decoded chunk at its rows (chunks of different columns arrive in any order). */
function put(sink: Sink, data: ArrayLike<unknown>, rowStart: number, rowEnd: number): void {
  const n = rowEnd - rowStart;
  if (sink.values) {
    const out = sink.values;
    if (
      data instanceof Float64Array ||
      data instanceof Float32Array ||
      data instanceof Int32Array ||
      data instanceof Uint32Array ||
      data instanceof Uint8Array
    ) {
      out.set(data.length === n ? data : data.subarray(0, n), rowStart);
    } else {
      for (let i = 0; i < n; i++) out[rowStart + i] = numberOf(data[i]);
    }
    return;
  }
  const codes = sink.codes!;
  if (sink.dropped) return;
  for (let i = 0; i < n; i++) {
    const key = categoryOf(data[i]);
    if (key === undefined) {
      codes[rowStart + i] = -1;
      continue;
    }
    let c = sink.index.get(key);
    if (c === undefined) {
      c = sink.categories.length;
      if (c >= READ_LIMITS.categories) {
        sink.dropped = `Column "${sink.name}" has more than ${fmt(READ_LIMITS.categories)} distinct values, the most a column of categories may have; it is not compared.`;
        sink.categories.length = 0;
        sink.index.clear();
        return;
      }
      sink.categories.push(key);
      sink.index.set(key, c);
    }
    codes[rowStart + i] = c;
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Decoded values a column chunk may claim per byte it takes in the file (run-length encoding of a constant column reaches thousands). */
export const MAX_VALUES_PER_BYTE = 8192;

type Metadata = Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;

/**
 * The footer's counts against each other and against the bytes of the file, before anything is
 * allocated from them: the row groups add up to the file's row count, each column chunk read lies
 * inside the file and holds at most MAX_VALUES_PER_BYTE values per byte. So memory follows the
 * file's size, not what its footer says.
 */
export function checkClaims(metadata: Metadata, columns: readonly string[], byteLength: number, source: string): void {
  const damaged = 'The file is damaged or was not written completely; write it again.';
  const total = Number(metadata.num_rows);
  const sum = metadata.row_groups.reduce((n, g) => n + Number(g.num_rows), 0);
  if (sum !== total)
    throw new KubeMLError(
      'invalid',
      `${basename(source)}: its footer claims ${fmt(total)} rows but its row groups hold ${fmt(sum)}.`,
      damaged,
    );
  const wanted = new Set(columns);
  metadata.row_groups.forEach((group, g) => {
    const rows = Number(group.num_rows);
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      const name = meta?.path_in_schema[0];
      if (!meta || name === undefined || !wanted.has(name) || meta.path_in_schema.length !== 1) continue;
      const bytes = Number(meta.total_compressed_size);
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      if (!(start >= 0 && bytes > 0 && start + bytes <= byteLength))
        throw new KubeMLError(
          'invalid',
          `${basename(source)}: row group ${g + 1} places column "${name}" at bytes ${fmt(start)}–${fmt(start + bytes)}, outside the file (${fmt(byteLength)} bytes).`,
          damaged,
        );
      if (rows > MAX_VALUES_PER_BYTE * bytes)
        throw new KubeMLError(
          'invalid',
          `${basename(source)}: row group ${g + 1} claims ${fmt(rows)} rows, but column "${name}" has only ${fmt(bytes)} bytes for them, more than ${fmt(MAX_VALUES_PER_BYTE)} values per byte.`,
          damaged,
        );
    }
  });
}

/** Reads a Parquet file from any random-access byte source. */
export async function readParquet(file: ByteSource, source: string, options: ParquetReadOptions = {}): Promise<Table> {
  const [
    { parquetMetadataAsync, parquetSchema, parquetRead },
    { decompressGzip, decompressBrotli, decompressZstd, decompressLz4, decompressLz4Raw },
  ] = await hyparquet();
  const compressors = {
    GZIP: decompressGzip,
    BROTLI: decompressBrotli,
    ZSTD: (input: Uint8Array) => decompressZstd(input),
    LZ4: decompressLz4,
    LZ4_RAW: decompressLz4Raw,
  };
  let metadata: Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;
  try {
    metadata = await parquetMetadataAsync(file, { parsers: PARSERS });
  } catch (e) {
    if (KubeMLError.is(e)) throw e;
    throw new KubeMLError(
      'invalid',
      `${source} is not a readable Parquet file: ${messageOf(e)}.`,
      'Check that the file is complete and really Parquet (it ends with the bytes PAR1).',
      undefined,
      { cause: e },
    );
  }
  const warnings: string[] = [];
  const total = Number(metadata.num_rows);
  const maxRows = options.maxRows ?? Number.MAX_SAFE_INTEGER;
  const rows = Math.min(total, maxRows);
  const kept: Array<{ name: string; kind: Kind }> = [];
  for (const child of parquetSchema(metadata).children) {
    const name = child.element.name;
    const k =
      child.children.length > 0
        ? { skip: `it is nested (${child.element.logical_type?.type ?? child.element.converted_type ?? 'struct'})` }
        : kindOf(child.element);
    if (typeof k === 'object') {
      warnings.push(`Column "${name}" is not read: ${k.skip}.`);
      continue;
    }
    kept.push({ name, kind: k });
  }
  if (total === 0) throw new KubeMLError('invalid', `${source} has no rows.`, 'Give a Parquet file with at least one row.');
  if (kept.length === 0)
    throw new KubeMLError(
      'invalid',
      `${source} has no column of numbers, timestamps or text.`,
      'Drift compares flat columns; nested columns are skipped.',
    );
  if (kept.length > READ_LIMITS.columns)
    throw new KubeMLError(
      'invalid',
      `${basename(source)} has ${fmt(kept.length)} columns of numbers, timestamps or text; at most ${fmt(READ_LIMITS.columns)} are read.`,
      'Write the columns to compare into a smaller file.',
    );
  checkClaims(
    metadata,
    kept.map((c) => c.name),
    file.byteLength,
    source,
  );
  // The claims hold: the columns can be allocated at their full length.
  const sinks: Sink[] = kept.map(({ name, kind }) => ({
    name,
    kind,
    values: kind === 'categorical' ? undefined : sharedFloat64(rows).fill(NaN),
    codes: kind === 'categorical' ? sharedInt32(rows).fill(-1) : undefined,
    categories: [],
    index: new Map(),
  }));
  const byName = new Map(sinks.map((s) => [s.name, s]));
  const columns = sinks.map((s) => s.name);
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    if (groupStart >= rows) break;
    if (options.signal?.aborted) throw new KubeMLError('unknown', `Reading ${source} was cancelled.`);
    const groupEnd = Math.min(groupStart + Number(group.num_rows), rows);
    try {
      await parquetRead({
        file,
        metadata,
        columns,
        rowStart: groupStart,
        rowEnd: groupEnd,
        compressors,
        parsers: PARSERS,
        onChunk: (chunk) => {
          const sink = byName.get(chunk.columnName);
          const start = Math.max(chunk.rowStart, groupStart);
          const end = Math.min(chunk.rowEnd, groupEnd);
          if (!sink || end <= start) return;
          const data = chunk.columnData as ArrayLike<unknown> & { subarray?: (a: number, b: number) => ArrayLike<unknown> };
          const off = start - chunk.rowStart;
          put(
            sink,
            off === 0
              ? data
              : data.subarray
                ? data.subarray(off, off + end - start)
                : Array.prototype.slice.call(data, off, off + end - start),
            start,
            end,
          );
        },
      });
    } catch (e) {
      if (KubeMLError.is(e)) throw e;
      throw new KubeMLError(
        'invalid',
        `Cannot decode rows ${groupStart + 1}–${groupEnd} of ${source}: ${messageOf(e)}.`,
        'The file may be damaged, or use an encoding or compression this reader lacks.',
        undefined,
        { cause: e },
      );
    }
    groupStart += Number(group.num_rows);
  }
  if (rows < total)
    warnings.push(`Read only the first ${maxRows.toLocaleString('en-US')} rows of ${basename(source)}; the rest was not compared.`);
  for (const s of sinks) if (s.dropped) warnings.push(s.dropped);
  const out: Column[] = sinks
    .filter((s) => !s.dropped)
    .map((s) =>
      s.kind === 'categorical'
        ? { name: s.name, kind: 'categorical', codes: s.codes!, categories: s.categories }
        : { name: s.name, kind: s.kind, values: s.values! },
    );
  return { source, rows, columns: out, warnings };
}

/** A local file as a byte source, read with positioned reads on one handle. */
export async function fileByteSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (e) {
    throw new KubeMLError('not-found', `Cannot read ${path}: the file does not exist or is not readable.`, 'Check the path.', undefined, {
      cause: e,
    });
  }
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const len = Math.max(0, Math.min(end, size) - start);
      const buf = new Uint8Array(len);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await handle.read(buf, got, len - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === len ? buf.buffer : buf.slice(0, got).buffer;
    },
    close: () => handle.close(),
  };
}

export async function readParquetFile(path: string, options: ParquetReadOptions = {}): Promise<Table> {
  const file = await fileByteSource(path);
  try {
    return await readParquet(file, path, options);
  } finally {
    await file.close();
  }
}

/** Whether bytes start (or end) with Parquet's magic number. */
export function isParquetMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31;
}
