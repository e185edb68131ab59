using System.Text.Json;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>An import file written line by line (<c>{route, body, user}</c>), and the users lines are sent as.</summary>
public sealed class ImportFile
{
    public static readonly object Finance = new { sub = "cf-import", name = "Nguyễn Văn Tài", role = Roles.CentralFinance };

    private readonly List<string> _lines = [];

    public static object Branch(string province) =>
        new { sub = $"bo-{province}", name = $"Trần Thị Chi {province}", role = Roles.BranchOfficer, locality = province };

    public int Count => _lines.Count;

    /// <summary>Adds a line and returns its number (from 1).</summary>
    public int Add(string route, object body, object user)
    {
        _lines.Add(JsonSerializer.Serialize(new { route, body, user }, JsonSerializerOptions.Web));
        return _lines.Count;
    }

    /// <summary>A line exactly as given (for malformed lines).</summary>
    public int AddRaw(string text)
    {
        _lines.Add(text);
        return _lines.Count;
    }

    public int Entrust(long amountVnd, object? user = null) =>
        Add("/api/capital/central-entrustments",
            new { commandId = Guid.NewGuid(), amountVnd, programme = "poor-households", decisionRef = "QĐ-import" }, user ?? Finance);

    public int Allocate(string from, string to, long amountVnd, object user) =>
        Add("/api/allocations",
            new { commandId = Guid.NewGuid(), from, to, source = "central-budget", programme = "poor-households", amountVnd }, user);

    public int DrawDown(Guid loanId, string commune, long amountVnd, object user) =>
        Add("/api/loans", new
        {
            commandId = Guid.NewGuid(), loanId, locality = commune, source = "central-budget", programme = "poor-households", amountVnd,
            borrowerRef = $"HH-{loanId.ToString()[..8]}", entrustedOrganisation = "womens-union", termMonths = 36,
        }, user);

    public int Repay(Guid loanId, long amountVnd, object user) =>
        Add($"/api/loans/{loanId}/repayments", new { commandId = Guid.NewGuid(), amountVnd }, user);

    public async Task<string> WriteAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"import-{Guid.NewGuid():N}.ndjson");
        await File.WriteAllLinesAsync(path, _lines);
        return path;
    }
}
