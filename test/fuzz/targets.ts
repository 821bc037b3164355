/**
 * Fuzz targets: each makes input number i from a seeded generator (so a failure is reproduced by
 * its seed and index) and runs one of KubeML's parsers on it. Inputs are random or mutations of real
 * files (the lint corpus and samples, the drift fixtures written by pyarrow and by hand).
 * A target throws only when the code under test misbehaves: a KubeMLError (a clean refusal) or a
 * lint finding is a correct answer, not a failure.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KubeMLError } from '../../src/common/errors';
import {
  coalesceEvents,
  minimalRoots,
  planReconcile,
  type Tree,
  type TreeEntry,
  type WatchEvent,
} from '../../src/cluster/stream/tree/planner';
import { parseListing } from '../../src/cluster/stream/tree/remoteScripts';
import { readParquet } from '../../src/drift/parquet';
import { readTable } from '../../src/drift/readers';
import { lintText } from '../../src/lint/engine';
import { bundledValidator } from '../../src/lint/schema/bundled';
import { rng } from '../support/rng';

export { rng };

const root = join(__dirname, '..', '..');

export type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

function files(dir: string, exts: readonly string[], out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, exts, out);
    else if (exts.some((e) => name.endsWith(e))) out.push(p);
  }
  return out;
}

/** Random edits of a text: flips, inserted tokens, repeated slices, truncation. */
function mutateText(r: Rand, text: string, tokens: readonly string[], maxLen: number): string {
  let s = text;
  const edits = 1 + int(r, 8);
  for (let e = 0; e < edits; e++) {
    const at = int(r, s.length + 1);
    switch (int(r, 7)) {
      case 0: // a random character
        s = s.slice(0, at) + String.fromCharCode(int(r, 0x2fff)) + s.slice(at + 1);
        break;
      case 1: // a token that matters to the parser
        s = s.slice(0, at) + pick(r, tokens) + s.slice(at);
        break;
      case 2: {
        // a slice repeated many times (long lines, many columns, many documents)
        const len = 1 + int(r, 200);
        const times = 1 + int(r, 2000);
        s = s.slice(0, at) + s.slice(at, at + len).repeat(times) + s.slice(at);
        break;
      }
      case 3: // cut
        s = s.slice(0, at);
        break;
      case 4: // delete a range
        s = s.slice(0, at) + s.slice(at + int(r, 100));
        break;
      case 5: // deep nesting
        s = pick(r, ['[', '{a: ', '- ', '  ', '"']).repeat(int(r, 5000)) + s;
        break;
      default: // line endings
        s = s.replace(/\r?\n/g, pick(r, ['\r', '\r\n', '\n', '\u2028', '\n\n']));
    }
  }
  return s.length > maxLen ? s.slice(0, maxLen) : s;
}

function randomText(r: Rand, maxLen: number): string {
  const n = int(r, maxLen);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(r() < 0.9 ? 32 + int(r, 95) : int(r, 0xffff));
  return s;
}

/** Splits a text into chunks at random places (a reader must not care where a chunk ends). */
function* chunksOf(r: Rand, text: string): Iterable<string | Uint8Array> {
  const bytes = r() < 0.5;
  const data = bytes ? Buffer.from(text, 'utf8') : text;
  let i = 0;
  while (i < data.length) {
    const n = 1 + int(r, 70_000);
    yield bytes ? new Uint8Array((data as Buffer).subarray(i, i + n)) : (data as string).slice(i, i + n);
    i += n;
  }
}

/** Clean refusals are answers; anything else escaping is a failure. */
async function answered(run: () => unknown): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (KubeMLError.is(e)) return;
    throw e;
  }
}

export interface Target {
  readonly name: string;
  readonly count: number;
  /** Makes and runs input i; returns a short description of the input for a failure report. */
  run(r: Rand, i: number): Promise<{ input: string | Uint8Array }>;
}

const YAML_TOKENS = [
  '{{ .Values.image }}',
  '&a ',
  '*a',
  '<<: *a\n',
  '\n---\n',
  '\n- ',
  ': ',
  '"',
  "'",
  '|\n',
  '>-\n',
  '\t',
  '\r',
  '\u0000',
  '#',
  '[',
  ']',
  '{',
  '}',
  '!!binary ',
  '%YAML 1.2\n',
  '? ',
  'kind: List\nitems:\n',
  'apiVersion: v1\n',
  '\uFEFF',
  'nvidia.com/gpu: 1\n',
];
const CSV_TOKENS = [
  '"',
  '""',
  ',',
  ';',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\uFEFF',
  'NaN',
  '-Infinity',
  '1e309',
  '-0',
  'a,a,a.1\n',
  '{"a":1}\n',
  '\u0000',
  '1.50',
  'x',
];

export function lintTarget(): Target {
  const seeds = [
    ...files(join(root, 'test', 'fixtures', 'lint'), ['.yaml', '.yml']),
    ...files(join(root, 'samples'), ['.yaml', '.yml']),
  ].map((f) => readFileSync(f, 'utf8'));
  const bundledSchema = bundledValidator();
  return {
    name: 'manifest linter',
    count: 120,
    async run(r) {
      const text = r() < 0.1 ? randomText(r, 5000) : mutateText(r, pick(r, seeds), YAML_TOKENS, 400_000);
      await answered(() => {
        const res = lintText(text, { bundledSchema, timeBudgetMs: 2000, kubemlSpec: r() < 0.1 });
        if (!Array.isArray(res.findings)) throw new Error('lintText returned no findings array');
      });
      return { input: text };
    },
  };
}

