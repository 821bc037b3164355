/**
 * The vocabulary of the manifest linter: findings with exact offsets, rules, fixes.
 * Offsets are UTF-16 code units into the file text (what VS Code's positionAt and SARIF expect).
 */
export type Severity = 'error' | 'warning' | 'info' | 'hint';
export type SeveritySetting = Severity | 'off';

export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix a user most likely wants (VS Code shows it first, "Fix all" uses it). */
  preferred?: boolean;
}

export interface Position {
  /** 0-based line. */
  line: number;
  /** 0-based column in UTF-16 code units. */
  col: number;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  /** Filled in by the engine from the file's line table. */
  startPos: Position;
  endPos: Position;
  /** 0-based index of the YAML document in the file. */
  docIndex: number;
  fixes?: Fix[];
}

export type RuleCategory = 'syntax' | 'schema' | 'security' | 'resources' | 'reliability' | 'ml' | 'cluster';

export interface RuleMeta {
  id: string;
  severity: Severity;
  category: RuleCategory;
  /** One line: what the rule catches and why it matters. */
  description: string;
  /** The kube-linter check or Polaris check this one matches, if any. */
  matches?: string;
}

/** What the connected cluster knows; every member is optional (offline = nothing known). */
export interface ClusterFacts {
  /** PVC names in a namespace, or undefined while unknown (not fetched, forbidden). */
  pvcNames?(namespace: string): ReadonlySet<string> | undefined;
  /** The namespace a resource without metadata.namespace goes to. */
  defaultNamespace?: string;
}

export type Path = ReadonlyArray<string | number>;
