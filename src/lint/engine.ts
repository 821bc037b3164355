import type { Document, Node } from 'yaml';
import { isMap, isSeq } from './yamlNodes';
import { parseSpec } from '../model/runSpec';
import {
  attachSource,
  findPair,
  isBlankChunk,
  isRecord,
  LIMIT_MESSAGES,
  LineTable,
  OutOfTime,
  parseChunk,
  spanOf,
  splitDocuments,
  type ParsedChunk,
} from './document';
import { parseFieldPath } from './fieldPath';
import { checkKustomization, isKustomizeHead } from './kustomize';
import { keptOnPartial } from './partial';
import { allRules, ruleMeta } from './rules';
import { RuleContext, type FileIndex, type RawFinding } from './rules/rule';
import type { KindSchemas, SchemaValidator } from './schema/validator';
import { annotationSuppressions, ChunkSuppressions, fileSuppressions, isSuppressed, type RuleSet } from './suppress';
import type { ClusterFacts, Finding, Severity, SeveritySetting } from './types';
import { headOf, type ResourceHead } from './workload';

export interface LintConfig {
  /** Per-rule severity overrides; 'off' turns a rule off. */
  rules?: Readonly<Record<string, SeveritySetting>>;
  /** Schema checks (types, required and unknown fields, unknown kinds). Default true. */
  schema?: boolean;
  /** The offline schema for the pinned Kubernetes version. */
  bundledSchema?: SchemaValidator;
  /**
   * The connected cluster's schema (its /openapi/v3: built-in kinds and CRDs); preferred when it
   * knows a kind. A ClusterSchema reads the group-versions it is asked about lazily.
   */
  clusterSchema?: KindSchemas;
  facts?: ClusterFacts;
  /** Files larger than this are not linted (one finding says so). Default 5 MiB. */
  maxFileBytes?: number;
  /**
   * Analysis stops after this long (one finding says so), within a document too: parsing reads the
   * clock as it goes, and a document is not analysed when less time is left than its parse took.
   * Default 5000 ms.
   */
  timeBudgetMs?: number;
  /** The file is a kubeml.yaml run spec: checked with the run spec's own rules (src/runs/spec.ts). */
  kubemlSpec?: boolean;
  /** False: the file is YAML but not Kubernetes objects (Chart.yaml, values.yaml, a JSON6902 patch): only its syntax is checked. */
  objects?: boolean;
  /** The file holds parts of objects (kustomize patches): required fields and rules on absent fields are not checked (partial.ts). */
  partial?: boolean;
  /** The file is a kustomization.yaml: checked against kustomize's fields (kustomize.ts), with or without apiVersion/kind. */
  kustomization?: boolean;
  /** The text is a Helm template with its actions masked (helm.ts): partial, and a document that does not parse is skipped. */
  template?: boolean;
  /**
   * Bumped by the caller whenever facts or schemas change: findings cached under another
   * generation are recomputed, parses are kept.
   */
  generation?: number;
}

export interface LintResult {
  findings: Finding[];
  /** YAML documents that hold something. */
  documents: number;
  /** Documents that are Kubernetes objects (apiVersion + kind). */
  resources: number;
  /** Documents parsed by this call; the others came unchanged from the previous call. */
  reparsed: number;
}

interface Entry {
  text: string;
  parsed: ParsedChunk;
  head?: ResourceHead;
  suppress: ChunkSuppressions;
  lines?: LineTable;
  key?: string;
  raw?: RawFinding[];
  /** How long parsing took: analysis takes about as long, so it is not started with less time left. */
  parseMs: number;
}

export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;
export const DEFAULT_TIME_BUDGET_MS = 5000;

/** Quick test: does a text look like Kubernetes manifests (some document with apiVersion and kind)? */
export function looksLikeKubernetes(text: string): boolean {
  return /^kind[ \t]*:/m.test(text) && /^apiVersion[ \t]*:/m.test(text);
}

/** Binary junk: NUL bytes, or many control characters in the first 64 KiB. */
export function looksBinary(text: string): boolean {
  const head = text.slice(0, 65536);
  if (head.includes('\u0000')) return true;
  // Fast path: most text has no control character at all.
  if (!/[\u0001-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.test(head)) return false;
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) control++;
  }
  return head.length > 0 && control / head.length > 0.05;
}

/**
 * Lints one file at a time and remembers its documents: linting the next version of the same
 * file re-parses only the documents whose text changed. One instance per open file.
 */