export function tableTarget(): Target {
  const dir = join(root, 'test', 'fixtures', 'drift');
  const seeds = readdirSync(dir)
    .filter((f) => /\.(csv|jsonl)$/.test(f))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
  return {
    name: 'CSV, TSV and JSON Lines readers',
    count: 300,
    async run(r) {
      const text = r() < 0.1 ? randomText(r, 5000) : mutateText(r, pick(r, seeds), CSV_TOKENS, 2_000_000);
      const format = pick(r, ['csv', 'tsv', 'jsonl'] as const);
      await answered(async () => {
        const t = await readTable(() => chunksOf(r, text), 'fuzz', { format, maxRows: 100_000 });
        for (const c of t.columns) if (c.name === undefined) throw new Error('a column without a name');
      });
      return { input: text };
    },
  };
}

export function parquetTarget(): Target {
  const dir = join(root, 'test', 'fixtures', 'drift');
  const seeds = readdirSync(dir)
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
  return {
    name: 'Parquet reader',
    count: 300,
    async run(r) {
      const bytes = new Uint8Array(pick(r, seeds));
      let data: Uint8Array = bytes;
      const edits = 1 + int(r, 6);
      for (let e = 0; e < edits; e++) {
        // Most edits land in the footer (metadata), where the claims live.
        const at = r() < 0.7 ? Math.max(0, data.length - 1 - int(r, Math.min(2048, data.length))) : int(r, data.length);
        if (r() < 0.15) data = data.subarray(0, at);
        else data[at] = int(r, 256);
      }
      await answered(() =>
        readParquet({ byteLength: data.length, slice: async (s, e) => data.slice(s, e).buffer }, 'fuzz.parquet', { maxRows: 200_000 }),
      );
      return { input: data };
    },
  };
}

const NAMES = ['a', 'b', 'src', 'x y', 'ü', '.git', 'node_modules', '..a', 'a.b', '-', '#x', '\\', '$(x)', '*', 'a'.repeat(200)];
function randomTree(r: Rand, n: number): Map<string, TreeEntry> {
  const tree = new Map<string, TreeEntry>();
  for (let i = 0; i < n; i++) {
    const depth = 1 + int(r, 5);
    const parts: string[] = [];
    for (let d = 0; d < depth; d++) parts.push(pick(r, NAMES) + (r() < 0.5 ? String(int(r, 20)) : ''));
    for (let d = 1; d < parts.length; d++) tree.set(parts.slice(0, d).join('/'), { type: 'dir', size: 0, mtime: 0, mode: 0o755 });
    const type = pick(r, ['file', 'file', 'file', 'dir', 'symlink', 'other'] as const);
    tree.set(parts.join('/'), {
      type,
      size: int(r, 1e7),
      mtime: int(r, 3),
      mode: pick(r, [0o644, 0o755, 0o600]),
      ...(type === 'symlink' ? { linkTarget: pick(r, ['a', '../x', '/etc', 'b/c']) } : {}),
    });
  }
  return tree;
}

export function plannerTarget(): Target {
  return {
    name: 'sync planner',
    count: 200,
    async run(r) {
      const local = randomTree(r, int(r, 3000));
      const remote = r() < 0.5 ? randomTree(r, int(r, 3000)) : new Map([...local].filter(() => r() < 0.7));
      const mirror = r() < 0.5;
      const plan = planReconcile(local as Tree, remote as Tree, {
        mirror,
        maxFileSize: r() < 0.5 ? int(r, 1e7) : undefined,
        isIgnored: (p) => p.includes('node_modules'),
      });
      for (const u of plan.uploads) if (!local.has(u)) throw new Error(`the plan uploads ${u}, which is not local`);
      for (const d of plan.deletes) if (!remote.has(d)) throw new Error(`the plan deletes ${d}, which is not remote`);
      for (const d of plan.deletes)
        if (plan.deletes.some((o) => o !== d && d.startsWith(o + '/'))) throw new Error(`deletes are not minimal: ${d}`);
      const roots = minimalRoots([...remote.keys()].filter(() => r() < 0.5));
      for (const x of roots)
        if (roots.some((o) => o !== x && x.startsWith(o + '/'))) throw new Error(`minimalRoots kept ${x} inside another root`);
      const events: WatchEvent[] = [...local.keys()]
        .slice(0, 500)
        .map((path) => ({ kind: pick(r, ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const), path }));
      coalesceEvents(events, (p) => p.endsWith('.gitignore'));
      const listing =
        r() < 0.5
          ? randomText(r, 3000)
          : [...remote.keys()].map((p) => `f ${int(r, 100)} ${int(r, 100)} 644 ${p}`).join(r() < 0.5 ? '\n' : '\0');
      await answered(() => parseListing(listing));
      return { input: JSON.stringify({ local: [...local.keys()].slice(0, 50), mirror }) };
    },
  };
}

/** Targets that misbehave on purpose, so that a test shows the harness catches each kind of failure. */
const misbehaving = (name: string, act: () => unknown): Target => ({
  name,
  count: 3,
  async run(_r, i) {
    if (i === 2) await act();
    return { input: '' };
  },
});

export const TARGETS: Record<string, () => Target> = {
  lint: lintTarget,
  tables: tableTarget,
  parquet: parquetTarget,
  planner: plannerTarget,
  'selftest-throws': () => misbehaving('throws', () => [][0 as number]!['x' as never]),
  'selftest-hangs': () =>
    misbehaving('hangs', () => {
      for (;;);
    }),
  'selftest-heap': () =>
    misbehaving('heap', () => {
      const keep: number[][] = [];
      for (;;) keep.push(new Array(1e6).fill(1));
    }),
};
