import type * as K8s from './k8sImpl';

/** Set by the bundler: the extension ships the Kubernetes client as its own file, dist/k8s.js. */
declare const KUBEML_SPLIT_K8S: boolean | undefined;

let loaded: typeof K8s | undefined;

/**
 * @kubernetes/client-node, loaded on first use. It is the largest part of KubeML; compiling and
 * evaluating it at activation cost more than everything else, so it lives in its own bundle
 * (dist/k8s.js) that the first connection loads. Nothing imports its values at module level.
 */
export function k8s(): typeof K8s {
  if (!loaded) {
    /* eslint-disable @typescript-eslint/no-require-imports -- deliberate lazy load */
    loaded =
      typeof KUBEML_SPLIT_K8S !== 'undefined' && KUBEML_SPLIT_K8S
        ? (require('./k8s.js') as typeof K8s)
        : (require('./k8sImpl') as typeof K8s);
    /* eslint-enable @typescript-eslint/no-require-imports */
  }
  return loaded;
}
