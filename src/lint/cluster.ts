import type { KubeClient } from '../cluster/client';
import { Disposable, Emitter } from '../common/lifecycle';
import { messageOf } from '../common/errors';
import type { Logger } from '../common/logging';
import { compactFromOpenApi, type OpenApiDocument } from './schema/compact';
import type { Node } from 'yaml';
import { SchemaValidator, type KindSchemas, type SchemaProblem } from './schema/validator';
import type { ClusterFacts } from './types';

/** Groups the bundled schema covers: everything else served by a cluster comes from CRDs or aggregated APIs. */
export function isBuiltinGroupPath(path: string): boolean {
  if (path === 'api/v1' || path === 'api') return true;
  const m = /^apis\/([^/]+)\//.exec(path);
  if (!m) return true;
  const group = m[1]!;
  return !group.includes('.') || group.endsWith('.k8s.io');
}

/**
 * Reads the connected cluster's OpenAPI v3 for the groups the bundled schema does not have (CRDs:
 * TrainJob, InferenceService, RayJob, ...), as one compact schema. All at once: the editor reads
 * the cluster's schema lazily, per group-version, through ClusterSchema.
 */
export async function fetchClusterSchema(client: KubeClient, signal?: AbortSignal): Promise<SchemaValidator> {
  const index = await client.json<OpenApiIndex>('/openapi/v3', {
    what: 'read the API schema index (/openapi/v3)',
    timeoutMs: 15000,
    signal,
  });
  const wanted = Object.entries(index.paths ?? {}).filter(([p, v]) => v.serverRelativeURL && !isBuiltinGroupPath(p));
  const docs: OpenApiDocument[] = [];
  for (let i = 0; i < wanted.length; i += 4) {
    const batch = wanted.slice(i, i + 4);
    docs.push(
      ...(await Promise.all(
        batch.map(([p, v]) =>
          client.json<OpenApiDocument>(v.serverRelativeURL!, { what: `read the API schema of ${p}`, timeoutMs: 15000, signal }),
        ),
      )),
    );
  }
  return new SchemaValidator(compactFromOpenApi(docs, `cluster ${client.server}`));
}

interface OpenApiIndex {
  paths?: Record<string, { serverRelativeURL?: string }>;
}

/** The /openapi/v3 path of a group-version: "api/v1" for the core group, "apis/<group>/<version>" otherwise. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** Index older than this is read again on the next lookup (in the background; the old one answers meanwhile). */
const INDEX_TTL_MS = 5 * 60_000;
/** A group-version missing from an index at least this old reads the index again (a CRD installed since). */
const INDEX_MISS_TTL_MS = 30_000;
const RETRY_MS = 60_000;

/**
 * The connected cluster's own schema, /openapi/v3, built-in kinds and CRDs alike, read lazily: the
 * index first, then only the group-version documents that the linted manifests use, each once per
 * content hash (the index's serverRelativeURL carries it, and it changes when the group-version's
 * schema does, say a CRD update). Lookups are synchronous: until a document arrives they answer
 * "not known" (the bundled schema validates meanwhile), and `changed` is called when it does.
 */
export class ClusterSchema implements KindSchemas {
  private index?: Map<string, string>;
  private indexAt = 0;
  private indexLoading = false;
  private indexFailedAt = 0;
  /** serverRelativeURL (hash included) -> validator of that group-version's document. */
  private readonly validators = new Map<string, SchemaValidator>();
  private readonly loading = new Set<string>();
  private readonly failedAt = new Map<string, number>();

  constructor(
    private readonly client: KubeClient,
    private readonly changed: () => void,
    private readonly log?: Logger,
  ) {}

  get server(): string {
    return this.client.server;
  }

  /** Group-version paths whose documents have been read, for tests and the log. */
  loadedGroupVersions(): string[] {
    const out: string[] = [];
    for (const [path, url] of this.index ?? []) if (this.validators.has(url)) out.push(path);
    return out.sort();
  }

