using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Security;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace CapitalFlows.Approvals;

/// <summary>
/// Four eyes (maker and checker), on when <c>Approvals:ThresholdVnd</c> is set: a central-finance command of at
/// least that amount, and every reversal and merge, is held instead of applied once its fields are valid (202,
/// an approval id); another central-finance user approves it (applied as sent, on that day's state) or rejects
/// it. Holding, approving and rejecting are idempotent by command id, like every command.
/// </summary>
public sealed class FourEyes(IDocumentStore store, CommandServices services, IOptions<JsonOptions> json, TimeProvider clock, IConfiguration configuration)
{
    /// <summary>Answers as the recorder writes them: no <c>\u</c> escapes (a Vietnamese reason stays readable).</summary>
    private static readonly JsonSerializerOptions AnswerJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly long? _thresholdVnd = ThresholdOf(configuration);

    /// <summary>The threshold, or null when four eyes is off; a setting that is not a positive whole number stops the start.</summary>
    public static long? ThresholdOf(IConfiguration configuration)
    {
        var value = configuration["Approvals:ThresholdVnd"];
        if (string.IsNullOrWhiteSpace(value)) return null;
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var threshold) && threshold > 0
            ? threshold
            : throw new InvalidOperationException($"Approvals:ThresholdVnd must be a whole number of đồng above zero (or unset to turn four eyes off), not '{value}'.");
    }

    /// <summary>A command of <paramref name="amountVnd"/>: held when central finance sends at least the threshold.</summary>
    public Task<IResult> HoldOrRecordAsync(HttpContext http, Guid commandId, long amountVnd, Func<Task<IResult>> record) =>
        HoldOrRecordAsync(http, commandId, amountVnd >= _thresholdVnd, record);

    /// <summary>A command held whatever it moves (a reversal, a merge), when four eyes is on.</summary>
    public Task<IResult> HoldOrRecordAsync(HttpContext http, Guid commandId, Func<Task<IResult>> record) =>
        HoldOrRecordAsync(http, commandId, large: true, record);

    private async Task<IResult> HoldOrRecordAsync(HttpContext http, Guid commandId, bool large, Func<Task<IResult>> record)
    {
        if (_thresholdVnd is null || Caller.From(http.User).Role != Roles.CentralFinance) return await record();
        if (large) return await HoldAsync(http, commandId);
        // A small command may not take the id of a held one with another body.
        await using var query = store.QuerySession();
        return await FindByCommandAsync(query, commandId, http.RequestAborted) is { } held
               && AnswerToRetry(held, CommandBodyMiddleware.HashOf(http)) is { } answer
            ? answer
            : await record();
    }

    private async Task<IResult> HoldAsync(HttpContext http, Guid commandId)
    {
        var ct = http.RequestAborted;
        var bodyHash = CommandBodyMiddleware.HashOf(http);
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(ct);
        await LockAsync(session, [MovementRecorder.CommandLock(commandId)], ct);
        if (await session.LoadAsync<ProcessedCommand>(commandId, ct) is { } processed) return Replay(processed, bodyHash);
        if (await FindByCommandAsync(session, commandId, ct) is { } held)
            return AnswerToRetry(held, bodyHash) ?? AlreadyDecided(held).ToResult();

        var type = CommandBodyMiddleware.CommandTypeOf(http);
        var route = HeldCommands.ByRoute.Values.Single(c => c.CommandType == type).Route;
        var pending = new PendingCommand(
            Guid.NewGuid(), commandId, route, await BodyOf(http, ct), bodyHash, Caller.From(http.User), MovementRecorder.CorrelationOf(http), clock.GetUtcNow())
        {
            Path = route.Contains('{', StringComparison.Ordinal) ? http.Request.Path.Value : null,
        };
        session.Insert(pending);
        await session.SaveChangesAsync(ct);
        return Results.Json(pending.PendingAnswer, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// Applies a held command as its maker sent it, checked and decided again on today's state, in one transaction
    /// with the approval's record. A refusal is the checker's answer, and the command stays pending.
    /// </summary>
    public async Task<IResult> ApproveAsync(HttpContext http, Guid approvalId, Guid commandId, string? reason)
    {
        var ct = http.RequestAborted;
        var bodyHash = CommandBodyMiddleware.HashOf(http);
        var checker = Caller.From(http.User);
        PendingCommand? pending;
        await using (var query = store.QuerySession())
        {
            if (await query.LoadAsync<ProcessedCommand>(commandId, ct) is { } seen) return Replay(seen, bodyHash);
            pending = await query.LoadAsync<PendingCommand>(approvalId, ct);
        }
        if (pending is null) return NoSuchApproval(approvalId);
        if (pending.Maker.Sub == checker.Sub)
            return Problems.Create("same-approver", $"You sent command {pending.CommandId}; another central-finance user must approve it.").ToResult();
        if (pending.Status != PendingCommand.Pending) return AlreadyDecided(pending).ToResult();

        string? answer = null;
        var held = HeldCommands.ByRoute[pending.Route];
        var envelope = new CommandEnvelope(pending.BodyHash, held.CommandType.Name, pending.Maker, pending.CorrelationId, ct)
        {
            Approval = new Approval(approvalId, checker, async (session, applied, token) =>
            {
                // Under the held command's lock, which a rejection takes too.
                var current = await session.LoadAsync<PendingCommand>(approvalId, token);
                if (current is not { Status: PendingCommand.Pending }) return AlreadyDecided(current ?? pending);
                var decided = current with
                {
                    Status = PendingCommand.Approved, Checker = checker, DecidedAt = applied.RecordedAt, DecidedByCommandId = commandId, Reason = reason,
                };
                session.Update(decided);
                answer = DecisionAnswer(commandId, decided, JsonNode.Parse(applied.Answer));
                session.Insert(new ProcessedCommand(commandId, bodyHash, StatusCodes.Status200OK, answer, applied.RecordedAt, []));
                return null;
            }),
        };

        IResult result;
        try
        {
            result = await held.RunAsync(pending.Body, json.Value.SerializerOptions, Principal(pending.Maker), envelope, services, pending.Path);
        }
        catch (DocumentAlreadyExistsException)
        {
            // The approval's command id was taken at the same moment by another command.
            result = Results.Ok();
            answer = null;
        }
        if (answer is not null && IsSuccess(result)) return Results.Content(answer, "application/json", Encoding.UTF8);
        if (!IsSuccess(result)) return result;

        // Applied already, by another approval racing this one, or by this one sent twice at once.
        await using var again = store.QuerySession();
        if (await again.LoadAsync<ProcessedCommand>(commandId, ct) is { } mine) return Replay(mine, bodyHash);
        return AlreadyDecided(await again.LoadAsync<PendingCommand>(approvalId, ct) ?? pending).ToResult();
    }

    /// <summary>Drops a held command: nothing moves, and its maker's retry is told it was rejected.</summary>
    public async Task<IResult> RejectAsync(HttpContext http, Guid approvalId, Guid commandId, string? reason)
    {
        var ct = http.RequestAborted;
        var bodyHash = CommandBodyMiddleware.HashOf(http);
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(ct);
        if (await session.LoadAsync<PendingCommand>(approvalId, ct) is not { } found)
        {
            if (await session.LoadAsync<ProcessedCommand>(commandId, ct) is { } seen) return Replay(seen, bodyHash);
            return NoSuchApproval(approvalId);
        }
        await LockAsync(session, [MovementRecorder.CommandLock(found.CommandId), MovementRecorder.CommandLock(commandId)], ct);
        if (await session.LoadAsync<ProcessedCommand>(commandId, ct) is { } processed) return Replay(processed, bodyHash);
        var pending = (await session.LoadAsync<PendingCommand>(approvalId, ct))!;
        if (pending.Status != PendingCommand.Pending) return AlreadyDecided(pending).ToResult();

        var now = clock.GetUtcNow();
        var decided = pending with
        {
            Status = PendingCommand.Rejected, Checker = Caller.From(http.User), DecidedAt = now, DecidedByCommandId = commandId, Reason = reason,
        };
        var answer = DecisionAnswer(commandId, decided, new JsonObject { ["commandId"] = pending.CommandId });
        session.Update(decided);
        session.Insert(new ProcessedCommand(commandId, bodyHash, StatusCodes.Status200OK, answer, now, []));
        await session.SaveChangesAsync(ct);
        return Results.Content(answer, "application/json", Encoding.UTF8);
    }

    private static Task<PendingCommand?> FindByCommandAsync(IQuerySession session, Guid commandId, CancellationToken ct) =>
        session.Query<PendingCommand>().Where(p => p.CommandId == commandId).FirstOrDefaultAsync(ct);

    /// <summary>
    /// The maker's retry of a held command: still pending, the same 202; rejected, 409 command-rejected; another
    /// body, 409 command-id-reused; approved, null (the recorder answers it from the applied command's record).
    /// </summary>
    private static IResult? AnswerToRetry(PendingCommand held, string bodyHash)
    {
        if (held.BodyHash != bodyHash) return Problems.CommandIdReused(held.CommandId).ToResult();
        return held.Status switch
        {
            PendingCommand.Pending => Results.Json(held.PendingAnswer, statusCode: StatusCodes.Status202Accepted),
            PendingCommand.Rejected => WithApproval(Problems.Create("command-rejected",
                $"Command {held.CommandId} was rejected by {held.Checker?.Name} on {held.DecidedAt:yyyy-MM-dd}{(held.Reason is null ? "" : $": {held.Reason}")}. Send a new command with a new commandId."),
                held).ToResult(),
            _ => null,
        };
    }

    private static ProblemDetails AlreadyDecided(PendingCommand held) =>
        WithApproval(Problems.Create("approval-decided",
            $"Approval {held.Id} was already {held.Status} by {held.Checker?.Name} on {held.DecidedAt:yyyy-MM-dd}."), held);

    private static ProblemDetails WithApproval(ProblemDetails problem, PendingCommand held)
    {
        problem.Extensions["approvalId"] = held.Id;
        problem.Extensions["status"] = held.Status;
        return problem;
    }

    private static IResult NoSuchApproval(Guid approvalId) => Problems.NotFound($"There is no approval {approvalId}.").ToResult();

    private static string DecisionAnswer(Guid commandId, PendingCommand decided, JsonNode? command) =>
        new JsonObject
        {
            ["commandId"] = commandId,
            ["approvalId"] = decided.Id,
            ["status"] = decided.Status,
            ["decidedAt"] = decided.DecidedAt,
            ["reason"] = decided.Reason,
            ["command"] = command,
        }.ToJsonString(AnswerJson);

    private static IResult Replay(ProcessedCommand seen, string bodyHash) =>
        seen.BodyHash == bodyHash
            ? Results.Content(seen.Answer, "application/json", Encoding.UTF8, seen.Status)
            : Problems.CommandIdReused(seen.Id).ToResult();

    private static bool IsSuccess(IResult result) => result is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 };

    /// <summary>The maker as the held command's own checks read the caller (scope).</summary>
    private static ClaimsPrincipal Principal(Caller maker)
    {
        var claims = new List<Claim> { new("sub", maker.Sub), new("name", maker.Name), new("role", maker.Role) };
        if (maker.Locality is not null) claims.Add(new("locality", maker.Locality));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "approval", "name", "role"));
    }

    /// <summary>The body as the maker sent it (the command middleware keeps it in a rewindable stream).</summary>
    private static async Task<string> BodyOf(HttpContext http, CancellationToken ct)
    {
        http.Request.Body.Position = 0;
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8, leaveOpen: true);
        return await reader.ReadToEndAsync(ct);
    }

    /// <summary>The recorder's advisory locks on command ids, in its order.</summary>
    private static async Task LockAsync(IDocumentSession session, IEnumerable<string> keys, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest($1::text[]) as k", session.Connection)
        {
            Parameters = { new NpgsqlParameter { Value = keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray() } },
        };
        await command.ExecuteScalarAsync(ct);
    }
}
