#!/usr/bin/env bash
# Run by the postgres image once, when it initialises the data volume: the service role and its grants
# (deploy/sql/roles.sql, mounted at /capitalflows-sql). The owner "capitalflows" is the migration role.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v migrator="$POSTGRES_USER" -v service=capitalflows_service -v service_password="$SERVICE_DB_PASSWORD" \
     -f /capitalflows-sql/roles.sql
