using CapitalFlows.Loans.ReadingCreditQuality;
using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>
/// <c>mt_loan_quality_movements</c>: the rows of <see cref="LoanQualityMovement.Of"/> for every loan event, streamed to
/// the COPY as the log is read, exactly as the inline <see cref="LoanQualityMovementProjection"/> writes them. The row
/// function needs the loan before the event as well as after it, so the table keeps each loan's state as the folds left it.
/// </summary>
public sealed class LoanQualityMovementTable(RebuildContext context) : IProjectionTable
{
    private readonly Dictionary<string, Loans.Loan?> _loans = new(StringComparer.Ordinal);
    private NpgsqlBinaryImporter? _copy;
    private long _rows;

    public string Name => LoanQualityMovementProjection.TableName;

    public async Task BeginAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        _copy = await connection.BeginBinaryImportAsync(
            $"copy {context.Qualified(Name)} ({string.Join(", ", LoanQualityMovementProjection.Columns)}) from stdin (format binary)", ct);
    }

    public async ValueTask WriteAsync(FoldedEvent e, CancellationToken ct)
    {
        if (e.Loan is not { } after) return;
        var rows = LoanQualityMovement.Rows(e.Id, e.Data, _loans.GetValueOrDefault(e.StreamKey), after, e.RecordedAt);
        _loans[e.StreamKey] = after;
        var copy = _copy!;
        foreach (var r in rows)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(r.Id, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(r.LoanId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(r.Locality, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(r.Programme, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(r.EntrustedOrganisation, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(r.BorrowerRef, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(r.Kind, NpgsqlDbType.Smallint, ct);
            await copy.WriteAsync(r.OnDate, NpgsqlDbType.Date, ct);
            await copy.WriteAsync(r.AmountVnd, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(r.EffectiveOn, NpgsqlDbType.Date, ct);
            await copy.WriteAsync(r.RecordedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
            _rows++;
        }
    }

    public async Task<long> CompleteAsync(StreamFolds folds, CancellationToken ct)
    {
        await _copy!.CompleteAsync(ct);
        await _copy.DisposeAsync();
        return _rows;
    }
}
