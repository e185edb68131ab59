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
        var copy = _copy!;
        await copy.StartRowAsync(ct);
        await copy.WriteAsync(m.Id, NpgsqlDbType.Uuid, ct);
        await copy.WriteAsync(m.Fund, NpgsqlDbType.Varchar, ct);
        await copy.WriteAsync(m.Locality, NpgsqlDbType.Varchar, ct);
        await copy.WriteAsync(e.Position, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(m.EffectiveOn, NpgsqlDbType.Date, ct);
        await copy.WriteAsync(m.RecordedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
        await copy.WriteAsync(m.InflowsVnd, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(m.InflowsReversedVnd, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(m.ReceivedVnd, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(m.PassedDownVnd, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(m.LentVnd, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(m.RepaidVnd, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(m.WrittenOffVnd, NpgsqlDbType.Bigint, ct);
        _rows++;
    }

    public async Task<long> CompleteAsync(StreamFolds folds, CancellationToken ct)
    {
        await _copy!.CompleteAsync(ct);
        await _copy.DisposeAsync();
        return _rows;
    }
}
