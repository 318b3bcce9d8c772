# Shared by scripts/test.sh and scripts/run.sh (sourced, not run).

# Node 20 or newer, or a clear message.
check_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "error: node and npm are needed (Node 20 or newer); install Node 20 LTS from nodejs.org or NodeSource" >&2
    return 1
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    echo "error: Node $(node --version) is too old; SharpXR needs Node 20 or newer" >&2
    return 1
  fi
}

# Reproducible install from package-lock.json; plain install while there is no lock file yet.
npm_install() {
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
  else
    echo "note: no package-lock.json yet, running npm install" >&2
    npm install --no-audit --no-fund
  fi
}
