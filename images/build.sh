#!/usr/bin/env bash
# Build a local OCI image from a recipe folder images/<name>/ without Docker or a registry.
#
#   images/build.sh ref NAME     print the image reference localhost/kubeml-NAME:<version>
#   images/build.sh build NAME   build (if not cached) and print the path of the OCI layout tarball
#
# <version> is a hash of images/build.sh and everything under images/<name>/, so an image is
# rebuilt only when its recipe changes. Tarballs are cached in ${KUBEML_CACHE:-~/.cache/kubeml}/images.
# Import with: ctr -n k8s.io images import --base-name localhost/kubeml-NAME TARBALL
set -euo pipefail

IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KUBEML_CACHE="${KUBEML_CACHE:-$HOME/.cache/kubeml}"
CACHE_DIR="$KUBEML_CACHE/images"

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

usage() { echo "usage: $0 ref|build NAME" >&2; exit 2; }
[[ $# == 2 ]] || usage
cmd="$1"; name="$2"
recipe_dir="$IMAGES_DIR/$name"
[[ -f "$recipe_dir/recipe.env" ]] || die "no recipe: $recipe_dir/recipe.env"

image_version() {
  (cd "$IMAGES_DIR" && { echo build.sh; find "$name" -type f | LC_ALL=C sort; } |
    while read -r f; do printf '%s\n' "$f"; sha256sum < "$f"; done) | sha256sum | cut -c1-12
}
version="$(image_version)"
ref="localhost/kubeml-$name:$version"
tarball="$CACHE_DIR/kubeml-$name-$version.oci.tar"

case "$cmd" in
  ref) echo "$ref"; exit 0 ;;
  build) ;;
  *) usage ;;
esac

if [[ -s "$tarball" ]]; then echo "$tarball"; exit 0; fi

# shellcheck disable=SC1091
source "$recipe_dir/recipe.env"
command -v umoci >/dev/null || die "umoci is missing (apt-get install umoci)"
work="$CACHE_DIR/work/$name-$version"
rm -rf "$work"; mkdir -p "$work"
layout="$work/oci"
umoci init --layout "$layout"
umoci new --image "$layout:$version"
umoci unpack --image "$layout:$version" "$work/bundle" >/dev/null
rootfs="$work/bundle/rootfs"
t0=$SECONDS

# The apt mirror this machine already uses (deb822 .sources first, then one-line .list entries).
debian_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    uri="$(awk '/^URIs:/{u=$2} /^Suites:/{ if ($0 ~ /bookworm( |$)/ && u !~ /security/) {print u; exit} }' "$f")"
    [[ -n "$uri" ]] && { echo "$uri"; return; }
  done
  uri="$(grep -hsE '^deb [^ ]*debian/? bookworm ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2; exit}')"
  echo "${uri:-http://deb.debian.org/debian}"
}

case "$KIND" in
  debootstrap)
    command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
    mirror="$(debian_mirror)"
    log "building image $ref: debootstrap $SUITE from $mirror (cold, ~5-10 min)"
    debootstrap --variant="$VARIANT" --include="$(echo "$PACKAGES" | tr ' ' ',')" \
      "$SUITE" "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 ||
      { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed (log: $work/debootstrap.log)"; }
    # Keep the layer lean and free of host state; the runtime provides /dev, /proc, resolv.conf, hosts.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log \
      "$rootfs"/dev/* "$rootfs"/proc/* "$rootfs"/sys/* "$rootfs"/run/* "$rootfs"/tmp/* \
      "$rootfs"/etc/resolv.conf "$rootfs"/etc/hostname
    find "$rootfs"/usr/lib/python3* -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
    ;;
  go-static)
    command -v go >/dev/null || die "go is missing"
    log "building image $ref: static Go binary"
    (cd "$recipe_dir/$GO_MAIN" && CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false" \
      go build -ldflags "-s -w" -o "$rootfs${IMAGE_ENTRYPOINT}" .)
    ;;
  *) die "unknown KIND=$KIND in $recipe_dir/recipe.env" ;;
esac

if [[ -d "$recipe_dir/files" ]]; then cp -a "$recipe_dir/files/." "$rootfs/"; fi
[[ -n "${IMAGE_WORKDIR:-}" ]] && mkdir -p "$rootfs$IMAGE_WORKDIR"

umoci repack --image "$layout:$version" "$work/bundle"
cfg=(--author "KubeML images/build.sh" --config.label "org.opencontainers.image.title=kubeml-$name"
     --config.label "dev.kubeml.recipe-version=$version")
for e in ${IMAGE_ENV:-}; do cfg+=(--config.env "$e"); done
[[ -n "${IMAGE_ENTRYPOINT:-}" ]] && cfg+=(--config.entrypoint "$IMAGE_ENTRYPOINT")
[[ -n "${IMAGE_CMD:-}" ]] && cfg+=(--config.cmd "$IMAGE_CMD")
[[ -n "${IMAGE_WORKDIR:-}" ]] && cfg+=(--config.workingdir "$IMAGE_WORKDIR")
umoci config --image "$layout:$version" "${cfg[@]}"
umoci gc --layout "$layout"

mkdir -p "$CACHE_DIR"
tar -C "$layout" -cf "$tarball.tmp" .
mv -f "$tarball.tmp" "$tarball"
rm -rf "$work"
log "built image $ref in $((SECONDS - t0))s ($(du -h "$tarball" | cut -f1)) -> $tarball"
echo "$tarball"
