namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>One event as stored: its type, its command, its correlation id and the transaction that wrote it.</summary>
public sealed record LoggedEvent(string Type, string CommandId, string? CorrelationId, string Transaction);
