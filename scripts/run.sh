#!/usr/bin/env bash
# THE run command: installs what is missing, builds, and starts the SharpXR DICOM node on its
# embedded default (SQLite in var/, AE title SHARPXR on port 11112, HTTP on 127.0.0.1:8080).
#   bash scripts/run.sh                         built-in defaults
#   bash scripts/run.sh --config my-node.yaml   see server/config/sharpxr.example.yaml
# Stop it with Ctrl-C (or SIGTERM): it finishes or releases the jobs in flight and exits.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

echo "==> system packages"
bash scripts/install-system.sh
echo "==> npm dependencies"
check_node
npm_install
echo "==> viewer (OHIF at /viewer/)"
# The node runs without it (/viewer/ then says how to install it): a failure is not fatal.
bash scripts/setup-viewer.sh || echo "warning: the viewer could not be installed; the node starts without it" >&2
echo "==> build"
npm run build
echo "==> starting the node (Ctrl-C to stop)"
exec node server/bin/sharpxr.js start "$@"
