import type { Document } from 'yaml';
import { spanOf, type SpanMode } from '../document';
import { appendItem, setValue } from '../edits';
import type { ClusterFacts, Fix, Path, RuleMeta, Severity, TextEdit } from '../types';
import { containersOf, podSpecsOf, type ContainerRef, type PodSpecRef, type ResourceHead } from '../workload';

/** A finding before the engine places it in the file: offsets relative to the document's chunk. */
export interface RawFinding {
  ruleId: string;
  severity?: Severity;
  message: string;
  start: number;
  end: number;
  fixes?: Fix[];
}

/** What the other documents of the same file define (a PVC next to the Job that mounts it). */
export interface FileIndex {
  pvcs: Set<string>;
}

export interface ReportOptions {
  mode?: SpanMode;
  fixes?: Array<{ title: string; edits: Array<TextEdit | undefined>; preferred?: boolean }>;
}

export class RuleContext {
  private _pods?: PodSpecRef[];
  private _containers?: ContainerRef[];
  readonly findings: RawFinding[] = [];

  constructor(
    readonly doc: Document.Parsed,
    readonly src: string,
    readonly value: Record<string, unknown>,
    readonly head: ResourceHead,
    readonly facts: ClusterFacts,
    readonly file: FileIndex,
  ) {}

  get pods(): PodSpecRef[] {
    return (this._pods ??= podSpecsOf(this.value, this.head));
  }
  get containers(): ContainerRef[] {
    return (this._containers ??= containersOf(this.value, this.head, this.pods));
  }
  get namespace(): string {
    return this.head.namespace ?? this.facts.defaultNamespace ?? 'default';
  }

  report(ruleId: string, path: Path, message: string, opts: ReportOptions = {}): void {
    const [start, end] = spanOf(this.doc, path, opts.mode);
    const fixes: Fix[] = [];
    for (const f of opts.fixes ?? []) {
      const edits = f.edits.filter((e): e is TextEdit => e !== undefined);
      // A fix with a missing part would leave the file half-changed: offer none.
      if (edits.length > 0 && edits.length === f.edits.length) fixes.push({ title: f.title, edits, preferred: f.preferred });
    }
    this.findings.push({ ruleId, message, start, end, fixes: fixes.length ? fixes : undefined });
  }

  set(path: Path, value: unknown): TextEdit | undefined {
    return setValue(this.doc, this.src, path, value);
  }
  append(path: Path, item: unknown): TextEdit | undefined {
    return appendItem(this.doc, this.src, path, item);
  }
}

export interface Rule extends RuleMeta {
  check(ctx: RuleContext): void;
}

/** "container "train"" for messages. */
export function containerLabel(c: ContainerRef): string {
  const name = typeof c.container.name === 'string' ? c.container.name : undefined;
  if (c.resourcesKey === 'resourcesPerNode') return 'the trainer';
  if (!c.hasImage && !name) return `the ${String(c.path[c.path.length - 1])}`;
  return `${c.init ? (c.sidecar ? 'sidecar' : 'init container') : 'container'} "${name ?? '?'}"`;
}
