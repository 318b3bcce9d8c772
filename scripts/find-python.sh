#!/usr/bin/env bash
# Prints the path of a Python interpreter that can import SharpXR's training stack
# (torch, numpy, yaml, cv2). Order: $SHARPXR_PYTHON if set (and it must work), then
# `python3` on PATH, then /usr/bin/python3. Debian's python3-torch lives under
# /usr/bin/python3, while pyenv and similar often put a python3 without torch first on PATH.
set -u

MODULES="torch, numpy, yaml, cv2"

works() {
  "$1" -c "import $MODULES" >/dev/null 2>&1
}

resolve() {
  # Absolute path, so callers that change directory still find it.
  if [ -x "$1" ] && [ "${1#/}" != "$1" ]; then
    echo "$1"
  else
    command -v "$1" 2>/dev/null
  fi
}

if [ -n "${SHARPXR_PYTHON:-}" ]; then
  py=$(resolve "$SHARPXR_PYTHON") || py=""
  if [ -z "$py" ]; then
    echo "find-python: SHARPXR_PYTHON=$SHARPXR_PYTHON is not an executable" >&2
    exit 1
  fi
  if ! works "$py"; then
    echo "find-python: SHARPXR_PYTHON=$SHARPXR_PYTHON cannot 'import $MODULES':" >&2
    "$py" -c "import $MODULES" 2>&1 | tail -n 1 | sed 's/^/  /' >&2
    exit 1
  fi
  echo "$py"
  exit 0
fi

tried=()
for cand in python3 /usr/bin/python3; do
  py=$(resolve "$cand") || continue
  [ -n "$py" ] || continue
  tried+=("$py")
  if works "$py"; then
    echo "$py"
    exit 0
  fi
done

{
  echo "find-python: no Python that can 'import $MODULES' (tried: ${tried[*]:-none})."
  echo "  On Debian 12 install the system packages:"
  echo "    sudo apt-get install -y --no-install-recommends python3-torch python3-numpy python3-yaml python3-opencv"
  echo "  (or run: bash scripts/install-system.sh), or point SHARPXR_PYTHON at an interpreter that has them:"
  echo "    export SHARPXR_PYTHON=/path/to/python3"
} >&2
exit 1
