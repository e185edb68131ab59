# shellcheck shell=bash
# Private PostgreSQL cluster helpers for the CapitalFlows run and test commands.
#
# Source this file; it defines functions only and changes no shell options.
#
#   pg_ensure_binaries            find initdb/pg_ctl (install Debian's package if missing); exports PG_BIN
#   pg_start_cluster DATA PORT    initdb on first use, start (idempotent), create database "capitalflows";
#                                 sets PG_CLUSTER_PORT to the port the cluster really listens on
#   pg_stop_cluster DATA          stop the cluster on DATA (fast shutdown); no-op when it is not running
#   pg_data_dir                   print the data folder the run command uses
#
# The cluster trusts every connection but listens on 127.0.0.1 only and has no Unix socket.
# PostgreSQL refuses to run as root, so when we are root every server-side command runs as
# the "postgres" user and the data folder lives outside the repository (the repository may
# sit in a folder that user cannot traverse, such as /root or a mode-700 temp folder).

PG_DATABASE_NAME="${PG_DATABASE_NAME:-capitalflows}"

_pg_log() { printf '[postgres] %s\n' "$*" >&2; }

_pg_repo_root() {
    local here
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)" || return 1
    (cd "$here/../.." && pwd -P)
}

_pg_is_root() { [[ "$(id -u)" == 0 ]]; }

# The cluster's settings over PostgreSQL's defaults, which are sized for a very small machine: shared buffers of a
# quarter of the memory, from 128 MB up to 1 GB (PG_SHARED_BUFFERS_MB overrides it), so that the ledger's working set
# is served from them rather than read from the page cache again; 4 GB of WAL between checkpoints, so that a seed's
# bulk writes are not spent on full-page images after each checkpoint; and no JIT, whose compile time costs the
# service's short queries more than it saves. Measured in README.md ("Two batches at once").
_pg_settings() {
    local memory_kb buffers_mb
    memory_kb="$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null)"
    buffers_mb=$(( ${memory_kb:-0} / 4 / 1024 ))
    (( buffers_mb > 1024 )) && buffers_mb=1024
    (( buffers_mb < 128 )) && buffers_mb=128
    printf -- '-c shared_buffers=%sMB -c max_wal_size=4GB -c jit=off' "${PG_SHARED_BUFFERS_MB:-$buffers_mb}"
}

# glibc's allocator in each backend: keep up to 64 MB of freed memory at the top of the heap and take blocks of up to
# 32 MB from it (the largest values glibc's own adaptive policy reaches). With glibc's starting values a backend gave
# its heap back after each batch's transaction and grew it again in the next (a `brk` system call, a TLB flush on every
# core and the pages' faults: 3 % of the machine under the lending benchmark). Measured in README.md ("A backend
# that keeps its heap").
_pg_malloc_tunables() {
    printf 'glibc.malloc.trim_threshold=67108864:glibc.malloc.mmap_threshold=33554432'
}

# Runs a command as the owner of the cluster: "postgres" when we are root, ourselves otherwise.
# From "/" so that the postgres user never needs access to the caller's working folder.
_pg_as_owner() {
    if _pg_is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Prints the first folder holding both initdb and pg_ctl (symlinks resolved): PATH first,
# then /usr/lib/postgresql/<version>/bin, highest version first.
_pg_find_bin_dir() {
    local initdb_path dir
    if initdb_path="$(command -v initdb 2>/dev/null)" && [[ -n "$initdb_path" ]]; then
        dir="$(dirname "$(readlink -f "$initdb_path")")"
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            printf '%s\n' "$dir"
            return 0
        fi
    fi
    local candidate
    while IFS= read -r candidate; do
        if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -t/ -k5,5 -V -r)
    return 1
}

pg_ensure_binaries() {
    local dir
    if [[ -n "${PG_BIN:-}" && -x "${PG_BIN}/initdb" && -x "${PG_BIN}/pg_ctl" ]]; then
        export PG_BIN
        return 0
    fi
    if ! dir="$(_pg_find_bin_dir)"; then
        _pg_log "PostgreSQL server binaries not found; installing Debian's postgresql package"
        local -a sudo=()
        if ! _pg_is_root; then
            if command -v sudo >/dev/null 2>&1; then
                sudo=(sudo)
            else
                _pg_log "not root and no sudo: install PostgreSQL (apt-get install postgresql) and retry"
                return 1
            fi
        fi
        "${sudo[@]}" apt-get update || return 1
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql || return 1
        if ! dir="$(_pg_find_bin_dir)"; then
            _pg_log "postgresql installed but initdb/pg_ctl still not found under /usr/lib/postgresql/*/bin"
            return 1
        fi
    fi
    PG_BIN="$dir"
    export PG_BIN
    if [[ ! -x "$PG_BIN/psql" ]]; then
        _pg_log "warning: no psql in $PG_BIN; using the one on PATH"
    fi
}

_pg_psql() {
    local psql="$PG_BIN/psql"
    [[ -x "$psql" ]] || psql="psql"
    "$psql" "$@"
}

_pg_is_running() {
    _pg_as_owner "$PG_BIN/pg_ctl" status -D "$1" >/dev/null 2>&1
}

