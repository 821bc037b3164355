#!/usr/bin/env bash
# Builds a Go tool from its module (the Go module proxy) and caches it by version under
# ${KUBEML_CACHE:-~/.cache/kubeml}/bin/<name>-<version>/<name>, never in the repository. Prints the path.
#   bash scripts/go-tool.sh helm            (idempotent: a built binary is kept)
#   bash scripts/go-tool.sh --all           (every tool below, one after the other)
# The tools: helm and kustomize render charts and kustomizations for `kubeml lint` (users have them on
# their PATH; tests build the same ones), kube-score and kubeconform are the lint benchmark's peers.
# Exit 3 when no Go toolchain or the proxy refuses the module: callers say "not measured" and why.
set -euo pipefail
declare -A MODULE=(
  [helm]=helm.sh/helm/v3/cmd/helm
  [kustomize]=sigs.k8s.io/kustomize/kustomize/v5
  [kube-score]=github.com/zegl/kube-score/cmd/kube-score
  [kubeconform]=github.com/yannh/kubeconform/cmd/kubeconform
  [kueue]=sigs.k8s.io/kueue/cmd/kueue
  [training-operator]=github.com/kubeflow/training-operator/cmd/training-operator.v1
)
declare -A VERSION=(
  [helm]="${HELM_VERSION:-v3.22.0}"
  # v5.8.3 needs k8s.io/kube-openapi@v0.0.0-20261001230523-97fa35140926, which the proxy here refuses
  # (403, checked 2026-12-03); v5.8.2 is the newest that builds from what is served.
  [kustomize]="${KUSTOMIZE_VERSION:-v5.8.2}"
  [kube-score]="${KUBE_SCORE_VERSION:-v1.20.0}"
  [kubeconform]="${KUBECONFORM_VERSION:-v0.8.0}"
  # The local cluster's queueing controller (scripts/cluster/kueue.sh); 311 s cold on 2 cores.
  [kueue]="${KUEUE_VERSION:-v0.17.0}"
  # The local cluster's PyTorchJob controller (scripts/cluster/training-operator.sh).
  [training-operator]="${TRAINING_OPERATOR_VERSION:-v1.8.1}"
)
CACHE="${KUBEML_CACHE:-$HOME/.cache/kubeml}"

build() {
  local name="$1" module="${MODULE[$1]:-}" version="${VERSION[$1]:-}"
  if [[ -z "$module" ]]; then echo "go-tool: unknown tool '$name' (known: ${!MODULE[*]})" >&2; return 2; fi
  local dir="$CACHE/bin/$name-$version"
  if [[ -x "$dir/$name" ]]; then echo "$dir/$name"; return 0; fi
  # One build at a time per tool and version (npm test builds in the background while a test may ask
  # for the same tool): the second caller waits for the first and takes its binary.
  mkdir -p "$CACHE/bin"
  exec {lock}>"$dir.lock"
  flock "$lock"
  if [[ -x "$dir/$name" ]]; then flock -u "$lock"; echo "$dir/$name"; return 0; fi
  if ! command -v go >/dev/null; then echo "go-tool: no Go toolchain to build $module@$version; install Go, or put $name on the PATH." >&2; return 3; fi
  mkdir -p "$dir.tmp"
  echo "[go-tool] building $name $version from $module (a few minutes on 2 cores, cached in $dir)" >&2
  local started=$SECONDS
  # -trimpath and no VCS stamping: the same module gives the same binary; nice: the cluster may be building too.
  # GOTOOLCHAIN=auto: a module that needs a newer Go (kustomize v5.8 wants 1.27) gets that toolchain
  # from the same module proxy, checksum-verified, cached in the module cache.
  if ! GOTOOLCHAIN="${KUBEML_GOTOOLCHAIN:-auto}" GOBIN="$dir.tmp" GOFLAGS="${GOFLAGS:-} -trimpath" nice -n 10 go install "$module@$version" >&2; then
    rm -rf "$dir.tmp"
    echo "go-tool: building $module@$version failed (above); the Go module proxy may not serve it here." >&2
    return 3
  fi
  # training-operator's command is cmd/training-operator.v1: its binary takes the tool's name.
  local built="$dir.tmp/${module##*/}"
  if [[ ! -x "$dir.tmp/$name" && -x "$built" ]]; then mv "$built" "$dir.tmp/$name"; fi
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  flock -u "$lock"
  echo "[go-tool] $name $version built in $((SECONDS - started)) s" >&2
  echo "$dir/$name"
}

if [[ "${1:-}" == "--all" ]]; then
  status=0
  for n in helm kustomize kube-score kubeconform; do build "$n" || status=$?; done
  exit $status
else
  build "${1:?usage: go-tool.sh NAME | --all}"
fi
