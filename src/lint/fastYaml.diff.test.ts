import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import { makeCorpus } from '../../bench/lint/corpus';
import { isBlankChunk, splitDocuments } from './document';
import { fastParse } from './fastYaml';
import { expandSnippet } from './snippetExpand';
import { rng } from '../../test/support/rng';

/*
 * Differential test of the lint fast path (fastYaml.ts) against the `yaml` package, which the
 * linter uses for everything the fast path leaves (document.ts, parseChunk). Whenever the fast
 * path returns a result, it must be the one `yaml` gives for the same text: the same errors and
 * warnings (none), the same plain value, the same node classes, scalar values and types, flow
 * flags, tags, anchors, and the same `range` (all three offsets) on every node, keys and empty
 * values included, and on the document. Comments and `source` are not compared: the fast path
 * does not keep them and the linter reads comments from the text (suppress.ts).
 */

/** The options document.ts's parseChunk gives `yaml` (YAML 1.1 as Kubernetes reads it). */
const YAML_OPTIONS = { version: '1.1', uniqueKeys: true, prettyErrors: false, keepSourceTokens: false, strict: true } as const;
const MAX_ALIAS_COUNT = 100;

const ROOT = join(__dirname, '..', '..');

type Kind = 'map' | 'seq' | 'scalar' | 'alias' | 'pair' | 'null' | 'other';
const kindOf = (n: unknown): Kind =>
  isMap(n)
    ? 'map'
    : isSeq(n)
      ? 'seq'
      : isScalar(n)
        ? 'scalar'
        : isAlias(n)
          ? 'alias'
          : isPair(n)
            ? 'pair'
            : n === null || n === undefined
              ? 'null'
              : 'other';
const show = (x: unknown) => (x === undefined ? 'undefined' : Object.is(x, -0) ? '-0' : JSON.stringify(x));

/** Every difference between the fast path's node `a` and yaml's node `b`, as `where: what`. */
function compareNodes(a: unknown, b: unknown, where: string, out: string[]): void {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) {
    out.push(`${where}: fast path built a ${ka}, yaml a ${kb}`);
    return;
  }
  if (kb === 'null' || kb === 'other') {
    if (a !== b) out.push(`${where}: ${show(a)} vs ${show(b)}`);
    return;
  }
  const na = a as Record<string, unknown>;
  const nb = b as Record<string, unknown>;
  if (kb === 'pair') {
    compareNodes(na.key, nb.key, `${where}.key`, out);
    compareNodes(na.value, nb.value, `${where}.value`, out);
    return;
  }
  for (const prop of ['range', 'tag', 'anchor']) {
    if (!isDeepStrictEqual(na[prop], nb[prop])) out.push(`${where}: ${prop} ${show(na[prop])}, yaml ${show(nb[prop])}`);
  }
  if (kb === 'scalar') {
    for (const prop of ['value', 'type', 'format']) {
      if (!isDeepStrictEqual(na[prop], nb[prop])) out.push(`${where}: scalar ${prop} ${show(na[prop])}, yaml ${show(nb[prop])}`);
    }
    return;
  }
  if (kb === 'alias') {
    if (na.source !== nb.source) out.push(`${where}: alias ${show(na.source)}, yaml ${show(nb.source)}`);
    return;
  }
  if (!!na.flow !== !!nb.flow) out.push(`${where}: flow ${show(na.flow)}, yaml ${show(nb.flow)}`);
  const ia = na.items as unknown[];
  const ib = nb.items as unknown[];
  if (ia.length !== ib.length) out.push(`${where}: ${ia.length} items, yaml ${ib.length}`);
  for (let i = 0; i < Math.min(ia.length, ib.length); i++) {
    const key = kb === 'map' ? (((ib[i] as { key?: { value?: unknown } }).key?.value ?? i) as string | number) : i;
    compareNodes(ia[i], ib[i], `${where}[${show(key)}]`, out);
  }
}

const problems = (d: Document.Parsed, which: 'errors' | 'warnings') => d[which].map((e) => `${e.code} at ${e.pos.join('-')}: ${e.message}`);

/**
 * undefined when the fast path leaves the text to `yaml` (nothing to compare: the linter then
 * uses yaml's own result), otherwise every difference between the two (empty when they agree).
 */