# initdb's --locale: C.UTF-8 (Unicode-aware upper/lower, stable ordering) when the system has
# it, plain C otherwise. Pinned so that the cluster does not depend on the caller's LANG.
_pg_locale() {
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
        printf 'C.UTF-8\n'
    else
        printf 'C\n'
    fi
}

pg_start_cluster() {
    if [[ $# -ne 2 ]]; then
        _pg_log "usage: pg_start_cluster DATA_DIR PORT"
        return 2
    fi
    local data_dir="$1" port="$2"
    if [[ ! "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
        _pg_log "invalid port: $port"
        return 2
    fi
    [[ -n "${PG_BIN:-}" ]] || pg_ensure_binaries || return 1

    # umask 022: when root, the postgres user must be able to traverse the parent folders.
    (umask 022 && mkdir -p "$data_dir") || return 1
    data_dir="$(cd "$data_dir" && pwd -P)" || return 1
    if _pg_is_root; then
        chown postgres:postgres "$data_dir" || return 1
    fi
    chmod 700 "$data_dir" || return 1

    # An existing cluster needs the binaries of its own major version.
    if [[ -s "$data_dir/PG_VERSION" ]]; then
        local data_version bin_version
        data_version="$(tr -d '[:space:]' <"$data_dir/PG_VERSION")"
        bin_version="$("$PG_BIN/pg_ctl" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
        if [[ "$data_version" != "$bin_version" ]]; then
            if [[ -x "/usr/lib/postgresql/$data_version/bin/pg_ctl" ]]; then
                _pg_log "cluster in $data_dir is PostgreSQL $data_version; using /usr/lib/postgresql/$data_version/bin"
                PG_BIN="/usr/lib/postgresql/$data_version/bin"
                export PG_BIN
            else
                _pg_log "cluster in $data_dir was created by PostgreSQL $data_version but the binaries are $bin_version."
                _pg_log "Delete $data_dir to start afresh (its data is lost) or install PostgreSQL $data_version."
                return 1
            fi
        fi
    else
        local locale
        locale="$(_pg_locale)"
        _pg_log "initialising a new cluster in $data_dir (locale $locale)"
        _pg_as_owner "$PG_BIN/initdb" -D "$data_dir" -U postgres --auth=trust -E UTF8 \
            --locale="$locale" >"$data_dir.initdb.log" 2>&1 || {
            cat "$data_dir.initdb.log" >&2
            return 1
        }
        rm -f "$data_dir.initdb.log"
        # Trust authentication is only acceptable because nothing but loopback can connect.
        _pg_as_owner tee -a "$data_dir/postgresql.conf" >/dev/null <<'EOF' || return 1

# --- CapitalFlows local cluster: loopback TCP only, no Unix socket ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
EOF
    fi

    if _pg_is_running "$data_dir"; then
        local running_port
        running_port="$(sed -n 4p "$data_dir/postmaster.pid" 2>/dev/null)"
        _pg_log "already running on $data_dir (port ${running_port:-?}); leaving it running"
        if [[ -n "$running_port" && "$running_port" != "$port" ]]; then
            _pg_log "warning: it listens on port $running_port, not $port"
            port="$running_port"
        fi
    else
        _pg_log "starting PostgreSQL on 127.0.0.1:$port (log: $data_dir/server.log)"
        if ! _pg_as_owner env GLIBC_TUNABLES="$(_pg_malloc_tunables)" "$PG_BIN/pg_ctl" start -D "$data_dir" -l "$data_dir/server.log" \
            -w -t 60 -o "-p $port $(_pg_settings)" >/dev/null; then
            _pg_log "PostgreSQL failed to start; last lines of $data_dir/server.log:"
            tail -n 20 "$data_dir/server.log" >&2 2>/dev/null
            return 1
        fi
    fi

    # The port the cluster really listens on (differs from PORT when it was already running).
    PG_CLUSTER_PORT="$port"

    local exists
    exists="$(_pg_psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tA \
        -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE_NAME'")" || return 1
    if [[ "$exists" != "1" ]]; then
        _pg_log "creating database $PG_DATABASE_NAME"
        _pg_psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
            -c "CREATE DATABASE \"$PG_DATABASE_NAME\"" || return 1
    fi
}

pg_stop_cluster() {
    if [[ $# -ne 1 ]]; then
        _pg_log "usage: pg_stop_cluster DATA_DIR"
        return 2
    fi
    local data_dir="$1"
    [[ -n "${PG_BIN:-}" ]] || pg_ensure_binaries || return 1
    if [[ ! -f "$data_dir/postmaster.pid" ]] || ! _pg_is_running "$data_dir"; then
        return 0
    fi
    _pg_log "stopping PostgreSQL ($data_dir)"
    _pg_as_owner "$PG_BIN/pg_ctl" stop -D "$data_dir" -m fast -w -t 60 >/dev/null
}

pg_data_dir() {
    local repo
    repo="$(_pg_repo_root)" || return 1
    if _pg_is_root; then
        local hash
        hash="$(printf '%s' "$repo" | sha256sum | cut -c1-12)"
        printf '/var/tmp/capitalflows/%s/pg\n' "$hash"
    else
        printf '%s/.local/pg\n' "$repo"
    fi
}
