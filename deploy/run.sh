#!/usr/bin/env bash
# THE run command: bash deploy/run.sh [--port 5080] [--seed-demo]
#
# --seed-demo first replaces the database's contents with the demo history (seed-demo --from 2021-01-01
# --reset: the bank at 1 : 100, about 1,860,000 events from 2020 (the opening year) in the 63-province structure,
# the 2025 merger recorded through the merge command; about 3 minutes on a quiet 2-core machine), then starts the service on it.
#
# Starts a private PostgreSQL cluster (127.0.0.1:${CAPITALFLOWS_PG_PORT:-5433}, data kept between
# runs), then builds and runs the CapitalFlows service on http://127.0.0.1:<port>.
# Ctrl-C stops the service, then the cluster.
set -euo pipefail

usage() {
    echo "usage: bash deploy/run.sh [--port 5080] [--seed-demo]" >&2
    echo "  --seed-demo           replace the database's contents with the demo history first" >&2
    echo "  CAPITALFLOWS_PG_PORT  port of the private PostgreSQL cluster (default 5433)" >&2
}

http_port=5080
seed_demo=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --port)
            [[ $# -ge 2 ]] || { usage; exit 2; }
            http_port="$2"
            shift 2
            ;;
        --port=*)
            http_port="${1#--port=}"
            shift
            ;;
        --seed-demo)
            seed_demo=1
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "unknown argument: $1" >&2
            usage
            exit 2
            ;;
    esac
done

pg_port="${CAPITALFLOWS_PG_PORT:-5433}"
for p in "$http_port" "$pg_port"; do
    if [[ ! "$p" =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then
        echo "invalid port: $p" >&2
        exit 2
    fi
done

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
repo_root="$(cd "$script_dir/.." && pwd -P)"
# shellcheck source=local/postgres.sh
source "$script_dir/local/postgres.sh"
# shellcheck source=local/console.sh
source "$script_dir/local/console.sh"

pg_ensure_binaries
data_dir="$(pg_data_dir)"
(umask 022 && mkdir -p "$(dirname "$data_dir")")

# One run per data folder: a second run would otherwise stop the first one's database on exit.
lock_file="$(dirname "$data_dir")/run.lock"
exec 9>"$lock_file"
if ! flock -n 9; then
    echo "Another 'deploy/run.sh' is already using $data_dir; stop it first." >&2
    exit 1
fi

service_pid=""
stopping=0

cleanup() {
    local status=$?
    trap - EXIT INT TERM HUP
    if [[ -n "$service_pid" ]] && kill -0 "$service_pid" 2>/dev/null; then
        kill -TERM -- "-$service_pid" 2>/dev/null || kill -TERM "$service_pid" 2>/dev/null || true
        wait "$service_pid" 2>/dev/null || true
    fi
    pg_stop_cluster "$data_dir" 9>&- || status=1
    exit "$status"
}

forward_signal() {
    local signal="$1"
    stopping=1
    if [[ -n "$service_pid" ]]; then
        echo >&2
        echo "Stopping CapitalFlows..." >&2
        # The service runs in its own process group (set -m below): signal the whole group, so
        # that both `dotnet run` and the service process it launched receive it.
        kill -"$signal" -- "-$service_pid" 2>/dev/null || kill -"$signal" "$service_pid" 2>/dev/null || true
    else
        exit 130
    fi
}

trap cleanup EXIT
trap 'forward_signal INT' INT
trap 'forward_signal TERM' TERM
trap 'forward_signal TERM' HUP

# The postmaster must not inherit the lock descriptor (it outlives this script on a crash).
pg_start_cluster "$data_dir" "$pg_port" 9>&-
pg_port="$PG_CLUSTER_PORT"

export ConnectionStrings__CapitalFlows="Host=127.0.0.1;Port=$pg_port;Database=capitalflows;Username=postgres"
export ASPNETCORE_ENVIRONMENT=Development

cat <<EOF

  CapitalFlows
  ------------
  Console:    http://127.0.0.1:$http_port/  (sign in for a trial: /dev/sign-in?role=people-committee&locality=01)
  API:        http://127.0.0.1:$http_port
  API docs:   http://127.0.0.1:$http_port/docs
  Database:   $ConnectionStrings__CapitalFlows
              (data kept in $data_dir)

  Get a bearer token for each role (in another terminal, from $repo_root):
    dotnet run --project src/CapitalFlows -- token --role central-finance
    dotnet run --project src/CapitalFlows -- token --role branch-officer --locality 01
    dotnet run --project src/CapitalFlows -- token --role people-committee --locality 01
    dotnet run --project src/CapitalFlows -- token --role analyst

  Building and starting the service; press Ctrl-C to stop it and the database.

EOF

cd "$repo_root"
# The web console at / (the service still serves the API if it cannot be built).
console_build "$repo_root" 9>&- || echo "The console did not build; the service serves the API only." >&2
if ((seed_demo)); then
    echo "Writing the demo history (seed-demo --from 2021-01-01 --reset); about 1,860,000 events, about 3 minutes on 2 quiet cores."
    dotnet run --project src/CapitalFlows -c Release -- seed-demo --from 2021-01-01 --reset 9>&-
fi
# Job control gives the service its own process group, in which SIGINT is not ignored (bash
# ignores it for background jobs otherwise); this script forwards Ctrl-C to that group.
set -m
dotnet run --project src/CapitalFlows -c Release -- --urls "http://127.0.0.1:$http_port" 9>&- &
service_pid=$!
set +m

status=0
while true; do
    if wait "$service_pid"; then
        status=0
    else
        status=$?
    fi
    # wait returns early (status > 128) when a trapped signal arrives; keep waiting until the
    # service has really exited.
    if ! kill -0 "$service_pid" 2>/dev/null; then
        break
    fi
done
service_pid=""

if ((stopping)); then
    echo "CapitalFlows stopped." >&2
    status=0
fi
exit "$status"
