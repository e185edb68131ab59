using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingHistory;
using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>
/// <c>mt_fund_movements</c>: one row per fund event, streamed to the COPY as the log is read. The row is
/// <see cref="FundMovement.After"/> on the fund folded through the event (its running totals) and its position in
/// the fund's stream, as the inline <see cref="FundMovementProjection"/> numbers it.
/// </summary>
public sealed class FundMovementTable(RebuildContext context) : IProjectionTable
{
    private NpgsqlBinaryImporter? _copy;
    private long _rows;

    public string Name => FundMovementProjection.TableName;

    public async Task BeginAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await context.TruncateAsync(connection, Name, ct);
        _copy = await connection.BeginBinaryImportAsync($"""
            copy {context.Qualified(Name)} (id, fund, locality, version, effective_on, recorded_at,
                inflows_vnd, inflows_reversed_vnd, received_vnd, passed_down_vnd, lent_vnd, repaid_vnd, written_off_vnd)
            from stdin (format binary)
            """, ct);
    }

    public async ValueTask WriteAsync(FoldedEvent e, CancellationToken ct)
    {
        if (e.Fund is not { } fund) return;
        var m = FundMovement.After(e.Id, fund, ((ILedgerEvent)e.Data).EffectiveOn, e.RecordedAt);
        await _copy!.WriteTypedRowAsync(ct,
            (m.Id, NpgsqlDbType.Uuid), (m.Fund, NpgsqlDbType.Varchar), (m.Locality, NpgsqlDbType.Varchar), (e.Position, NpgsqlDbType.Bigint),
            (m.EffectiveOn, NpgsqlDbType.Date), (m.RecordedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz),
            (m.InflowsVnd, NpgsqlDbType.Bigint), (m.InflowsReversedVnd, NpgsqlDbType.Bigint), (m.ReceivedVnd, NpgsqlDbType.Bigint),
            (m.PassedDownVnd, NpgsqlDbType.Bigint), (m.LentVnd, NpgsqlDbType.Bigint), (m.RepaidVnd, NpgsqlDbType.Bigint),
            (m.WrittenOffVnd, NpgsqlDbType.Bigint));
        _rows++;
    }

    public async Task<long> CompleteAsync(StreamFolds folds, CancellationToken ct)
    {
        await _copy!.CompleteAsync(ct);
        await _copy.DisposeAsync();
        return _rows;
    }
}