export class IncrementalLinter {
  private cache = new Map<string, Entry>();

  /**
   * Parses one document (a chunk of splitDocuments) ahead of the next lint() of this file, which then
   * takes it from the cache: primeInSlices (sliced.ts) parses a big file a document at a time between
   * turns of the event loop. False when the deadline passed first (nothing is cached).
   */
  prime(chunkText: string, deadline: number): boolean {
    if (this.cache.has(chunkText) || isBlankChunk(chunkText)) return true;
    const entry = parseEntry(chunkText, deadline);
    if (entry) this.cache.set(chunkText, entry);
    return entry !== undefined;
  }

  lint(text: string, config: LintConfig = {}): LintResult {
    const limit = config.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (text.length > limit) {
      this.cache.clear();
      const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
      return single(
        'lint-limits',
        `Not linted: the file is ${mb(text.length)} MB, over the ${mb(limit)} MB limit (setting kubeml.lint.maxFileSizeMB, CLI --max-file-size).`,
      );
    }
    if (looksBinary(text)) {
      this.cache.clear();
      return single('lint-limits', 'Not linted: the file looks binary (NUL or control characters), not YAML.');
    }
    const budget = config.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
    const deadline = Date.now() + budget;
    const chunks = splitDocuments(text);
    const next = new Map<string, Entry>();
    const placed: Array<{ start: number; entry: Entry; index: number }> = [];
    let reparsed = 0;
    let stoppedAt = -1;
    /** Where the document that ran out of time starts (undefined: stopped between documents). */
    let stoppedIn: number | undefined;
    let index = 0;
    for (const chunk of chunks) {
      if (isBlankChunk(chunk.text)) continue;
      let entry = next.get(chunk.text) ?? this.cache.get(chunk.text);
      if (!entry) {
        if (Date.now() > deadline) {
          stoppedAt = index;
          break;
        }
        const parsed = parseEntry(chunk.text, deadline);
        if (!parsed) {
          [stoppedAt, stoppedIn] = [index, chunk.start];
          break;
        }
        entry = parsed;
        reparsed++;
      }
      next.set(chunk.text, entry);
      placed.push({ start: chunk.start, entry, index: index++ });
    }
    this.cache = next;

    const file = fileIndex(placed.map((p) => p.entry));
    // The bundled schema's source names its Kubernetes version: another version re-checks every document.
    const key = `${config.generation ?? 0}|${config.schema === false ? 0 : 1}|${config.bundledSchema?.schema.source ?? ''}|${kindKey(config)}|${[...file.pvcs].join(',')}`;
    const fileOff = fileSuppressions(text);
    const lines = new LineTable(text);
    const findings: Finding[] = [];
    let resources = 0;
    for (const { start, entry, index: docIndex } of placed) {
      if (entry.key !== key || !entry.raw) {
        const raw = Date.now() + entry.parseMs > deadline ? undefined : analyse(entry, config, file, deadline);
        if (!raw) {
          [stoppedAt, stoppedIn] = [docIndex, start];
          break;
        }
        entry.raw = raw;
        entry.key = key;
      }
      if (entry.head) resources++;
      const annotated = entry.head ? annotationSuppressions(entry.parsed.value) : undefined;
      for (const raw of entry.raw) {
        const severity = severityOf(raw, config);
        if (severity === 'off' || isSuppressed(fileOff, raw.ruleId) || isSuppressed(annotated, raw.ruleId)) continue;
        if (entry.suppress !== ChunkSuppressions.none) {
          entry.lines ??= new LineTable(entry.text);
          if (entry.suppress.suppressed(raw.ruleId, entry.lines.position(raw.start).line)) continue;
        }
        findings.push(place(raw, start, severity, docIndex, lines));
      }
    }
    if (config.kubemlSpec && stoppedAt < 0 && placed.length > 0 && !findings.some((f) => f.ruleId === 'yaml-syntax'))
      findings.push(...specFindings(text, placed[0]!.entry, placed[0]!.start, lines, config));
    if (stoppedAt >= 0) {
      const within =
        stoppedIn === undefined
          ? ''
          : ` (document ${stoppedAt + 1}, from line ${lines.position(stoppedIn).line + 1}, did not finish in that time)`;
      const message = `Stopped after ${stoppedAt} documents: linting took longer than ${budget} ms${within}; the rest of the file was not checked.`;
      const f = place({ ruleId: 'lint-limits', message, start: 0, end: 0 }, stoppedIn ?? 0, 'info', stoppedAt, lines);
      findings.push(f);
    }
    findings.sort((a, b) => a.start - b.start || a.end - b.end || a.ruleId.localeCompare(b.ruleId));
    return { findings, documents: placed.length, resources, reparsed };
  }
}

