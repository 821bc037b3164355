/** What to say about a namespace name typed in Select Namespaces; pure, so the rules are tested in Node. */
export interface NamespaceNameCheck {
  readonly message: string;
  /** 'error' refuses the name; 'warning' lets it through with a word. */
  readonly severity: 'error' | 'warning';
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `existing`: the cluster's namespaces when they could be listed (undefined when the user may not
 * list them: then nothing can be said about existence).
 */
export function checkNamespaceName(name: string, existing: readonly string[] | undefined): NamespaceNameCheck | undefined {
  if (!DNS_LABEL.test(name) || name.length > 63)
    return {
      severity: 'error',
      message: 'A namespace name is at most 63 lowercase letters, digits and dashes, starting and ending with a letter or digit.',
    };
  if (existing && !existing.includes(name))
    return {
      severity: 'warning',
      message: `This cluster has no namespace "${name}" (yet): its views stay empty until it is created. Enter to show it anyway.`,
    };
  return undefined;
}