export function fastPathDifferences(text: string): string[] | undefined {
  const fast = fastParse(text);
  if (!fast) return undefined;
  const parsed = parseAllDocuments(text, YAML_OPTIONS);
  if (!Array.isArray(parsed)) return ['yaml found no document in the text; the fast path built one'];
  if (parsed.length !== 1) return [`yaml found ${parsed.length} documents in the text; the fast path built one`];
  const ref = parsed[0]!;
  const out: string[] = [];
  for (const which of ['errors', 'warnings'] as const) {
    const [fa, fb] = [problems(fast.doc, which), problems(ref, which)];
    if (!isDeepStrictEqual(fa, fb)) out.push(`${which}: fast path ${show(fa)}, yaml ${show(fb)}`);
  }
  if (!isDeepStrictEqual(fast.doc.range, ref.range)) out.push(`document range ${show(fast.doc.range)}, yaml ${show(ref.range)}`);
  let refValue: unknown;
  try {
    refValue = ref.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    out.push(`yaml could not build the value (${String(e)}); the fast path built ${show(fast.value)}`);
  }
  if (!isDeepStrictEqual(fast.value, refValue)) out.push(`value ${show(fast.value)}, yaml ${show(refValue)}`);
  const docValue = fast.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  if (!isDeepStrictEqual(docValue, refValue)) out.push(`the fast path's document.toJS() ${show(docValue)}, yaml ${show(refValue)}`);
  compareNodes(fast.doc.contents, ref.contents, 'contents', out);
  return out;
}

/** The documents of a file as the linter parses them (split at `---` lines), and the file whole. */
function documentsOf(text: string): string[] {
  const chunks = splitDocuments(text)
    .filter((c) => !isBlankChunk(c.text))
    .map((c) => c.text);
  return chunks.length > 1 ? [text, ...chunks] : chunks.length === 1 ? [chunks[0]!] : [text];
}

function filesUnder(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, ext));
    else if (ext.test(name)) out.push(p);
  }
  return out;
}

/** Comment lines, blank lines and end-of-line comments put in at random places and indentations. */
function withTrivia(text: string, seed: number): string {
  const r = rng(seed);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    while (r() < 0.25) {
      const k = r();
      const indent = ' '.repeat(Math.floor(r() * 9));
      out.push(k < 0.6 ? `${indent}# c${out.length}` : k < 0.8 ? '' : indent);
    }
    out.push(line.trim() !== '' && r() < 0.15 ? `${line} # t${out.length}` : line);
  }
  return out.join('\n');
}

