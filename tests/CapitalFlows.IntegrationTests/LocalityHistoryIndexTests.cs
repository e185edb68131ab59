using System.Text.Json;
using CapitalFlows.EventLog.LocalityIndex;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// A locality's history is read through the locality index (<see cref="LocalityEvents"/>), a table the trigger on
/// <c>mt_events</c> fills as events are appended. It must answer exactly what the history's definition gives (the
/// locality's own funds' events, and the whole stream of each loan drawn there or sitting there now, by the loan
/// documents), across merges that move loans once and twice, with <c>from</c>/<c>to</c> and paging; the table must hold
/// exactly what the log implies; and a store written before the table existed (or with its trigger switched off) gets
/// its rows when the schema is applied.
/// </summary>
public sealed class LocalityHistoryIndexTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string Schema = "capitalflows";
    private const string HaNoi = "01";
    private const string CaoBang = "04";
    private const string TuyenQuang = "08";
    private const string ThucPhan = "01273"; // a commune of Cao Bằng

    private const string Nation = "VN";

    private static readonly string[] Localities = [Nation, HaNoi, CaoBang, TuyenQuang, ThucPhan];

    private static readonly string[] Windows = ["", "&from=2025-10-06&to=2026-01-31", "&from=2026-01-01", "&to=2025-10-05", "&from=2026-01-01&to=2026-01-01"];

    /// <summary>The history's definition, as the read answered it before the index: the fund-prefix range and the loan documents.</summary>
    private const string Definition = $"""
        select e.seq_id from {Schema}.mt_events e
        where ((e.stream_id >= $1 || '/' and e.stream_id < $1 || '0')
               or e.stream_id in (select l.id from {Schema}.mt_doc_loan l where l.data ->> 'Locality' = $1 or l.data ->> 'DrawnIn' = $1))
          and (e.data ->> 'EffectiveOn') between $2 and $3
        order by e.seq_id
        """;

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    /// <summary>
    /// Loans drawn in Cao Bằng (04), in Tuyên Quang (08) and in Cao Bằng's commune Thục Phán; 04 merges into 08 on
    /// 2026-01-01, then 08 into Hà Nội (01) on 2026-02-01, with repayments before, between and after.
    /// </summary>
    private async Task<(string DrawnInCaoBang, string DrawnInTuyenQuang)> RecordTwoMergesAsync()
    {
        (await Finance.EntrustCentralBudgetAsync(10_000, effectiveOn: "2025-10-01")).Expect(200);
        (await Finance.AllocateAsync(Nation, CaoBang, 1_000, toProgramme: PoorHouseholds, effectiveOn: "2025-10-02")).Expect(200);
        (await Finance.AllocateAsync(Nation, TuyenQuang, 500, toProgramme: PoorHouseholds, effectiveOn: "2025-10-02")).Expect(200);
        (await Finance.AllocateAsync(CaoBang, ThucPhan, 100, programme: PoorHouseholds, effectiveOn: "2025-10-03")).Expect(200);
        var caoBangLoan = (await Finance.DrawDownAsync(CaoBang, CentralBudget, PoorHouseholds, 100, effectiveOn: "2025-10-05")).LoanId();
        (await Finance.RepayAsync(caoBangLoan, 30, effectiveOn: "2025-10-06")).Expect(200);
        var tuyenQuangLoan = (await Finance.DrawDownAsync(TuyenQuang, CentralBudget, PoorHouseholds, 50, effectiveOn: "2025-10-07")).LoanId();
        var communeLoan = (await Finance.DrawDownAsync(ThucPhan, CentralBudget, PoorHouseholds, 20, effectiveOn: "2025-10-08")).LoanId();

        (await Finance.MergeAsync([CaoBang, TuyenQuang], TuyenQuang, "2026-01-01")).Expect(200);
        (await Finance.RepayAsync(caoBangLoan, 10, effectiveOn: "2026-01-15")).Expect(200);
        (await Finance.MergeAsync([TuyenQuang, HaNoi], HaNoi, "2026-02-01")).Expect(200);
        (await Finance.RepayAsync(caoBangLoan, 10, effectiveOn: "2026-03-01")).Expect(200);
        (await Finance.RepayAsync(tuyenQuangLoan, 5, effectiveOn: "2026-03-01")).Expect(200);
        (await Finance.RepayAsync(communeLoan, 5, effectiveOn: "2026-03-01")).Expect(200);
        return (caoBangLoan, tuyenQuangLoan);
    }

    [Fact]
    public async Task Through_two_merges_every_history_page_answers_what_the_definition_gives_and_the_table_holds_what_the_log_implies()
    {
        var (caoBangLoan, tuyenQuangLoan) = await RecordTwoMergesAsync();
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);

        await AssertEveryHistoryAnswersTheDefinitionAsync(database);
        Assert.Equal((0, 0), await DifferenceFromTheLogAsync(database));

        // The loan drawn in 04 shows where it was drawn and where it sits now (01), not at 08 which it passed through;
        // the loan drawn in 08 shows at 08 and at 01.
        var caoBangLoanEvents = await SequencesOfStreamAsync(database, caoBangLoan);
        Assert.Equal(6, caoBangLoanEvents.Count); // drawn, repaid, transferred, repaid, transferred, repaid
        Assert.Subset((await HistoryAsync(CaoBang, "")).ToHashSet(), caoBangLoanEvents.ToHashSet());
        Assert.Subset((await HistoryAsync(HaNoi, "")).ToHashSet(), caoBangLoanEvents.ToHashSet());
        Assert.Empty((await HistoryAsync(TuyenQuang, "")).Intersect(caoBangLoanEvents));
        var tuyenQuangLoanEvents = await SequencesOfStreamAsync(database, tuyenQuangLoan);
        Assert.Subset((await HistoryAsync(TuyenQuang, "")).ToHashSet(), tuyenQuangLoanEvents.ToHashSet());
        Assert.Subset((await HistoryAsync(HaNoi, "")).ToHashSet(), tuyenQuangLoanEvents.ToHashSet());
    }

    [Fact]
    public async Task A_store_written_before_the_index_or_with_its_trigger_switched_off_gets_its_rows_when_the_schema_is_applied_and_the_service_starts()
    {
        await RecordTwoMergesAsync();
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var store = Service.Host.Services.GetRequiredService<IDocumentStore>();
        var rows = await ScalarAsync(database, $"select count(*) from {Schema}.{LocalityEvents.TableName}");
        Assert.True(rows > 0);

        // A store from before: no table, no trigger, no function; more events appended meanwhile.
        await ExecuteAsync(database, $"drop table {Schema}.{LocalityEvents.TableName}; drop function {Schema}.{LocalityEvents.FunctionName}() cascade;");
        (await Finance.AllocateAsync(Nation, HaNoi, 7, effectiveOn: "2026-03-02")).Expect(200);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        Assert.Equal(rows + 2, await LocalityEventsBackfill.RefillIfPendingAsync(store, null, TestContext.Current.CancellationToken));

        Assert.Equal(rows + 2, await ScalarAsync(database, $"select count(*) from {Schema}.{LocalityEvents.TableName}"));
        Assert.Equal((0, 0), await DifferenceFromTheLogAsync(database));
        await AssertEveryHistoryAnswersTheDefinitionAsync(database);

        // A bulk path that switched the trigger off (a COPY without triggers) and left rows missing.
        await ExecuteAsync(database, $"alter table {Schema}.mt_events disable trigger {LocalityEvents.TriggerName};");
        (await Finance.AllocateAsync(Nation, HaNoi, 3, effectiveOn: "2026-03-03")).Expect(200);
        await ExecuteAsync(database, $"delete from {Schema}.{LocalityEvents.TableName} where locality = '{CaoBang}';");
        Assert.NotEqual((0, 0), await DifferenceFromTheLogAsync(database));
        // Such a path calls the refill function when it is done...
        await ExecuteAsync(database, $"select {Schema}.{LocalityEvents.RefillFunctionName}();");
        Assert.Equal((0, 0), await DifferenceFromTheLogAsync(database));
        // ...and if it did not, the next start-up finds the trigger switched off, switches it on and refills.
        await ExecuteAsync(database, $"alter table {Schema}.mt_events disable trigger {LocalityEvents.TriggerName};");
        await ExecuteAsync(database, $"delete from {Schema}.{LocalityEvents.TableName} where locality = '{HaNoi}';");
        Assert.NotEqual((0, 0), await DifferenceFromTheLogAsync(database));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        Assert.NotNull(await LocalityEventsBackfill.RefillIfPendingAsync(store, null, TestContext.Current.CancellationToken));
        Assert.Null(await LocalityEventsBackfill.RefillIfPendingAsync(store, null, TestContext.Current.CancellationToken));

        Assert.Equal((0, 0), await DifferenceFromTheLogAsync(database));
        await AssertEveryHistoryAnswersTheDefinitionAsync(database);
        (await Finance.AllocateAsync(Nation, HaNoi, 1, effectiveOn: "2026-03-04")).Expect(200);
        Assert.Equal((0, 0), await DifferenceFromTheLogAsync(database));
    }

    [Fact]
    public async Task A_bulk_path_that_empties_the_table_at_its_start_refills_it_at_its_end_without_holding_back_a_reader_of_the_log()
    {
        await RecordTwoMergesAsync();
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var ct = TestContext.Current.CancellationToken;

        // The start: the trigger switched off, the table emptied and its keys dropped; then the path appends.
        await ExecuteAsync(database, $"alter table {Schema}.mt_events disable trigger {LocalityEvents.TriggerName}; {LocalityEvents.EmptySql(Schema)}");
        (await Finance.AllocateAsync(Nation, HaNoi, 7, effectiveOn: "2026-03-02")).Expect(200);

        // The end: the refill, its transaction still open, while another connection reads the log (as the projections'
        // rebuild does beside it). Had the refill dropped the key to mt_events itself, the read would wait for its commit.
        await using var refilling = await database.OpenConnectionAsync(ct);
        await using var transaction = await refilling.BeginTransactionAsync(ct);
        await using (var refill = new NpgsqlCommand($"select {Schema}.{LocalityEvents.RefillFunctionName}()", refilling, transaction))
            await refill.ExecuteScalarAsync(ct);
        await using (var reading = await database.OpenConnectionAsync(ct))
        await using (var read = new NpgsqlCommand($"set lock_timeout = '2s'; select count(*) from {Schema}.mt_events", reading))
            Assert.True((long)(await read.ExecuteScalarAsync(ct))! > 0);
        await transaction.CommitAsync(ct);

        await ExecuteAsync(database, $"alter table {Schema}.mt_events enable trigger {LocalityEvents.TriggerName}");
        Assert.Equal((0, 0), await DifferenceFromTheLogAsync(database));
        await AssertEveryHistoryAnswersTheDefinitionAsync(database);
    }

    /// <summary>For every locality and window, the pages of three, followed by <c>next</c>, give the definition's events in order.</summary>
    private async Task AssertEveryHistoryAnswersTheDefinitionAsync(NpgsqlDataSource database)
    {
        foreach (var locality in Localities)
        {
            foreach (var window in Windows)
            {
                var from = Parameter(window, "from") ?? "0001-01-01";
                var to = Parameter(window, "to") ?? "9999-12-31";
                var expected = await DefinitionAsync(database, locality, from, to);
                var paged = await HistoryAsync(locality, window, limit: 3);
                Assert.True(expected.SequenceEqual(paged),
                    $"{locality}{window}: expected [{string.Join(", ", expected)}], read [{string.Join(", ", paged)}]");
            }
        }
    }

    private static string? Parameter(string window, string name) =>
        window.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')).FirstOrDefault(p => p[0] == name)?[1];

    /// <summary>The sequences of a locality's history, every page followed to the end.</summary>
    private async Task<List<long>> HistoryAsync(string locality, string window, int limit = 1000)
    {
        var sequences = new List<long>();
        long? after = null;
        do
        {
            var page = await Finance.ReadJsonAsync($"/api/localities/{locality}/history?limit={limit}{window}{(after is null ? "" : $"&after={after}")}");
            sequences.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sequence").GetInt64()));
            after = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.Number ? next.GetInt64() : null;
        }
        while (after is not null);
        return sequences;
    }

    private static async Task<List<long>> DefinitionAsync(NpgsqlDataSource database, string locality, string from, string to)
    {
        await using var command = database.CreateCommand(Definition);
        command.Parameters.Add(new NpgsqlParameter { Value = locality });
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        var sequences = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) sequences.Add(reader.GetInt64(0));
        return sequences;
    }

    private static async Task<List<long>> SequencesOfStreamAsync(NpgsqlDataSource database, string stream)
    {
        await using var command = database.CreateCommand($"select seq_id from {Schema}.mt_events where stream_id = $1 order by seq_id");
        command.Parameters.Add(new NpgsqlParameter { Value = stream });
        var sequences = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) sequences.Add(reader.GetInt64(0));
        return sequences;
    }

    /// <summary>Rows of the table the log does not imply, and rows the log implies that the table lacks.</summary>
    public static async Task<(long Extra, long Missing)> DifferenceFromTheLogAsync(NpgsqlDataSource database)
    {
        var table = $"select locality, seq_id, effective_on from {Schema}.{LocalityEvents.TableName}";
        var implied = LocalityEvents.ImpliedRowsSql(Schema);
        return (await ScalarAsync(database, $"select count(*) from ({table} except all ({implied})) d"),
                await ScalarAsync(database, $"select count(*) from (({implied}) except all {table}) d"));
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
