#!/usr/bin/env bash
# Installs the OHIF viewer the node serves at /viewer/: the prebuilt dist of the npm package
# @ohif/app (OHIF cannot be built from npm here), pinned by version and sha512 integrity,
# unpacked into viewer-extension/ohif/ (never committed) and relocated from "/" to "/viewer/"
# (server/src/viewer/relocate.ts). Run by scripts/run.sh and scripts/test.sh after the npm
# install, never by the node itself. A second run with the same pin does nothing.
#   SHARPXR_VIEWER_CACHE  where the tarball is kept (default .cache/viewer)
#   SHARPXR_OHIF_DIR      where OHIF goes (default viewer-extension/ohif)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OHIF_PACKAGE=@ohif/app
OHIF_VERSION=3.13.2
OHIF_INTEGRITY=sha512-WZdxmpmG7rqFgW9ZJLcbgr3XCtLi1KDNPoMaeY5PPe6j4G4fjEjjkycZM6C6Zk2F87BKxFfpq+jd5xXZB9E8EA==
BASE=/viewer/

cache=${SHARPXR_VIEWER_CACHE:-.cache/viewer}
target=${SHARPXR_OHIF_DIR:-viewer-extension/ohif}
stamp_name=.sharpxr-ohif.json
# RELOCATION names the rule set of server/src/viewer/relocate.ts: a new rule means a new install.
RELOCATION=2
want=$(printf '{"package":"%s","version":"%s","integrity":"%s","base":"%s","relocation":%s}' "$OHIF_PACKAGE" "$OHIF_VERSION" "$OHIF_INTEGRITY" "$BASE" "$RELOCATION")

if [ -f "$target/$stamp_name" ] && [ "$(cat "$target/$stamp_name")" = "$want" ]; then
  echo "OHIF $OHIF_VERSION is installed in $target (relocated to $BASE)"
  exit 0
fi

integrity_of() {
  node -e 'const c=require("node:crypto"),f=require("node:fs");process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$1"
}

mkdir -p "$cache"
tarball="$cache/ohif-app-$OHIF_VERSION.tgz"
if [ ! -f "$tarball" ]; then
  echo "fetching $OHIF_PACKAGE@$OHIF_VERSION from the npm registry (~50 MB)"
  npm pack "$OHIF_PACKAGE@$OHIF_VERSION" --pack-destination "$cache" --silent >/dev/null
fi
actual=$(integrity_of "$tarball")
if [ "$actual" != "$OHIF_INTEGRITY" ]; then
  rm -f "$tarball"
  echo "error: $tarball has integrity $actual, expected $OHIF_INTEGRITY; deleted it, refusing to install" >&2
  exit 1
fi

# Unpack and relocate beside the target, then swap it in: an interrupted run never leaves a
# half-installed OHIF that the stamp would vouch for.
parent=$(dirname "$target")
mkdir -p "$parent"
staging=$(mktemp -d "$parent/.ohif-staging.XXXXXX")
trap 'rm -rf "$staging"' EXIT
tar -xzf "$tarball" -C "$staging" package/dist
node --import tsx server/src/viewer/relocate-cli.ts "$staging/package/dist" "$BASE"
printf '%s' "$want" > "$staging/package/dist/$stamp_name"
rm -rf "$staging/old"
if [ -e "$target" ]; then mv "$target" "$staging/old"; fi
mv "$staging/package/dist" "$target"
echo "OHIF $OHIF_VERSION installed in $target (relocated to $BASE)"
