// The parts of @kubernetes/client-node KubeML uses, as one module that src/cluster/k8s.ts loads
// on first use (a named re-export keeps the bundle tree-shaken).
export { KubeConfig, Exec, PortForward } from '@kubernetes/client-node';
