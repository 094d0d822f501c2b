using Microsoft.Extensions.Options;

namespace Rapidbyte.Grains.Composition;

/// <summary>Why a silo did not start, in words for its operator, when the cause is theirs to fix.</summary>
public static class StartupFailure
{
    /// <summary>
    /// The message of a bad setting or an unusable state database, however deep Orleans'
    /// start-up wrapped it; null for anything else (a bug, which keeps its stack trace).
    /// </summary>
    public static string? Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AggregateException aggregate when aggregate.InnerExceptions.All(i => i is OptionsValidationException):
                    // Several sections failed their checks (the silo's and the API's): every problem at once.
                    return "the settings are not valid:\n  " + string.Join("\n  ", aggregate.InnerExceptions.Cast<OptionsValidationException>().SelectMany(i => i.Failures));
                case StateDatabaseException:
                    return e.Message;
                case OptionsValidationException invalid:
                    return "the settings are not valid:\n  " + string.Join("\n  ", invalid.Failures);
                case InvalidOperationException when e.Message.Contains($"'{RapidbyteOptions.Section}:", StringComparison.Ordinal):
                    // The configuration binder's own message names the setting it could not convert.
                    return e.Message;
            }
        }
        return null;
    }
}
