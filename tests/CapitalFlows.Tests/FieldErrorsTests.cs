using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;

namespace CapitalFlows.Tests;

public sealed class FieldErrorsTests
{
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();
    private static readonly ProgrammeCatalogue Programmes = ProgrammeCatalogue.LoadEmbedded();
    private static readonly DateOnly Today = new(2026, 5, 10);

    private static IReadOnlyDictionary<string, string[]> ErrorsOf(FieldErrors errors)
    {
        var problem = errors.ToProblem();
        Assert.NotNull(problem);
        Assert.Equal("/problems/validation", problem.Type);
        Assert.Equal(400, problem.Status);
        return Assert.IsAssignableFrom<IReadOnlyDictionary<string, string[]>>(problem.Extensions["errors"]);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(1_000_000_000_000_000L)]
    public void An_amount_from_one_dong_to_ten_to_the_fifteenth_is_accepted(long amountVnd)
    {
        var errors = new FieldErrors();

        errors.Amount(amountVnd);

        Assert.False(errors.Any);
        Assert.Null(errors.ToProblem());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(1_000_000_000_000_001L)]
    [InlineData(long.MaxValue)]
    public void An_amount_of_zero_below_zero_or_above_ten_to_the_fifteenth_is_refused(long amountVnd)
    {
        var errors = new FieldErrors();

        errors.Amount(amountVnd);

        Assert.Equal(["amountVnd"], ErrorsOf(errors).Keys);
    }

    [Fact]
    public void A_missing_amount_is_refused()
    {
        var errors = new FieldErrors();

        errors.Amount(null);

        Assert.Equal(["amountVnd"], ErrorsOf(errors).Keys);
    }

    [Theory]
    [InlineData("2025-13-01")]
    [InlineData("10/05/2026")]
    [InlineData("2026-5-1")]
    [InlineData("")]
    public void A_malformed_effective_date_is_refused(string value)
    {
        var errors = new FieldErrors();

        errors.EffectiveOn(value, Today);

        Assert.Equal(["effectiveOn"], ErrorsOf(errors).Keys);
    }

    [Fact]
    public void An_effective_date_in_the_future_is_refused()
    {
        var errors = new FieldErrors();

        errors.EffectiveOn("2026-05-11", Today);

        Assert.Equal(["effectiveOn"], ErrorsOf(errors).Keys);
    }

    [Fact]
    public void An_effective_date_of_today_or_earlier_is_accepted_as_given()
    {
        var errors = new FieldErrors();

        Assert.Equal(Today, errors.EffectiveOn("2026-05-10", Today));
        Assert.Equal(new DateOnly(2025, 7, 1), errors.EffectiveOn("2025-07-01", Today));
        Assert.False(errors.Any);
    }

    [Fact]
    public void An_omitted_effective_date_is_today()
    {
        var errors = new FieldErrors();

        var effectiveOn = errors.EffectiveOn(null, Today);

        Assert.Equal(Today, effectiveOn);
        Assert.False(errors.Any);
    }

    [Fact]
    public void An_unknown_programme_is_refused_and_a_known_one_is_accepted()
    {
        var errors = new FieldErrors();

        errors.Programme("poor-households", "programme", Programmes);
        errors.Programme("general", "programme", Programmes);
        errors.Programme("yachts", "toProgramme", Programmes);

        Assert.Equal(["toProgramme"], ErrorsOf(errors).Keys);
    }

    [Fact]
    public void An_omitted_optional_programme_is_accepted_and_an_omitted_required_one_is_refused()
    {
        var errors = new FieldErrors();

        errors.Programme(null, "toProgramme", Programmes, required: false);
        errors.Programme(null, "programme", Programmes);

        Assert.Equal(["programme"], ErrorsOf(errors).Keys);
    }

    [Fact]
    public void An_unknown_locality_is_refused_and_known_ones_are_accepted()
    {
        var errors = new FieldErrors();

        errors.Locality("VN", "from", Localities);
        errors.Locality("00004", "from", Localities);
        errors.Locality("10", "from", Localities);
        errors.Locality("99", "to", Localities);

        Assert.Equal(["to"], ErrorsOf(errors).Keys);
    }

    [Fact]
    public void An_unknown_source_is_refused_and_the_four_sources_are_accepted()
    {
        var errors = new FieldErrors();

        errors.Source("central-budget");
        errors.Source("local-budget");
        errors.Source("charity");
        errors.Source("mobilised");
        errors.Source("lottery");

        var messages = ErrorsOf(errors)["source"];
        Assert.Single(messages);
        Assert.Contains("lottery", messages[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Every_field_error_is_collected_into_one_validation_problem()
    {
        var errors = new FieldErrors();

        errors.CommandId(Guid.Empty);
        errors.Amount(0);
        errors.EffectiveOn("tomorrow", Today);
        errors.Programme("yachts", "programme", Programmes);
        errors.Locality("99", "locality", Localities);
        errors.Source("lottery");
        errors.Text("   ", "decisionRef", required: true);

        var listed = ErrorsOf(errors);
        Assert.Equal(
            ["amountVnd", "commandId", "decisionRef", "effectiveOn", "locality", "programme", "source"],
            listed.Keys.Order(StringComparer.Ordinal));
        Assert.All(listed.Values, messages => Assert.Single(messages));
    }

    [Fact]
    public void Two_errors_on_one_field_are_both_listed_under_it()
    {
        var errors = new FieldErrors();

        errors.Programme("yachts", "toProgramme", Programmes);
        errors.Add("toProgramme", "toProgramme earmarks general capital.");

        Assert.Equal(2, ErrorsOf(errors)["toProgramme"].Length);
    }
}
