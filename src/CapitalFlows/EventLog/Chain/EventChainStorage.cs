using Weasel.Core;

namespace CapitalFlows.EventLog.Chain;

/// <summary>
/// The chain's database objects, created with the event store's schema (<c>db-apply</c>, or a fresh store at start-up):
/// <list type="bullet">
/// <item>the table <see cref="EventChain.TableName"/> (<c>chain_position</c> primary key, <c>seq_id</c> unique and
/// referencing <c>mt_events</c>, <c>hash</c>); the reference means an event cannot be deleted while its hash stands,
/// and that Marten's <c>truncate mt_events cascade</c> (a store reset) empties the chain with the log;</item>
/// <item>the trigger function, <c>security definer</c> so that it writes the hashes as the schema's owner: the service's
/// role needs no right to write the table itself;</item>
/// <item>the bulk path's function (<see cref="EventChain.AppendedFunctionName"/>): the same links for a whole batch
/// at once, before its transaction commits; it chains only the rows the calling transaction inserted itself (their
/// <c>xmin</c>; the bulk path uses no savepoints), so no caller can chain another's rows;</item>
/// <item>a constraint trigger on <c>mt_events</c>, after insert, for each row, deferred to commit, so that it covers
/// every path that appends (commands, Marten's initial data, tombstones) and the chain's lock is held only from commit
/// time to the end of the commit; it passes over a row the function above has chained, so a row is chained once
/// whichever path appended it, and the trigger is never switched off (which would lock the table against every
/// other append until commit);</item>
/// <item>the append-only rule: no role but the owner keeps <c>UPDATE</c>, <c>DELETE</c> or <c>TRUNCATE</c> on
/// <c>mt_events</c>, nor any write on the hash table (whatever default privileges granted when the tables were made).</item>
/// </list>
/// A schema that lacks any of it, holds another version of the function, or grants those rights is brought up to date
/// by the next <c>db-apply</c>; the table and its rows are never dropped.
/// </summary>
public sealed class EventChainStorage(string schema)
    : TriggerFedTable(schema, EventChain.TableName, EventChain.FunctionName, EventChain.TriggerName, EventChain.Version)
{

    /// <summary>
    /// The trigger function. A row already chained (by the bulk path's function, earlier in the same transaction) is
    /// left as it is. Otherwise the content is rendered before the lock; under it (held to the end of the commit, so
    /// that the next transaction sees this head) only the head is read and one row inserted.
    /// </summary>
    protected override string FunctionsSql => $"""
        create or replace function {Function}() returns trigger
            language plpgsql security definer set search_path = pg_catalog, pg_temp
        as $chain$
        declare
            content bytea;
            head_position bigint;
            head_hash bytea;
        begin
            if exists (select 1 from {Table} chained where chained.seq_id = NEW.seq_id) then
                return null;
            end if;
            content := convert_to({EventChain.ContentSql("NEW")}, 'UTF8');
            -- One committing transaction at a time extends the chain, from the head the last one left.
            perform pg_advisory_xact_lock({EventChain.LockKeys});
            select h.chain_position, h.hash into head_position, head_hash
            from {Table} h order by h.chain_position desc limit 1;
            insert into {Table} (chain_position, seq_id, hash)
            values (coalesce(head_position, 0) + 1, NEW.seq_id,
                    sha256(coalesce(head_hash, decode(repeat('00', 32), 'hex')) || content));
            return null;
        end
        $chain$;

        create or replace function {Schema}.{EventChain.AppendedFunctionName}(first_seq bigint, last_seq bigint) returns bigint
            language plpgsql security definer set search_path = pg_catalog, pg_temp
        as $chain$
        declare
            head_position bigint;
            link bytea;
            seqs bigint[] := array[]::bigint[];
            hashes bytea[] := array[]::bytea[];
            appended record;
        begin
            -- The same lock and the same links as the trigger, row after row in sequence order; at commit the trigger
            -- finds these rows chained and leaves them. A row chained already (the function called twice) breaks the
            -- unique seq_id: the transaction fails, the chain stands.
            perform pg_advisory_xact_lock({EventChain.LockKeys});
            select h.chain_position, h.hash into head_position, link
            from {Table} h order by h.chain_position desc limit 1;
            link := coalesce(link, decode(repeat('00', 32), 'hex'));
            for appended in
                select e.seq_id, convert_to({EventChain.ContentSql("e")}, 'UTF8') as content
                from {Schema}.mt_events e
                where e.seq_id between first_seq and last_seq and e.xmin = xid(pg_current_xact_id())
                order by e.seq_id
            loop
                link := sha256(link || appended.content);
                seqs := seqs || appended.seq_id;
                hashes := hashes || link;
            end loop;
            insert into {Table} (chain_position, seq_id, hash)
            select coalesce(head_position, 0) + n, s, h from unnest(seqs, hashes) with ordinality as u(s, h, n);
            return cardinality(seqs);
        end
        $chain$;
        """;

    protected override IReadOnlyList<string> OtherFunctionNames => [EventChain.AppendedFunctionName];

    public override void WriteCreateStatement(Migrator migrator, TextWriter writer)
    {
        writer.WriteLine($"""
            create table if not exists {Table} (
                chain_position bigint not null primary key,
                seq_id bigint not null unique references {Schema}.mt_events (seq_id),
                hash bytea not null
            );

            {FunctionsSql}
            comment on function {Function}() is '{Marker}';

            drop trigger if exists {EventChain.TriggerName} on {Schema}.mt_events;
            create constraint trigger {EventChain.TriggerName} after insert on {Schema}.mt_events
                deferrable initially deferred for each row execute function {Function}();

            do $grants$
            declare
                grant_row record;
            begin
                for grant_row in
                    select distinct c.relname, a.grantee
                    from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) a
                    where n.nspname = '{Schema}' and c.relname in ('mt_events', '{EventChain.TableName}')
                      and a.grantee <> c.relowner
                      and a.privilege_type in ('UPDATE', 'DELETE', 'TRUNCATE', 'INSERT')
                      and (c.relname = '{EventChain.TableName}' or a.privilege_type <> 'INSERT')
                loop
                    execute format('revoke %s on %I.%I from %s',
                        case when grant_row.relname = 'mt_events' then 'update, delete, truncate' else 'insert, update, delete, truncate' end,
                        '{Schema}', grant_row.relname,
                        case when grant_row.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(grant_row.grantee)::text) end);
                end loop;
            end
            $grants$;
            """);
    }

    /// <summary>The append-only rule broken: a role other than the owner may change <c>mt_events</c> or write the hash table.</summary>
    protected override string DriftSql(string schemaParameter) => $"""
        exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) a
                where n.nspname = :{schemaParameter} and c.relname in ('mt_events', '{EventChain.TableName}')
                  and a.grantee <> c.relowner and a.privilege_type in ('UPDATE', 'DELETE', 'TRUNCATE', 'INSERT')
                  and (c.relname = '{EventChain.TableName}' or a.privilege_type <> 'INSERT'))
        """;
}
