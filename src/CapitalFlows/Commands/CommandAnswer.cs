using System.Text.Json.Serialization;

namespace CapitalFlows.Commands;

/// <summary>The answer to an accepted command (API.md): what was recorded, when, and how many events.</summary>
public sealed record CommandAnswer(Guid CommandId, DateTimeOffset RecordedAt, DateOnly EffectiveOn, int Events)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? LoanId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? OutstandingVnd { get; init; }
}