/** Lints a whole text once (the CLI, the benchmark, tests). */
export function lintText(text: string, config: LintConfig = {}): LintResult {
  return new IncrementalLinter().lint(text, config);
}

/** Undefined when the deadline passed first. */
function parseEntry(text: string, deadline: number): Entry | undefined {
  const started = Date.now();
  let parsed: ParsedChunk;
  try {
    parsed = parseChunk(text, deadline);
  } catch (e) {
    if (e instanceof OutOfTime) return undefined;
    // The parser itself failing (stack overflow on absurd nesting) must not take the host down.
    const depth = e instanceof RangeError;
    const message = depth ? undefined : `The YAML parser failed: ${e instanceof Error ? e.message : String(e)}`;
    return {
      text,
      parsed: { doc: undefined as never, value: undefined, valueError: message, limit: depth ? LIMIT_MESSAGES.depth : undefined },
      suppress: ChunkSuppressions.none,
      parseMs: Date.now() - started,
    };
  }
  attachSource(parsed.doc, text);
  const head = parsed.doc.errors.length === 0 ? headOf(parsed.value) : undefined;
  return { text, parsed, head, suppress: ChunkSuppressions.parse(text), parseMs: Date.now() - started };
}

function fileIndex(entries: Entry[]): FileIndex {
  const pvcs = new Set<string>();
  const add = (head: ResourceHead | undefined) => {
    if (head?.kind === 'PersistentVolumeClaim' && head.group === '' && head.name) pvcs.add(`${head.namespace ?? '*'}/${head.name}`);
  };
  for (const e of entries) {
    add(e.head);
    // The items of a kind: List (listItems) count as the file's objects too.
    const items = e.head?.kind === 'List' ? (e.parsed.value as Record<string, unknown>).items : undefined;
    if (Array.isArray(items)) for (const item of items) add(headOf(item));
  }
  return { pvcs };
}

/** Documents this large read the clock between the schema check and each rule. */
const TIMED_ANALYSIS_CHARS = 64 * 1024;

/** Undefined when the deadline passed first. */
function analyse(entry: Entry, config: LintConfig, file: FileIndex, deadline: number): RawFinding[] | undefined {
  const timed = entry.text.length > TIMED_ANALYSIS_CHARS;
  const late = () => timed && Date.now() > deadline;
  const out: RawFinding[] = [];
  const { doc, value, valueError } = entry.parsed;
  const text = entry.text;
  // Refused for a limit (nesting, alias expansion; yaml reports a stack overflow as an error): one finding, nothing else.
  const limit = entry.parsed.limit ?? (doc?.errors.some((e) => /call stack/i.test(e.message)) ? LIMIT_MESSAGES.depth : undefined);
  if (limit) return [{ ruleId: 'lint-limits', message: limit, start: 0, end: 0 }];
  if (!doc) {
    if (config.template) return out;
    out.push({
      ruleId: 'yaml-syntax',
      message: valueError ?? 'The YAML cannot be parsed.',
      start: 0,
      end: Math.min(text.length, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length),
    });
    return out;
  }
  // A masked template that still does not parse is what helm reads, not a YAML error (helm.ts says so once).
  if (config.template && (doc.errors.length || valueError)) return out;
  for (const err of doc.errors) {
    const [s, e] = err.pos;
    out.push({ ruleId: 'yaml-syntax', message: cleanYamlMessage(err.message), start: s, end: Math.max(e, Math.min(s + 1, text.length)) });
  }
  for (const w of doc.warnings) {
    const [s, e] = w.pos;
    out.push({
      ruleId: 'yaml-syntax',
      severity: 'warning',
      message: cleanYamlMessage(w.message),
      start: s,
      end: Math.max(e, Math.min(s + 1, text.length)),
    });
  }
  if (doc.errors.length) return out;
  if (valueError) {
    const r = (doc.contents as Node | null)?.range ?? [0, 0];
    out.push({
      ruleId: 'yaml-syntax',
      message: valueError,
      start: r[0],
      end: Math.min(r[1], text.indexOf('\n', r[0]) >= 0 ? text.indexOf('\n', r[0]) : r[1]),
    });
    return out;
  }
  if (config.kubemlSpec || config.objects === false) return out;
  const head = entry.head;
  if (config.kustomization || (head && isKustomizeHead(head))) {
    for (const f of checkKustomization(doc.contents as Node)) out.push(f);
    return out;
  }
  if (!head) {
    if (isRecord(value) && ('apiVersion' in value || 'kind' in value)) {
      const missing = 'kind' in value ? 'apiVersion' : 'kind';
      const r = (doc.contents as Node).range!;
      out.push({
        ruleId: 'schema',
        message: `A Kubernetes object needs both apiVersion and kind; "${missing}" is missing or not a string.`,
        start: r[0],
        end: Math.max(r[0] + 1, text.indexOf('\n', r[0])),
      });
    }
    return out;
  }
  if (head.kind === 'List') return listItems(entry, config, file, deadline, out);
  if (config.schema !== false) schemaCheck(entry, head, config, out);
  const ctx = new RuleContext(doc, text, value as Record<string, unknown>, head, config.facts ?? {}, withNamespace(file, head));
  for (const rule of allRules) {
    if (config.rules?.[rule.id] === 'off') continue;
    if (late()) return undefined;
    try {
      rule.check(ctx);
    } catch (e) {
      // A rule tripping over an odd shape must not hide the other rules' findings.
      ctx.findings.push({
        ruleId: rule.id,
        severity: 'hint',
        message: `The rule failed on this document: ${e instanceof Error ? e.message : String(e)}`,
        start: 0,
        end: 0,
      });
    }
  }
  // Not push(...): a huge document's 100,000s of findings would overflow the stack as arguments.
  for (const f of ctx.findings) out.push(f);
  return config.partial || config.template ? out.filter((f) => keptOnPartial(f, text)) : out;
}

