#!/usr/bin/env bash
# Build the pinned KWOK controller (sigs.k8s.io/kwok/cmd/kwok) into $KUBEML_CACHE/bin/kwok-<version>/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$KWOK_BIN_DIR/kwok" ]] && exit 0
command -v go >/dev/null || die "go toolchain not found (needed to build kwok $KWOK_VERSION)"
go_env
mkdir -p "$KWOK_BIN_DIR"
cd "$CLUSTER_DIR/kwok-build"
log "building kwok $KWOK_VERSION (cold, ~1-2 min on 2 cores)"
t0=$SECONDS
go build -p "$GOMAXPROCS" -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
  -o "$KWOK_BIN_DIR/.kwok.tmp" sigs.k8s.io/kwok/cmd/kwok
mv -f "$KWOK_BIN_DIR/.kwok.tmp" "$KWOK_BIN_DIR/kwok"
log "built kwok in $((SECONDS - t0))s -> $KWOK_BIN_DIR/kwok"
