-- CapitalFlows database roles: a migration role that owns the schema and creates it (db-apply), and a service role
-- that reads and appends but cannot change or delete the event log (DOMAIN.md invariant 11).
--
-- Run once per database, as a superuser or the database's owner, before the first db-apply:
--   psql -d capitalflows -v migrator=capitalflows -v service=capitalflows_service \
--        -v service_password="$SERVICE_DB_PASSWORD" -f deploy/sql/roles.sql
-- It is idempotent. `migrator` must already exist (it is the database owner in deploy/compose and CloudNativePG).
--
-- What each role may do:
--   migrator  owns the schema "capitalflows" and every table, function and trigger in it; runs db-apply,
--             seed-demo --reset and projection rebuilds.
--   service   USAGE on the schema; SELECT, INSERT, UPDATE, DELETE on the tables the migrator creates (documents,
--             snapshots, projection progress, Wolverine's node and envelope tables), sequences; except that
--             db-apply (the event chain's schema object, src/CapitalFlows/EventLog/Chain/EventChainStorage.cs)
--             revokes from every role but the owner UPDATE, DELETE and TRUNCATE on mt_events, and every write on
--             mt_event_hashes. The service still appends: the chain's trigger writes the hashes as the owner.
\set ON_ERROR_STOP on

select format('create role %I login password %L', :'service', :'service_password')
where not exists (select 1 from pg_roles where rolname = :'service') \gexec
select format('alter role %I login password %L', :'service', :'service_password') \gexec

-- The service neither creates objects nor owns any.
select format('grant connect on database %I to %I', current_database(), :'service') \gexec
revoke create on schema public from public;

create schema if not exists capitalflows authorization :"migrator";
alter schema capitalflows owner to :"migrator";
grant usage on schema capitalflows to :"service";

-- Whatever the migrator creates from now on...
alter default privileges for role :"migrator" in schema capitalflows
    grant select, insert, update, delete on tables to :"service";
alter default privileges for role :"migrator" in schema capitalflows
    grant usage, select, update on sequences to :"service";
alter default privileges for role :"migrator" in schema capitalflows
    grant execute on functions to :"service";

-- ...and whatever it created before this script ran (a database that already holds the schema).
grant select, insert, update, delete on all tables in schema capitalflows to :"service";
grant usage, select, update on all sequences in schema capitalflows to :"service";
grant execute on all functions in schema capitalflows to :"service";
-- The event log stays append-only for the service: db-apply revokes these too, this covers an existing schema now.
select format('revoke update, delete, truncate on %I.mt_events from %I', 'capitalflows', :'service')
where to_regclass('capitalflows.mt_events') is not null \gexec
select format('revoke insert, update, delete, truncate on %I.mt_event_hashes from %I', 'capitalflows', :'service')
where to_regclass('capitalflows.mt_event_hashes') is not null \gexec
