# Helpers for the web console (src/console), sourced by deploy/run.sh and deploy/test.sh.

_console_log() { printf '[console] %s\n' "$*" >&2; }

# Builds the console into src/console/dist (npm ci && npm run build) when Node.js and npm are present.
# Returns non-zero when the build fails; returns 0 without building when there is no Node.js.
console_build() {
    local console_dir="$1/src/console"
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        _console_log "Node.js/npm not found: the console is not built (the service serves the API only)."
        return 0
    fi
    _console_log "building the console (npm ci && npm run build in src/console)"
    (cd "$console_dir" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
}

# Installs Debian's Chromium for the browser tests when /usr/bin/chromium is missing (as root, apt-get).
console_ensure_chromium() {
    [[ -x /usr/bin/chromium ]] && return 0
    if [[ "$(id -u)" != 0 ]]; then
        _console_log "/usr/bin/chromium is missing; install it with: sudo apt-get install chromium"
        return 1
    fi
    _console_log "installing chromium (apt-get) for the console's browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
}
