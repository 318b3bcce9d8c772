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
  # npm ci rebuilds native addons from source (no prebuilt downloads here): about a minute.
  # Skip it when node_modules was installed from this very lockfile and nothing changed since.
  if [ -f node_modules/.package-lock.json ] && [ -f package-lock.json ] \
     && [ -z "$(find package-lock.json package.json server/package.json -newer node_modules/.package-lock.json 2>/dev/null)" ]; then
    echo "npm dependencies are up to date"
    return 0
  fi
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
  else
    echo "note: no package-lock.json yet, running npm install" >&2
    npm install --no-audit --no-fund
  fi
}