/**
 * The items of a `kind: List` (what `kubectl get -o yaml` prints), each checked as the object it is:
 * its own head, schema and rules, its findings placed inside it, its own suppression annotations.
 * Each item is seen through a document whose contents is the item's node, so that rule paths
 * (spec.template...) are relative to the item and every range stays an offset in the file.
 */
function listItems(entry: Entry, config: LintConfig, file: FileIndex, deadline: number, out: RawFinding[]): RawFinding[] | undefined {
  const root = entry.parsed.doc.contents as Node;
  const itemsNode = isMap(root) ? findPair(root, 'items')?.value : undefined;
  const items = (entry.parsed.value as Record<string, unknown>).items;
  if (!isSeq(itemsNode) || !Array.isArray(items)) return out;
  for (let i = 0; i < items.length; i++) {
    const node = itemsNode.items[i];
    const item = items[i];
    if (!isMap(node) || !isRecord(item)) continue;
    const doc = Object.create(entry.parsed.doc) as Document.Parsed;
    doc.contents = node as never;
    doc.errors = [];
    doc.warnings = [];
    const sub: Entry = { ...entry, parsed: { doc, value: item }, head: headOf(item), raw: undefined, key: undefined };
    const found = analyse(sub, config, file, deadline);
    if (!found) return undefined;
    const annotated = sub.head ? annotationSuppressions(item) : undefined;
    for (const f of found) if (!isSuppressed(annotated, f.ruleId)) out.push(f);
  }
  return out;
}

/** kubeml.yaml problems (the run spec's own checks), placed on the field each one names. */
function specFindings(text: string, entry: Entry, base: number, lines: LineTable, config: LintConfig): Finding[] {
  const severity = config.rules?.['kubeml-spec'] ?? 'error';
  if (severity === 'off' || !entry.parsed.doc) return [];
  const out: Finding[] = [];
  for (const p of parseSpec(text).problems) {
    let start: number;
    let end: number;
    if (p.path)
      [start, end] = spanOf(entry.parsed.doc, parseFieldPath(p.path), /^Unknown field/.test(p.message) ? 'key' : undefined).map(
        (x) => x + base,
      ) as [number, number];
    else [start, end] = [p.offset ?? 0, p.offset ?? 0];
    out.push(place({ ruleId: 'kubeml-spec', message: p.message, start, end }, 0, severity, 0, lines));
  }
  return out;
}

function kindKey(c: LintConfig): string {
  return `${c.kubemlSpec ? 's' : ''}${c.objects === false ? 'y' : ''}${c.partial ? 'p' : ''}${c.template ? 't' : ''}${c.kustomization ? 'k' : ''}`;
}