  /** Forget the index (reconnected, or asked to refresh); documents stay cached by hash. */
  refresh(): void {
    this.indexAt = 0;
    this.indexFailedAt = 0;
    this.failedAt.clear();
  }

  /** Resolves once nothing is loading (tests, the CLI): the documents asked for so far are in. */
  async settled(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while ((this.indexLoading || this.loading.size > 0) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }

  has(group: string, version: string, kind: string): boolean {
    return this.validatorFor(group, version)?.has(group, version, kind) ?? false;
  }

  /** true or false once the index (and the group-version's document) are read; undefined before. */
  serves(group: string, version: string, kind: string): boolean | undefined {
    const index = this.currentIndex();
    if (!index) return undefined;
    if (!index.has(groupVersionPath(group, version))) {
      this.missed();
      return false;
    }
    return this.validatorFor(group, version)?.serves(group, version, kind);
  }

  versionsOf(group: string, kind: string): string[] {
    const index = this.currentIndex();
    if (!index) return [];
    const prefix = group ? `apis/${group}/` : 'api/';
    const out: string[] = [];
    for (const path of index.keys()) {
      if (!path.startsWith(prefix) || path.slice(prefix.length).includes('/')) continue;
      const v = path.slice(prefix.length);
      if (!v) continue;
      if (this.validatorFor(group, v)?.serves(group, v, kind)) out.push(v);
    }
    return out;
  }

  validate(root: Node, group: string, version: string, kind: string, out: SchemaProblem[]): void {
    this.validatorFor(group, version)?.validate(root, group, version, kind, out);
  }

  /** The validator of a group-version's document if read; else starts reading it and says undefined. */
  private validatorFor(group: string, version: string): SchemaValidator | undefined {
    const index = this.currentIndex();
    if (!index) return undefined;
    const path = groupVersionPath(group, version);
    const url = index.get(path);
    if (!url) {
      this.missed();
      return undefined;
    }
    const v = this.validators.get(url);
    if (v) return v;
    const failed = this.failedAt.get(url);
    if (this.loading.has(url) || (failed && Date.now() - failed < RETRY_MS)) return undefined;
    this.loading.add(url);
    const t0 = Date.now();
    this.client.json<OpenApiDocument>(url, { what: `read the API schema of ${path}`, timeoutMs: 15000 }).then(
      (doc) => {
        this.loading.delete(url);
        const validator = new SchemaValidator(compactFromOpenApi([doc], `cluster ${this.client.server} ${path}`));
        this.validators.set(url, validator);
        this.log?.info(`cluster schema ${path}: ${Object.keys(validator.schema.kinds).length} kinds (${Date.now() - t0} ms)`);
        this.changed();
      },
      (e: unknown) => {
        this.loading.delete(url);
        this.failedAt.set(url, Date.now());
        this.log?.warn(`could not read the cluster schema of ${path} (the bundled schema is used meanwhile): ${messageOf(e)}`);
      },
    );
    return undefined;
  }

  private currentIndex(): Map<string, string> | undefined {
    if (Date.now() - this.indexAt > INDEX_TTL_MS) this.loadIndex();
    return this.index;
  }

  private missed(): void {
    if (Date.now() - this.indexAt > INDEX_MISS_TTL_MS) this.loadIndex();
  }

  private loadIndex(): void {
    if (this.indexLoading || Date.now() - this.indexFailedAt < RETRY_MS) return;
    this.indexLoading = true;
    this.client.json<OpenApiIndex>('/openapi/v3', { what: 'read the API schema index (/openapi/v3)', timeoutMs: 15000 }).then(
      (idx) => {
        this.indexLoading = false;
        const next = new Map<string, string>();
        for (const [p, v] of Object.entries(idx.paths ?? {}))
          if (v.serverRelativeURL && /^apis?\//.test(p)) next.set(p, v.serverRelativeURL);
        const first = !this.index;
        const changedPaths = !this.index || next.size !== this.index.size || [...next].some(([p, u]) => this.index!.get(p) !== u);
        this.index = next;
        this.indexAt = Date.now();
        // Documents of hashes no longer listed are dropped.
        const live = new Set(next.values());
        for (const url of this.validators.keys()) if (!live.has(url)) this.validators.delete(url);
        if (first) this.log?.info(`cluster schema index of ${this.client.server}: ${next.size} group-versions`);
        if (changedPaths) this.changed();
      },
      (e: unknown) => {
        this.indexLoading = false;
        this.indexFailedAt = Date.now();
        this.log?.warn(
          `could not read the cluster schema index of ${this.client.server} (the bundled schema is used meanwhile): ${messageOf(e)}`,
        );
      },
    );
  }
}

interface PvcEntry {
  names?: Set<string>;
  at: number;
  loading: boolean;
}

/**
 * What the linter learns from the connected cluster, cached per server: its CRD schema and the
 * PVCs of the namespaces the open manifests use. Lookups are synchronous and return undefined
 * until data arrives; `onDidChange` fires then, and the diagnostics re-run.
 */
export class ClusterLintData extends Disposable implements ClusterFacts {
  private readonly _onDidChange = this._register(new Emitter<void>());
  readonly onDidChange = this._onDidChange.event;
  private readonly schemas = new Map<string, { client: KubeClient; schema: ClusterSchema }>();
  private pvcs = new Map<string, PvcEntry>();
  private server: string | undefined;
  /** Bumped whenever something new is known; the linter recomputes cached findings when it changes. */
  generation = 0;

  constructor(
    private readonly client: () => KubeClient | undefined,
    private readonly log: Logger,
    private readonly pvcTtlMs = 30_000,
  ) {
    super();
  }

  get defaultNamespace(): string | undefined {
    return undefined;
  }

  /** Forget everything (another context, or reconnected). */
  reset(): void {
    this.pvcs = new Map();
    for (const { schema } of this.schemas.values()) schema.refresh();
    this.generation++;
    this._onDidChange.fire();
  }

  /**
   * The connected cluster's schema (/openapi/v3, read lazily per group-version), or undefined when
   * not connected or turned off: the bundled schema validates then.
   */
  clusterSchema(enabled: boolean): ClusterSchema | undefined {
    const client = this.client();
    if (!enabled || !client) return undefined;
    let schema = this.schemas.get(client.server);
    if (!schema || schema.client !== client) {
      // Another client for the same server (reconnected, new credentials): a fresh index, the documents read again.
      schema = {
        client,
        schema: new ClusterSchema(
          client,
          () => {
            this.generation++;
            this._onDidChange.fire();
          },
          this.log,
        ),
      };
      this.schemas.set(client.server, schema);
    }
    return schema.schema;
  }

  pvcNames(namespace: string): ReadonlySet<string> | undefined {
    const client = this.client();
    if (!client) return undefined;
    if (this.server !== client.server) {
      this.server = client.server;
      this.pvcs = new Map();
    }
    const entry = this.pvcs.get(namespace);
    const fresh = entry && Date.now() - entry.at < this.pvcTtlMs;
    if (!entry || (!fresh && !entry.loading)) {
      const next: PvcEntry = { names: entry?.names, at: entry?.at ?? 0, loading: true };
      this.pvcs.set(namespace, next);
      client
        .json<{ items?: Array<{ metadata?: { name?: string } }> }>(
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims`,
          { what: `list PersistentVolumeClaims in ${namespace}`, timeoutMs: 10000 },
        )
        .then(
          (list) => {
            const names = new Set((list.items ?? []).map((i) => i.metadata?.name).filter((n): n is string => !!n));
            const changed = !next.names || names.size !== next.names.size || [...names].some((n) => !next.names!.has(n));
            Object.assign(next, { names, at: Date.now(), loading: false });
            if (changed) {
              this.generation++;
              this._onDidChange.fire();
            }
          },
          (e: unknown) => {
            // Forbidden or unreachable: say nothing about claims rather than guess.
            Object.assign(next, { names: undefined, at: Date.now(), loading: false });
            this.log.debug(`PVCs of ${namespace} unknown: ${messageOf(e)}`);
          },
        );
    }
    return entry?.names;
  }
}
