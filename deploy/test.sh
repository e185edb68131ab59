#!/usr/bin/env bash
# THE test command: bash deploy/test.sh [extra dotnet test args]
#
# Makes sure the PostgreSQL server binaries are installed (the integration tests start their
# own throwaway clusters with them) and Chromium (the console's browser tests), builds the web
# console, then runs every test project of the solution.
# Set CAPITALFLOWS_TEST_PG to a connection string to run the integration tests against an
# existing server instead.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
repo_root="$(cd "$script_dir/.." && pwd -P)"
# shellcheck source=local/postgres.sh
source "$script_dir/local/postgres.sh"
# shellcheck source=local/console.sh
source "$script_dir/local/console.sh"

if [[ -z "${CAPITALFLOWS_TEST_PG:-}" ]]; then
    pg_ensure_binaries
    # The tests look in PG_BIN first, then PATH, then /usr/lib/postgresql/*/bin.
    export PATH="$PG_BIN:$PATH"
fi

# The console's browser tests drive Debian's Chromium on the console built into src/console/dist.
console_ensure_chromium
console_build "$repo_root"

cd "$repo_root"
# global.json selects Microsoft.Testing.Platform: there `dotnet test` ignores a positional
# solution path, so it is passed with --solution.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test --solution CapitalFlows.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line, whatever the runner printed: "N passed, N failed".
passed=$(grep -E '^\s*succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
failed=$(grep -E '^\s*failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
if [[ -n "$passed" && -n "$failed" ]]; then
    echo "$passed passed, $failed failed"
fi
exit "$status"
