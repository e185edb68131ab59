namespace CapitalFlows.Operations;

/// <summary>
/// A setting the service cannot run with, found while the host is built: <c>Program</c> prints its one-line
/// message and exits with code 1, instead of starting and failing every request.
/// </summary>
public sealed class InvalidSettingException : Exception
{
    public InvalidSettingException()
        : base("A setting is invalid.")
    {
    }

    public InvalidSettingException(string message)
        : base(message)
    {
    }

    public InvalidSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