function withNamespace(file: FileIndex, head: ResourceHead): FileIndex {
  // PVCs without a namespace in the file are taken to be in the namespace of the workload.
  const ns = head.namespace ?? 'default';
  const pvcs = new Set<string>();
  for (const p of file.pvcs) pvcs.add(p.startsWith('*/') ? `${ns}/${p.slice(2)}` : p);
  return { pvcs };
}

const BUILTIN_GROUP = (group: string) => !group.includes('.') || group.endsWith('.k8s.io');

function schemaCheck(entry: Entry, head: ResourceHead, config: LintConfig, out: RawFinding[]): void {
  const root = entry.parsed.doc.contents as Node;
  const { group, version, kind } = head;
  const validator: KindSchemas | undefined = config.clusterSchema?.has(group, version, kind)
    ? config.clusterSchema
    : config.bundledSchema?.has(group, version, kind)
      ? config.bundledSchema
      : undefined;
  if (validator) {
    const problems: Parameters<SchemaValidator['validate']>[4] = [];
    validator.validate(root, group, version, kind, problems);
    for (const p of problems) out.push(p);
    const md = (entry.parsed.value as Record<string, unknown>).metadata;
    if (!isRecord(md) || (typeof md.name !== 'string' && typeof md.generateName !== 'string')) {
      out.push({
        ruleId: 'schema',
        message: 'metadata.name is required (or metadata.generateName).',
        ...(keySpan(root, 'metadata') ?? keySpan(root, 'kind')!),
      });
    }
  }
  const where = keySpan(root, 'apiVersion') ?? { start: 0, end: 0 };
  const bundled = config.bundledSchema;
  // A group the bundle does not speak for (a CRD's, even one it has schemas of) is not an error offline.
  const builtin = bundled ? bundled.owns(group) : BUILTIN_GROUP(group);
  if (
    !validator &&
    builtin &&
    bundled &&
    !bundled.serves(group, version, kind) &&
    config.clusterSchema?.serves(group, version, kind) !== true
  ) {
    const others = bundled.versionsOf(group, kind);
    const other = others.length ? ` Use apiVersion ${others.map((v) => (group ? `${group}/${v}` : v)).join(' or ')}.` : '';
    out.push({
      ruleId: 'unknown-kind',
      message: `Kubernetes ${bundled.schema.source.replace(/^kubernetes /, '')} has no ${kind} in ${head.apiVersion}.${other}`,
      ...where,
    });
  } else if (config.clusterSchema && !builtin && config.clusterSchema.serves(group, version, kind) === false) {
    const versions = config.clusterSchema.versionsOf(group, kind);
    const hint = versions.length
      ? ` It serves ${kind} as ${versions.map((v) => `${group}/${v}`).join(', ')}.`
      : ' Install its CRD (operator) first.';
    out.push({
      ruleId: 'unknown-kind',
      severity: 'warning',
      message: `The connected cluster does not serve ${head.apiVersion} ${kind}.${hint}`,
      ...where,
    });
  }
}

function keySpan(root: Node, key: string): { start: number; end: number } | undefined {
  const items = (root as { items?: Array<{ key?: Node }> }).items;
  const pair = items?.find((p) => (p.key as { value?: unknown } | undefined)?.value === key);
  const r = pair?.key?.range;
  return r ? { start: r[0], end: r[1] } : undefined;
}

function severityOf(raw: RawFinding, config: LintConfig): Severity | 'off' {
  const override = config.rules?.[raw.ruleId];
  if (override) return override;
  return raw.severity ?? ruleMeta(raw.ruleId)?.severity ?? 'warning';
}

function place(raw: RawFinding, base: number, severity: Severity, docIndex: number, lines: LineTable): Finding {
  const start = base + raw.start;
  const end = base + Math.max(raw.end, raw.start);
  return {
    ruleId: raw.ruleId,
    severity,
    message: raw.message,
    start,
    end,
    startPos: lines.position(start),
    endPos: lines.position(end),
    docIndex,
    fixes: raw.fixes?.map((f) => ({ ...f, edits: f.edits.map((e) => ({ start: base + e.start, end: base + e.end, newText: e.newText })) })),
  };
}

function single(ruleId: string, message: string): LintResult {
  return {
    findings: [
      { ruleId, severity: 'info', message, start: 0, end: 0, startPos: { line: 0, col: 0 }, endPos: { line: 0, col: 0 }, docIndex: 0 },
    ],
    documents: 0,
    resources: 0,
    reparsed: 0,
  };
}

function cleanYamlMessage(m: string): string {
  // The yaml package appends "at line N, column M" and a code frame; the range already says where.
  return m.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

export type { RuleSet };
