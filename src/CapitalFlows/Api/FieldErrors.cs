using System.Globalization;
using CapitalFlows.Funds;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Api;

/// <summary>
/// Collects every field error of a command body, so that one 400 answer lists them all (API.md, order of
/// refusals). Each check returns the parsed value when the field is valid.
/// </summary>
public sealed class FieldErrors
{
    public const long MaxAmountVnd = 1_000_000_000_000_000;
    private const int MaxTextLength = 200;

    private readonly Dictionary<string, List<string>> _errors = [];

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages)) _errors[field] = messages = [];
        messages.Add(message);
    }

    /// <summary>The field errors of a validation problem found elsewhere (a read's dates), listed with these.</summary>
    public void Include(ProblemDetails? problem)
    {
        if (problem?.Extensions.TryGetValue("errors", out var found) == true && found is IReadOnlyDictionary<string, string[]> fields)
            foreach (var (field, messages) in fields)
                foreach (var message in messages)
                    Add(field, message);
    }

    public ProblemDetails? ToProblem() =>
        Any ? Problems.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray())) : null;

    public void CommandId(Guid? commandId)
    {
        if (commandId is null || commandId == Guid.Empty) Add("commandId", "commandId is required: a UUID chosen by the client.");
    }

    public void Amount(long? amountVnd, string field = "amountVnd")
    {
        if (amountVnd is null) Add(field, $"{field} is required.");
        else if (amountVnd <= 0 || amountVnd > MaxAmountVnd)
            Add(field, $"{field} must be a whole number of đồng from 1 to {MaxAmountVnd.ToString(CultureInfo.InvariantCulture)}.");
    }

    public void Text(string? value, string field, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required || value is not null) Add(field, $"{field} is required and may not be blank.");
        }
        else if (value.Length > MaxTextLength) Add(field, $"{field} may be at most {MaxTextLength} characters.");
        else if (VisibleText.FirstInvisible(value) is { } invisible)
            Add(field, $"{field} may not hold control or invisible characters ({invisible}).");
    }

    /// <summary>The effective date: today in Vietnam when omitted; a future date is refused.</summary>
    public DateOnly EffectiveOn(string? value, DateOnly today, string field = "effectiveOn")
    {
        if (value is null) return today;
        if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            Add(field, $"{field} must be a date YYYY-MM-DD.");
            return today;
        }
        if (date > today) Add(field, $"{field} {value} is in the future (today in Vietnam is {today:yyyy-MM-dd}).");
        return date;
    }

    public void Locality(string? code, string field, LocalityDirectory localities, bool required = true)
    {
        if (code is null)
        {
            if (required) Add(field, $"{field} is required.");
        }
        else if (localities.Find(code) is null) Add(field, $"{field} '{code}' is not a known locality code.");
    }

    public void Programme(string? code, string field, ProgrammeCatalogue programmes, bool required = true)
    {
        if (code is null)
        {
            if (required) Add(field, $"{field} is required.");
        }
        else if (!programmes.Exists(code))
            Add(field, $"{field} '{code}' is not a known programme ({string.Join(", ", programmes.All.Select(p => p.Code))}).");
    }

    public void Source(string? code, string field = "source")
    {
        if (code is null) Add(field, $"{field} is required.");
        else if (!Sources.All.Contains(code)) Add(field, $"{field} '{code}' is not one of {string.Join(", ", Sources.All)}.");
    }

    public void OneOf(string? value, string field, IReadOnlyList<string> allowed)
    {
        if (value is null) Add(field, $"{field} is required.");
        else if (!allowed.Contains(value)) Add(field, $"{field} '{value}' is not one of {string.Join(", ", allowed)}.");
    }
}
