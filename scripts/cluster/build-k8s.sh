#!/usr/bin/env bash
# Build the pinned Kubernetes components from upstream code into $KUBEML_CACHE/bin/k8s-<version>/.
# Already-built binaries are kept (cache by version); only missing ones are built.
# Also builds kubeml-cri (cmd/kubeml-cri in the same module), a tiny CRI client used by `cluster down`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet)
need=()
for c in "${COMPONENTS[@]}" kubeml-cri; do [[ -x "$BIN_DIR/$c" ]] || need+=("$c"); done
((${#need[@]})) || exit 0

command -v go >/dev/null || die "go toolchain not found (needed to build Kubernetes $K8S_VERSION)"
go_env
mkdir -p "$BIN_DIR"
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
date_now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date_now"
done

cd "$CLUSTER_DIR/k8s-build"
i=0
for c in "${need[@]}"; do
  i=$((i + 1))
  case "$c" in
    kube-apiserver) est="cold, ~4-6 min on 2 cores: compiles most shared packages" ;;
    kube-controller-manager) est="~1-2 min, shares the build cache" ;;
    kubeml-cri) est="seconds" ;;
    *) est="~0.5 min, shares the build cache" ;;
  esac
  log "building $c $K8S_VERSION ($est) [$i/${#need[@]}]"
  t0=$SECONDS
  pkg="k8s.io/kubernetes/cmd/$c"; [[ $c == kubeml-cri ]] && pkg="./cmd/kubeml-cri"
  go build -p "${GOMAXPROCS}" -ldflags "$ldflags" -o "$BIN_DIR/.$c.tmp" "$pkg"
  mv -f "$BIN_DIR/.$c.tmp" "$BIN_DIR/$c"
  log "built $c in $((SECONDS - t0))s -> $BIN_DIR/$c"
done
