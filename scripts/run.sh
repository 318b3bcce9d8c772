#!/usr/bin/env bash
# THE run command: installs what is missing, builds, and denoises the fixture radiographs
# in tests/fixtures/images into out/ with the shipped default model (models/).
#   bash scripts/run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

echo "==> system packages"
bash scripts/install-system.sh
echo "==> npm dependencies"
check_node
npm_install
echo "==> build"
npm run build
echo "==> denoise tests/fixtures/images -> out/"
npx --no-install sharpxr denoise tests/fixtures/images --out out/
echo
echo "done: denoised images are in $(pwd)/out/"
