using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Tests;

/// <summary>
/// Free text (references, reasons, names) holds only characters that show: Unicode categories Cc, Cf, Co, Cn, Zl and
/// Zp, and lone surrogates, are refused as a field error; letters with their marks, punctuation and symbols are not.
/// </summary>
public sealed class VisibleTextTests
{
    [Theory]
    [InlineData(0x0000, "Cc, NUL")]
    [InlineData(0x0007, "Cc, bell")]
    [InlineData(0x000A, "Cc, line feed")]
    [InlineData(0x0085, "Cc, next line")]
    [InlineData(0x200B, "Cf, zero-width space")]
    [InlineData(0x200D, "Cf, zero-width joiner")]
    [InlineData(0x202E, "Cf, right-to-left override")]
    [InlineData(0x2066, "Cf, left-to-right isolate")]
    [InlineData(0xFEFF, "Cf, byte order mark")]
    [InlineData(0x00AD, "Cf, soft hyphen")]
    [InlineData(0xE000, "Co, private use")]
    [InlineData(0xF0000, "Co, supplementary private use")]
    [InlineData(0x0378, "Cn, unassigned")]
    [InlineData(0x2028, "Zl, line separator")]
    [InlineData(0x2029, "Zp, paragraph separator")]
    public void A_control_or_invisible_character_in_free_text_is_a_field_error(int codePoint, string what)
    {
        var errors = new FieldErrors();

        errors.Text("QĐ-" + char.ConvertFromUtf32(codePoint) + "TTg", "decisionRef", required: true);

        var problem = errors.ToProblem();
        Assert.True(problem is not null, what);
        var listed = Assert.IsAssignableFrom<IReadOnlyDictionary<string, string[]>>(problem.Extensions["errors"]);
        Assert.Contains($"U+{codePoint:X4}", Assert.Single(listed["decisionRef"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Invisible_text_alone_is_refused_not_taken_as_a_value()
    {
        var errors = new FieldErrors();

        errors.Text("\u200B\u200B", "borrowerRef", required: true);

        Assert.True(errors.Any);
    }

    [Fact]
    public void A_lone_surrogate_is_a_field_error()
    {
        var errors = new FieldErrors();

        errors.Text("HH-" + '\uD800' + "-1", "borrowerRef", required: true);

        Assert.True(errors.Any);
    }

    [Theory]
    [InlineData("Quyết định 123/QĐ-TTg")]
    [InlineData("Hội Liên hiệp Phụ nữ Việt Nam")]
    [InlineData("Nghị quyết số 12/NQ-HĐND (2026) — điều 3, khoản 2; ¼ “trích”")]
    [InlineData("Donation 🙂 from 北京")]
    [InlineData("HH-00004-0001")]
    public void Letters_marks_punctuation_and_symbols_are_accepted(string value)
    {
        foreach (var form in new[] { value, value.Normalize(System.Text.NormalizationForm.FormD) })
        {
            var errors = new FieldErrors();

            errors.Text(form, "decisionRef", required: true);

            Assert.False(errors.Any, form);
        }
    }
}
