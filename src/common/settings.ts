/**
 * Every kubeml.* setting in one table: its key, default and range. Logic never reads the editor's
 * configuration itself: the skin hands it a SettingsSource (src/common/ui/vscodeConfig.ts), and
 * `read` turns what the user wrote into a value in range, or the default (a value out of range or
 * of the wrong type keeps the default, as the settings editor also warns). Plain Node; a test
 * holds this table against package.json's contributes.configuration.
 */

/** Where values come from: the editor's configuration, a plain object in tests. Keys without "kubeml.". */
export interface SettingsSource {
  get(key: string): unknown;
}

export interface Setting<T> {
  readonly key: string;
  readonly default: T;
  /** The value in range, or undefined. */
  parse(v: unknown): T | undefined;
  /** What package.json must say of it (type, minimum, maximum, enum). */
  readonly schema: Readonly<Record<string, unknown>>;
}

const num = (key: string, dflt: number, minimum: number, maximum = Infinity, integer = false): Setting<number> => ({
  key,
  default: dflt,
  parse: (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= minimum && v <= maximum && (!integer || Number.isInteger(v)) ? v : undefined,
  schema: { type: integer ? 'integer' : 'number', minimum, ...(maximum !== Infinity ? { maximum } : {}) },
});
const bool = (key: string, dflt: boolean): Setting<boolean> => ({
  key,
  default: dflt,
  parse: (v) => (typeof v === 'boolean' ? v : undefined),
  schema: { type: 'boolean' },
});
/** A string; blank (after trimming) is the default. */
const str = (key: string, dflt: string): Setting<string> => ({
  key,
  default: dflt,
  parse: (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined),
  schema: { type: 'string' },
});
const oneOf = <T extends string>(key: string, dflt: T, values: readonly T[]): Setting<T> => ({
  key,
  default: dflt,
  parse: (v) => (typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : undefined),
  schema: { type: 'string', enum: values },
});
const strings = (key: string): Setting<string[]> => ({
  key,
  default: [],
  parse: (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined),
  schema: { type: 'array' },
});

export const SEVERITY_SETTINGS = ['error', 'warning', 'info', 'hint', 'off'] as const;
export type SeverityName = (typeof SEVERITY_SETTINGS)[number];
/** The Kubernetes versions whose schemas the manifest linter bundles (schemas/kubernetes.json.gz); "auto": the cluster's, else the newest. */
export const LINT_KUBERNETES_VERSIONS = ['auto', '1.30', '1.31', '1.32', '1.33', '1.34'] as const;
export const DRIFT_METHODS = ['auto', 'ks', 'wasserstein', 'psi', 'js', 'chi2'] as const;

export const Settings = {
  kubeconfig: str('kubeconfig', ''),
  prometheusUrl: str('prometheus.url', ''),
  browseImage: str('datasets.browseImage', 'busybox:1.36'),

  driftMethod: oneOf('drift.method', 'auto', DRIFT_METHODS),
  driftPValue: num('drift.pValueThreshold', 0.05, 0, 1),
  driftWasserstein: num('drift.wassersteinThreshold', 0.1, 0),
  driftJs: num('drift.jsThreshold', 0.1, 0, 1),
  driftPsiBands: {
    key: 'drift.psiThresholds',
    default: [0.1, 0.25] as [number, number],
    parse: (v: unknown) =>
      Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0) && v[0] <= v[1]
        ? ([v[0], v[1]] as [number, number])
        : undefined,
    schema: { type: 'array', minItems: 2, maxItems: 2 },
  } satisfies Setting<[number, number]>,
  driftSmallReferenceRows: num('drift.smallReferenceRows', 1000, 1, Infinity, true),
  driftDatasetShare: num('drift.datasetDriftShare', 0.5, 0, 1),
  driftBins: num('drift.bins', 10, 2, 1000, true),

  syncLocalFolder: str('sync.localFolder', ''),
  syncRemoteFolder: str('sync.remoteFolder', '/workspace'),
  syncMaxFileSizeMB: num('sync.maxFileSizeMB', 50, 0),
  syncMirror: bool('sync.mirror', false),
  syncExclude: strings('sync.exclude'),
  syncFollowRuns: bool('sync.followRuns', true),

  lintEnable: bool('lint.enable', true),
  lintRules: {
    key: 'lint.rules',
    default: {} as Record<string, SeverityName>,
    parse: (v: unknown) =>
      typeof v === 'object' && v !== null && !Array.isArray(v)
        ? (Object.fromEntries(Object.entries(v).filter(([, s]) => (SEVERITY_SETTINGS as readonly unknown[]).includes(s))) as Record<
            string,
            SeverityName
          >)
        : undefined,
    schema: { type: 'object' },
  } satisfies Setting<Record<string, SeverityName>>,
  lintSchemaValidation: oneOf('lint.schemaValidation', 'auto', ['auto', 'on', 'off'] as const),
  lintClusterSchema: bool('lint.clusterSchema', true),
  lintKubernetesVersion: oneOf('lint.kubernetesVersion', 'auto', LINT_KUBERNETES_VERSIONS),
  lintHardening: oneOf('lint.hardening', 'fold', ['fold', 'show', 'off'] as const),
  healthHungAfterSeconds: num('health.hungAfterSeconds', 60, 10, 3600, true),
  healthIdleUtilPercent: num('health.idleUtilPercent', 10, 0, 100),
  healthIdleMinutes: num('health.idleMinutes', 10, 1, 1440, true),
  lintDebounceMs: num('lint.debounceMs', 300, 0),
  lintMaxFileSizeMB: num('lint.maxFileSizeMB', 5, 0.1),
} as const;

/** The value of one setting: what the source says when it is in range, else the default. */
export function read<T>(source: SettingsSource, setting: Setting<T>): T {
  return setting.parse(source.get(setting.key)) ?? setting.default;
}

/** A source over a plain object (tests, the CLI): keys as in the table ("drift.bins"). */
export function objectSource(values: Readonly<Record<string, unknown>>): SettingsSource {
  return { get: (key) => values[key] };
}

/** The settings that are absent: an empty source. */
export const DEFAULTS: SettingsSource = objectSource({});