/** The text with every line cut after each of its lines: documents that end anywhere. */
function linePrefixes(text: string): string[] {
  const out: string[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(text.slice(0, i + 1), text.slice(0, i));
  return out;
}

/** Variants of a text the fast path must treat as `yaml` does. */
function variants(text: string): string[] {
  return [text, text.replace(/\r?\n/g, '\r\n'), '\uFEFF' + text, text.replace(/\n+$/, ''), text.replace(/\n/g, '  \n'), text + '\n\n'];
}

/**
 * Random documents of the shapes the fast path reads (block maps and sequences, scalars, flow
 * collections, literal scalars, empty values), with comment and blank lines at any indentation:
 * most are within the fast path, and every one must read as yaml reads it.
 */
function* generated(count: number, seed: number): Generator<[string, string]> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const scalars = [
    'x',
    'a b',
    '1',
    '-2',
    '1.5',
    'yes',
    'Off',
    '~',
    '"q"',
    "'s'",
    '"a: b"',
    '16Gi',
    '500m',
    '-Xmx',
    '/p',
    'http://a/b#c',
    '""',
    'a:b',
  ];
  const flows = ['[]', '{}', '[a, b]', '[ a , "b" ]', '{a: 1, b: [x]}', '{ k: v }', '[[1], {a: b}]', '[a:b]'];
  const trivia = (ind: number): string[] => {
    const out: string[] = [];
    while (r() < 0.3) out.push(' '.repeat(Math.max(0, ind + Math.floor(r() * 7) - 3)) + (r() < 0.7 ? '# c' : ''));
    return out;
  };
  const eol = () => (r() < 0.15 ? ' # e' : r() < 0.1 ? '  ' : '');
  let keys = 0;
  const literal = (ind: number): string[] => {
    const ci = ind + 1 + Math.floor(r() * 3);
    const body: string[] = [];
    for (let i = 0, n = 1 + Math.floor(r() * 3); i < n; i++)
      body.push(r() < 0.2 ? ' '.repeat(Math.floor(r() * (ci + 3))) : ' '.repeat(ci + (r() < 0.2 ? 2 : 0)) + `line${i}`);
    while (r() < 0.3) body.push(' '.repeat(Math.floor(r() * (ci + 3))));
    return body;
  };
  const block = (ind: number, depth: number): string[] => {
    const out: string[] = [];
    const seq = r() < 0.4;
    const pad = ' '.repeat(ind);
    for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) {
      out.push(...trivia(ind));
      const head = seq ? `${pad}-` : `${pad}k${keys++}:`;
      const k = depth > 3 ? 0 : r();
      if (k < 0.35) out.push(`${head} ${pick(scalars)}${eol()}`);
      else if (k < 0.45) out.push(`${head} ${pick(flows)}${eol()}`);
      else if (k < 0.55) out.push(head + eol());
      else if (k < 0.62) out.push(`${head} ${pick(['|', '|-', '|+', '| # h'])}`, ...literal(ind));
      else {
        const inner = block(ind + (seq && r() < 0.5 ? 0 : 2), depth + 1);
        if (seq && r() < 0.5 && !inner[0]!.trimStart().startsWith('-')) out.push(`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1));
        else out.push(head + eol(), ...inner);
      }
    }
    return out;
  };
  for (let i = 0; i < count; i++) {
    keys = 0;
    let t = [...trivia(0), ...block(0, 0), ...trivia(0)].join('\n') + (r() < 0.8 ? '\n' : '');
    if (r() < 0.1) t = t.replace(/\n/g, '\r\n');
    if (r() < 0.1) t = '---\n' + t;
    yield [`generated document ${i} (seed ${seed})`, t];
  }
}

interface Tally {
  texts: number;
  fast: number;
  failures: string[];
}

function checkAll(texts: Iterable<[string, string]>): Tally {
  const tally: Tally = { texts: 0, fast: 0, failures: [] };
  for (const [name, text] of texts) {
    tally.texts++;
    const d = fastPathDifferences(text);
    if (d === undefined) continue;
    tally.fast++;
    if (d.length)
      tally.failures.push(
        `${name} ${JSON.stringify(text.length > 400 ? text.slice(0, 400) + '…' : text)}:\n    ${d.slice(0, 6).join('\n    ')}`,
      );
  }
  return tally;
}

function assertAgree(t: Tally): void {
  assert.ok(
    t.failures.length === 0,
    `the fast path and yaml differ on ${t.failures.length} of ${t.fast} texts it parsed (${t.texts} tried):\n  ${t.failures.slice(0, 8).join('\n  ')}`,
  );
}

function* named(files: string[]): Generator<[string, string]> {
  for (const f of files) {
    const docs = documentsOf(readFileSync(f, 'utf8'));
    for (let i = 0; i < docs.length; i++)
      for (const [j, v] of variants(docs[i]!).entries()) yield [`${relative(ROOT, f)} #${i} variant ${j}`, v];
  }
}

function* prefixesOf(files: string[]): Generator<[string, string]> {
  for (const f of files) {
    const docs = documentsOf(readFileSync(f, 'utf8'));
    for (let i = 0; i < docs.length; i++) for (const p of linePrefixes(docs[i]!)) yield [`${relative(ROOT, f)} #${i} prefix`, p];
  }
}

function* fuzzed(sources: Array<[string, string]>, seeds: number): Generator<[string, string]> {
  for (const [name, text] of sources) for (let s = 1; s <= seeds; s++) yield [`${name} with trivia (seed ${s})`, withTrivia(text, s)];
}

const fixtureFiles = () => [
  ...filesUnder(join(ROOT, 'test', 'fixtures', 'lint'), /\.ya?ml$/),
  ...filesUnder(join(ROOT, 'samples'), /\.ya?ml$/),
];
const edgeCaseFiles = () => filesUnder(join(ROOT, 'test', 'fixtures', 'yaml'), /\.ya?ml$/);
const benchDocs = (n: number, seed: number): Array<[string, string]> =>
  makeCorpus(n, 10, seed).flatMap((f) =>
    splitDocuments(f.text)
      .filter((c) => !isBlankChunk(c.text))
      .map((c, i): [string, string] => [`bench corpus seed ${seed} ${f.name} #${i}`, c.text]),
  );
const snippetDocs = (): Array<[string, string]> => {
  const snippets = JSON.parse(readFileSync(join(ROOT, 'snippets', 'kubernetes-ml.code-snippets'), 'utf8')) as Record<
    string,
    { body: string[] }
  >;
  return Object.entries(snippets).map(([n, s]) => [`snippet ${n}`, expandSnippet(s.body)]);
};

describe('lint fast YAML path, differential against the yaml package', () => {
  it('agrees on the lint fixtures and samples, and their CRLF, BOM and spacing variants', () => {
    assertAgree(checkAll(named(fixtureFiles())));
  });

  it('agrees on the YAML edge cases (test/fixtures/yaml) and their variants', () => {
    assertAgree(checkAll(named(edgeCaseFiles())));
  });

  it('agrees on every line prefix of the fixtures and edge cases (documents that end anywhere)', () => {
    // Not the upstream corpus (test/fixtures/lint/upstream): every line prefix of every document is quadratic in its
    // size, and those files are whole charts and CRDs; the test above and the trivia test below take them whole.
    const own = fixtureFiles().filter((f) => !f.includes(`${join('lint', 'upstream')}/`));
    assertAgree(checkAll(prefixesOf([...own, ...edgeCaseFiles()])));
  });

  it('agrees on the benchmark corpus and the snippets, and takes every one of their documents', () => {
    const docs = [...benchDocs(1000, 42), ...benchDocs(200, 7), ...snippetDocs()];
    const t = checkAll(docs);
    assertAgree(t);
    assert.equal(t.fast, t.texts, `the fast path left ${t.texts - t.fast} of ${t.texts} plain manifests to yaml`);
  });

  it('agrees when comment and blank lines are put in at any indentation', () => {
    const sources: Array<[string, string]> = [...benchDocs(300, 11), ...snippetDocs()];
    for (const f of [...fixtureFiles(), ...edgeCaseFiles()])
      for (const [i, d] of documentsOf(readFileSync(f, 'utf8')).entries()) sources.push([`${relative(ROOT, f)} #${i}`, d]);
    const t = checkAll(fuzzed(sources, 4));
    assertAgree(t);
    // Not vacuous: most of these manifests, comments and all, are within the fast path.
    assert.ok(t.fast > t.texts / 2, `the fast path took only ${t.fast} of ${t.texts} texts with comments`);
  });

  it('agrees on random documents of the shapes manifests have, comments anywhere', () => {
    const t = checkAll(generated(3000, 1));
    assertAgree(t);
    assert.ok(t.fast > t.texts / 3, `the fast path took only ${t.fast} of ${t.texts} generated documents`);
  });

  it('takes the CRLF, spacing and final-newline variants of every document it takes', () => {
    const missed: string[] = [];
    const docs = [...fixtureFiles(), ...edgeCaseFiles()].flatMap((f) => documentsOf(readFileSync(f, 'utf8')));
    for (const d of [...docs, ...benchDocs(100, 3).map(([, x]) => x)]) {
      if (!fastParse(d)) continue;
      for (const [i, v] of variants(d).entries()) if (i !== 2 && !fastParse(v)) missed.push(JSON.stringify(v.slice(0, 80)));
    }
    assert.deepEqual(missed.slice(0, 5), [], `${missed.length} variants left to yaml`);
  });

  it('agrees on wrapped scalars as CRDs have them (multi-line plain and single-quoted), and takes the upstream CRDs', () => {
    const crds = filesUnder(join(ROOT, 'test', 'fixtures', 'lint', 'upstream', 'pods-crd'), /\.ya?ml$/);
    // Variant 2 starts with a BOM, which the fast path leaves to yaml by design.
    const real = checkAll([...named(crds)].filter(([name]) => !name.endsWith('variant 2')));
    assertAgree(real);
    assert.equal(real.fast, real.texts, `the fast path left ${real.texts - real.fast} of ${real.texts} CRD variants to yaml`);
    const bodies = [
      'a: b\n  c\n',
      'a: b  \n  c  d  \n  e\nf: 1\n',
      'a:\n  b: one\n    two\n  c: x\n',
      '- one\n  two\n- three\n',
      '- k: one\n    two\n  l: 2\n',
      'a: b\n  c\n  # note\nd: 1\n',
      'a: b\n  c\n\n  d\n',
      'a: b\n  c # x\n',
      'a: b\n  - c\n',
      'a: b\n  c: d\n',
      'a: 1\n  2\n',
      'a: true\n  false\n',
      'a: .status.x\ne: ^[a-z]+$\nf: $(VAR)\ng: (a|b)\nh: \\d\n',
      'a: .inf\nb: ._\n',
      "a: 'one: two\n  three'\nb: 1\n",
      "a: 'it''s\n  ''quoted'' here'\n",
      "a: 'x\n\n  y'\n",
      "a: 'x\n  y' # c\nb: 2\n",
      "a: 'x\n  y' z\n",
      "a: 'x   \n     y'\n",
      "a: '\n  y'\n",
      "a: 'x\n y\n'\n",
      "- 'a: b\n  c'\n- d\n",
      "a:\n  b: 'x\n  y'\n",
      "a:\n  b: 'x\n   y'\n",
      "a: 'x\n  #y'\n",
      "a: 'x\n  y'\n  # trailing\nb: 1\n",
    ];
    const t = checkAll(bodies.flatMap((b, i) => variants(b).map((v, j): [string, string] => [`wrapped #${i} variant ${j}`, v])));
    assertAgree(t);
    // Not vacuous: the plain wrapped forms are within the fast path.
    // By design: blank or comment-like lines inside, a comment, `: ` or `- ` on a continuation line, a folded
    // value that is not a plain string (`1 2`), `.inf` and `._`, text after the closing quote, an empty first line
    // a closing line at the parent's indentation, a continuation not deeper than its key, or a wrapped quoted
    // sequence entry (read as a possible key first) go to yaml.
    const taken = bodies.flatMap((b, i) => (fastParse(b) !== undefined ? [i] : []));
    assert.deepEqual(taken, [0, 1, 2, 3, 4, 5, 11, 12, 14, 15, 17, 19, 24, 26]);
  });

  it('agrees on long keys and values (the 1024-character limit of implicit keys)', () => {
    const texts: Array<[string, string]> = [];
    for (const n of [1, 1000, 1021, 1022, 1023, 1024, 1025, 1030, 5000]) {
      const k = 'k'.repeat(n);
      texts.push(
        [`key of ${n}`, `${k}: v\n`],
        [`quoted key of ${n}`, `"${k}": v\n`],
        [`nested key of ${n}`, `a:\n  ${k}: v\n`],
        [`seq item key of ${n}`, `- ${k}: v\n`],
      );
      texts.push([`flow key of ${n}`, `a: {${k}: v}\n`], [`value of ${n}`, `a: ${k}\n`], [`spaced key of ${n}`, `${k}   : v\n`]);
    }
    texts.push(['long line', `a: [${Array.from({ length: 3000 }, (_, i) => `item${i}`).join(', ')}]\n`]);
    assertAgree(checkAll(texts));
  });

  it('agrees on control and separator characters and odd line ends', () => {
    const chars = ['\r', '\u0085', '\u2028', '\u2029', '\u00a0', '\f', '\v', '\u0001', '\u007f', '\ufeff', '\ud800', '\u200b', '\t'];
    const texts: Array<[string, string]> = [];
    for (const c of chars) {
      const n = JSON.stringify(c);
      texts.push(
        [`${n} inside a value`, `a: b${c}c\nd: e\n`],
        [`${n} ending a value`, `a: b${c}\nd: e\n`],
        [`${n} in a key`, `a${c}b: 1\n`],
        [`${n} starting a line`, `a: 1\n${c}b: 2\n`],
      );
      texts.push(
        [`${n} in a quoted value`, `a: "b${c}c"\n`],
        [`${n} in a flow`, `a: [b${c}, c]\n`],
        [`${n} in a literal`, `a: |\n  b${c}c\nd: 1\n`],
        [`${n} line end`, `a: 1${c}b: 2${c}`],
      );
    }
    texts.push(['CR line ends', 'a: 1\rb: 2\r'], ['mixed line ends', 'a: 1\r\nb:\n  c: 2\r\n  d: 3\n']);
    assertAgree(checkAll(texts));
  });
});
