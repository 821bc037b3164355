import type { KubeClient } from '../cluster/client';
import { Disposable, Emitter } from '../common/lifecycle';
import { messageOf } from '../common/errors';
import type { Logger } from '../common/logging';
import { compactFromOpenApi, type OpenApiDocument } from './schema/compact';
import { SchemaValidator } from './schema/validator';
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
 * TrainJob, InferenceService, RayJob, ...), as one compact schema.
 */
export async function fetchClusterSchema(client: KubeClient, signal?: AbortSignal): Promise<SchemaValidator> {
  const index = await client.json<{ paths?: Record<string, { serverRelativeURL?: string }> }>('/openapi/v3', { what: 'read the API schema index (/openapi/v3)', timeoutMs: 15000, signal });
  const wanted = Object.entries(index.paths ?? {}).filter(([p, v]) => v.serverRelativeURL && !isBuiltinGroupPath(p));
  const docs: OpenApiDocument[] = [];
  for (let i = 0; i < wanted.length; i += 4) {
    const batch = wanted.slice(i, i + 4);
    docs.push(...(await Promise.all(batch.map(([p, v]) => client.json<OpenApiDocument>(v.serverRelativeURL!, { what: `read the API schema of ${p}`, timeoutMs: 15000, signal })))));
  }
  return new SchemaValidator(compactFromOpenApi(docs, `cluster ${client.server}`));
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
  private readonly schemas = new Map<string, { validator?: SchemaValidator; loading: boolean; failedAt?: number }>();
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
    this.generation++;
    this._onDidChange.fire();
  }

  clusterSchema(enabled: boolean): SchemaValidator | undefined {
    const client = this.client();
    if (!enabled || !client) return undefined;
    const server = client.server;
    const entry = this.schemas.get(server);
    if (entry?.validator) return entry.validator;
    if (entry?.loading || (entry?.failedAt && Date.now() - entry.failedAt < 60_000)) return undefined;
    this.schemas.set(server, { loading: true });
    fetchClusterSchema(client).then(
      (validator) => {
        this.schemas.set(server, { validator, loading: false });
        this.log.info(`cluster schema of ${server}: ${Object.keys(validator.schema.kinds).length} custom kinds`);
        this.generation++;
        this._onDidChange.fire();
      },
      (e: unknown) => {
        this.schemas.set(server, { loading: false, failedAt: Date.now() });
        this.log.warn(`could not read the cluster schema of ${server}: ${messageOf(e)}`);
      },
    );
    return undefined;
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
        .json<{ items?: Array<{ metadata?: { name?: string } }> }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims`, { what: `list PersistentVolumeClaims in ${namespace}`, timeoutMs: 10000 })
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
