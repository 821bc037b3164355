/**
 * `kubeml lint` on charts and kustomizations as users deploy them: `helm template CHART` and
 * `kustomize build DIR` (or `kubectl kustomize DIR`) render the objects, which are linted whole,
 * and each finding is placed back in the file the object came from (a chart's template by its
 * "# Source:" comment, a kustomize resource by kind and name), on the line of the same field
 * when the file has it, else on the object's first line. Without the tool nothing is rendered and
 * the files are linted one by one (templates masked: src/lint/helm.ts).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { splitDocuments, LineTable } from '../lint/document';
import { lintText, type LintConfig } from '../lint/engine';
import type { Classified } from '../lint/fileKind';
import { NOT_RENDERED } from '../lint/helm';
import { KUSTOMIZATION_NAMES } from '../lint/kustomize';
import type { Finding } from '../lint/types';

/** A tool's path: the environment variable's value, else the first `name` on the PATH. */
export function findTool(name: string, envVar: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = env[envVar];
  if (set) return set;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Rendered {
  /** Findings per source file (absolute path), placed in that file. Files rendered without findings are here too. */
  files: Map<string, Finding[]>;
  resources: number;
  /** Why a chart or kustomization was not rendered (shown in its files' info finding and on stderr). */
  failed?: string;
}

interface Tool {
  command: string;
  args: string[];
}

function run(tool: Tool, timeoutMs: number): { out: string } | { error: string } {
  const r = spawnSync(tool.command, tool.args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  const shown = `${tool.command} ${tool.args.join(' ')}`;
  if (r.error) return { error: `${shown} could not run: ${r.error.message}` };
  if (r.status !== 0)
    return { error: `${shown} failed (exit ${String(r.status ?? r.signal)}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}` };
  return { out: r.stdout };
}

/** `helm template CHART --include-crds` with the chart's own values, linted and placed back in the templates. */
export function renderChart(helm: string, chart: string, config: LintConfig, timeoutMs: number): Rendered {
  const r = run({ command: helm, args: ['template', chart, '--include-crds'] }, timeoutMs);
  if ('error' in r) return { files: new Map(), resources: 0, failed: r.error };
  const bySource = new Map<string, string[]>();
  for (const chunk of r.out.split(/^---[ \t]*$/m)) {
    const m = /^# Source: (.+)$/m.exec(chunk);
    if (!m || !/\S/.test(chunk.replace(/^#.*$/gm, ''))) continue;
    const file = sourceFile(chart, m[1]!.trim());
    const list = bySource.get(file) ?? [];
    list.push(chunk.replace(/^\n/, ''));
    bySource.set(file, list);
  }
  const files = new Map<string, Finding[]>();
  let resources = 0;
  for (const [file, docs] of bySource) {
    const source = readText(file);
    const found: Finding[] = [];
    // When the template has as many documents as it rendered, the i-th object is looked for in the i-th document.
    const ranges = documentLines(source);
    docs.forEach((doc, i) => {
      const res = lintText(doc, config);
      resources += res.resources;
      const range = ranges.length === docs.length ? ranges[i] : undefined;
      for (const f of res.findings) found.push(placeBack(f, doc, source, `helm template ${relative(process.cwd(), chart) || '.'}`, range));
    });
    files.set(file, found);
  }
  return { files, resources };
}

/** The [first, end) lines of each document of a template that holds more than comments and actions. */
function documentLines(source: string): Array<[number, number]> {
  const lines = source.split('\n');
  const out: Array<[number, number]> = [];
  let start = 0;
  const close = (end: number) => {
    const body = lines.slice(start, end).filter((l) => l.trim() && !/^\s*(#|\{\{[^}]*\}\}\s*$)/.test(l));
    if (body.length) out.push([start, end]);
  };
  lines.forEach((l, i) => {
    if (/^---/.test(l)) {
      close(i);
      start = i + 1;
    }
  });
  close(lines.length);
  return out;
}

/** The chart file a "# Source: chart/templates/x.yaml" comment names; a file in a packed subchart (.tgz) maps to the archive, else to Chart.yaml. */
export function sourceFile(chart: string, source: string): string {
  const rest = source.split('/').slice(1);
  const direct = resolve(chart, ...rest);
  if (existsSync(direct)) return direct;
  if (rest[0] === 'charts' && rest[1]) {
    const dir = resolve(chart, 'charts');
    const tgz = safeList(dir).find((n) => n.startsWith(`${rest[1]}-`) && n.endsWith('.tgz'));
    if (tgz) return join(dir, tgz);
  }
  return resolve(chart, 'Chart.yaml');
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readText(file: string): string {
  try {
    return file.endsWith('.tgz') ? '' : readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * A finding of a rendered document placed in the source file: on the source line that reads the
 * same (trimmed), else the first line with the same key, else the source's first line; from
 * `range` (the object's lines in the source) when known.
 */
export function placeBack(f: Finding, rendered: string, source: string, origin: string, range?: [number, number]): Finding {
  const rLines = rendered.split('\n');
  const sLines = source.split('\n');
  // kustomize sorts keys, so "- name: x" may render as "name: x": list dashes are not compared.
  const line = (rLines[f.startPos.line] ?? '').trim().replace(/^- /, '');
  const key = /^([^:#]+):/.exec(line)?.[1]?.trim();
  const [from, to] = range ?? [0, sLines.length];
  // Of the lines that read the same (else have the same key), the one under the most of the same parent keys.
  const want = parentKeys(rLines, f.startPos.line);
  const best = (pred: (s: string) => boolean) => {
    let at = -1;
    let score = -1;
    for (let i = from; i < to; i++) {
      if (!pred(sLines[i]!.trim().replace(/^- /, ''))) continue;
      const have = parentKeys(sLines, i);
      let n = 0;
      while (n < want.length && n < have.length && want[n] === have[n]) n++;
      if (n > score) [at, score] = [i, n];
    }
    return at;
  };
  const search = (pred: (s: string) => boolean) => {
    for (let i = from; i < to; i++) if (pred(sLines[i]!.trim())) return i;
    return -1;
  };
  let at = line ? best((s) => s === line) : -1;
  if (at < 0 && key) at = best((s) => s.startsWith(`${key}:`));
  const exact = at >= 0;
  if (at < 0)
    at = Math.max(
      0,
      search((s) => s !== '' && !s.startsWith('#') && !s.startsWith('{{')),
    );
  const table = new LineTable(source);
  const lineStart = sLines.slice(0, at).reduce((n, l) => n + l.length + 1, 0);
  const text = sLines[at] ?? '';
  const indent = text.length - text.trimStart().length;
  const start = Math.min(source.length, lineStart + indent);
  const end = Math.min(source.length, lineStart + text.trimEnd().length);
  const what = objectName(rendered);
  return {
    ...f,
    message: `${f.message} (${origin}${what ? `: ${what}` : ''}${exact ? '' : '; the field is not written in this file'})`,
    start,
    end,
    startPos: table.position(start),
    endPos: table.position(end),
    fixes: undefined,
  };
}

/** The keys of the mappings around line i, nearest first, found by indentation (a "- " counts as indentation). */
function parentKeys(lines: string[], i: number): string[] {
  const indentOf = (l: string) => l.length - l.replace(/^[ \t]*(- )*/, '').length;
  const out: string[] = [];
  let indent = indentOf(lines[i] ?? '');
  for (let j = i - 1; j >= 0 && indent > 0 && out.length < 6; j--) {
    const l = lines[j]!;
    if (!l.trim() || /^\s*(#|\{\{)/.test(l)) continue;
    const n = indentOf(l);
    if (n >= indent) continue;
    const key = /^[ \t]*(?:- )*([^:#\s][^:#]*):/.exec(l)?.[1]?.trim();
    if (key) out.push(key);
    indent = n;
  }
  return out;
}

function objectName(doc: string): string | undefined {
  const kind = /^kind:[ \t]*["']?([\w.-]+)/m.exec(doc)?.[1];
  const name = /^metadata:[\s\S]*?^[ \t]+name:[ \t]*["']?([^\s"']+)/m.exec(doc)?.[1];
  return kind ? `${kind}${name ? `/${name}` : ''}` : undefined;
}

/** A kustomize resource document: its file, kind, name and line range there. */
interface ResourceDoc {
  file: string;
  kind: string;
  name: string;
  range: [number, number];
}

function kustomizationIn(dir: string): string | undefined {
  return KUSTOMIZATION_NAMES.map((n) => join(dir, n)).find((p) => existsSync(p));
}

function kustomizationFields(path: string): Record<string, unknown> {
  try {
    const v: unknown = parseAllDocuments(readFileSync(path, 'utf8'))[0]?.toJS();
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The local folders and files a kustomization builds from (resources, bases, components, crds). */
export function kustomizeInputs(kustomization: string): string[] {
  const k = kustomizationFields(kustomization);
  const out: string[] = [];
  for (const field of ['resources', 'bases', 'components', 'crds']) {
    const v = k[field];
    if (!Array.isArray(v)) continue;
    for (const p of v) if (typeof p === 'string' && !/^[a-z]+:\/\/|^github\.com\//i.test(p)) out.push(resolve(dirname(kustomization), p));
  }
  return out;
}

function resourceDocs(kustomization: string, seen = new Set<string>()): ResourceDoc[] {
  if (seen.has(kustomization)) return [];
  seen.add(kustomization);
  const out: ResourceDoc[] = [];
  for (const p of kustomizeInputs(kustomization)) {
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      const k = kustomizationIn(p);
      if (k) out.push(...resourceDocs(k, seen));
      continue;
    }
    const text = readText(p);
    const table = new LineTable(text);
    const chunks = splitDocuments(text);
    for (const c of chunks) {
      const kind = /^kind:[ \t]*["']?([\w.-]+)/m.exec(c.text)?.[1];
      const name = /^metadata:[\s\S]*?^[ \t]+name:[ \t]*["']?([^\s"']+)/m.exec(c.text)?.[1];
      if (!kind) continue;
      const first = table.position(c.start).line;
      out.push({ file: p, kind, name: name ?? '', range: [first, first + c.text.split('\n').length] });
    }
  }
  return out;
}

/** `kustomize build DIR`, linted, each object's findings placed in the resource file it came from (by kind and name). */
export function renderKustomization(tool: Tool, kustomization: string, config: LintConfig, timeoutMs: number): Rendered {
  const dir = dirname(kustomization);
  const r = run({ command: tool.command, args: [...tool.args, dir] }, timeoutMs);
  if ('error' in r) return { files: new Map(), resources: 0, failed: r.error };
  const docs = resourceDocs(kustomization);
  const files = new Map<string, Finding[]>();
  for (const d of docs) if (!files.has(d.file)) files.set(d.file, []);
  let resources = 0;
  const origin = `kustomize build ${relative(process.cwd(), dir) || '.'}`;
  for (const chunk of splitDocuments(r.out)) {
    if (!/\S/.test(chunk.text)) continue;
    const kind = /^kind:[ \t]*["']?([\w.-]+)/m.exec(chunk.text)?.[1];
    const name = /^metadata:[\s\S]*?^[ \t]+name:[ \t]*["']?([^\s"']+)/m.exec(chunk.text)?.[1] ?? '';
    // The resource whose name the rendered one holds (namePrefix/nameSuffix add to it); the longest wins.
    const match = docs
      .filter((d) => d.kind === kind && d.name !== '' && name.includes(d.name))
      .sort((a, b) => b.name.length - a.name.length)[0];
    const file = match?.file ?? kustomization;
    const source = readText(file);
    const res = lintText(chunk.text, config);
    resources += res.resources;
    const list = files.get(file) ?? [];
    for (const f of res.findings) list.push(placeBack(f, chunk.text, source, origin, match?.range));
    files.set(file, list);
  }
  return { files, resources };
}

/** The kustomize to run: KUBEML_KUSTOMIZE, `kustomize build`, or `kubectl kustomize`. */
export function kustomizeTool(env: NodeJS.ProcessEnv = process.env): Tool | undefined {
  const k = findTool('kustomize', 'KUBEML_KUSTOMIZE', env);
  if (k) return { command: k, args: ['build'] };
  const kubectl = findTool('kubectl', 'KUBEML_KUBECTL', env);
  return kubectl ? { command: kubectl, args: ['kustomize'] } : undefined;
}

/** Kustomizations that no other of `all` builds from: the ones users build (overlays, not their bases). */
export function topKustomizations(all: string[]): string[] {
  const used = new Set<string>();
  for (const k of all) for (const p of kustomizeInputs(k)) used.add(p);
  return all.filter((k) => !used.has(dirname(k)));
}

export interface RenderPlan {
  /** Files whose objects were rendered: these findings replace linting the file by itself. */
  replace: Map<string, Finding[]>;
  /** Kustomization files: findings of the objects they generate (secretGenerator, ...), added to their own. */
  extra: Map<string, Finding[]>;
  /** Templates of a chart helm could not render: why (their info finding says it). */
  notes: Map<string, string>;
  resources: number;
}

/**
 * Renders the charts of the templates and the top kustomizations among `targets` (absolute paths
 * with their kinds), when helm / kustomize can be found; what cannot be rendered is left to the
 * file-by-file lint, with the reason on stderr.
 */
export function renderTargets(
  targets: Array<{ abs: string; kind: Classified }>,
  config: LintConfig,
  timeoutMs: number,
  err: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv = process.env,
): RenderPlan {
  const plan: RenderPlan = { replace: new Map(), extra: new Map(), notes: new Map(), resources: 0 };
  // A subchart (CHART/charts/sub) is rendered by its parent, with the parent's values.
  const rootOf = (chart: string): string => {
    const up = dirname(dirname(chart));
    return basename(dirname(chart)) === 'charts' && existsSync(join(up, 'Chart.yaml')) ? rootOf(up) : chart;
  };
  const charts = [...new Set(targets.flatMap((t) => (t.kind.kind === 'helm-template' && t.kind.chart ? [rootOf(t.kind.chart)] : [])))];
  const helm = charts.length ? findTool('helm', 'KUBEML_HELM', env) : undefined;
  for (const chart of helm ? charts : []) {
    const r = renderChart(helm!, chart, config, timeoutMs);
    const mine = targets.filter((t) => t.kind.chart !== undefined && rootOf(t.kind.chart) === chart).map((t) => t.abs);
    if (r.failed) {
      err.write(`kubeml lint: ${r.failed}; its templates are linted unrendered.\n`);
      for (const f of mine) plan.notes.set(f, `${NOT_RENDERED} helm could not render the chart: ${r.failed}`);
      continue;
    }
    plan.resources += r.resources;
    for (const f of mine) if (!r.files.has(f)) plan.replace.set(f, []);
    for (const [f, found] of r.files) merge(plan.replace, f, found);
  }
  const kustomizations = targets.filter((t) => t.kind.kind === 'kustomization').map((t) => t.abs);
  const tool = kustomizations.length ? kustomizeTool(env) : undefined;
  // Tops first; when one cannot be built (a remote base, a missing folder), the kustomizations it builds from are tried instead.
  const queue = tool ? topKustomizations(kustomizations) : [];
  const tried = new Set<string>();
  while (queue.length) {
    const k = queue.shift()!;
    if (tried.has(k)) continue;
    tried.add(k);
    const r = renderKustomization(tool!, k, config, timeoutMs);
    if (r.failed) {
      err.write(`kubeml lint: ${r.failed}; its files are linted one by one.\n`);
      for (const input of kustomizeInputs(k)) {
        const sub = kustomizations.find((x) => dirname(x) === input);
        if (sub) queue.push(sub);
      }
      continue;
    }
    plan.resources += r.resources;
    for (const [f, found] of r.files)
      merge(f === k || KUSTOMIZATION_NAMES.some((n) => f.endsWith(`/${n}`)) ? plan.extra : plan.replace, f, found);
  }
  return plan;
}

function merge(map: Map<string, Finding[]>, file: string, found: Finding[]): void {
  const list = map.get(file) ?? [];
  const key = (f: Finding) => `${f.ruleId}|${f.start}|${f.message}`;
  const have = new Set(list.map(key));
  for (const f of found) {
    if (have.has(key(f))) continue;
    have.add(key(f));
    list.push(f);
  }
  map.set(file, list);
}
