using System.Globalization;
using System.Text;

namespace CapitalFlows.Api;

/// <summary>
/// Free text a person will read back (references, reasons, names) holds only characters that show: no controls
/// (Cc), no format characters (Cf: zero-width spaces and joiners, bidirectional overrides, the byte order mark),
/// no private-use (Co) or unassigned (Cn) code points, no line or paragraph separators (Zl, Zp) and no lone
/// surrogates. A zero-width space makes two references that look the same differ; a right-to-left override makes
/// one read as another.
/// </summary>
public static class VisibleText
{
    /// <summary>The first character that does not show, as U+XXXX, or null when every one does.</summary>
    public static string? FirstInvisible(string value)
    {
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                return $"U+{(int)rest[0]:X4}";
            if (!Shows(Rune.GetUnicodeCategory(rune))) return $"U+{rune.Value:X4}";
            rest = rest[consumed..];
        }
        return null;
    }

    private static bool Shows(UnicodeCategory category) => category is not (
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate);
}
