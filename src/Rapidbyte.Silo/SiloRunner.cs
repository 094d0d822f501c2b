using Rapidbyte.Grains.Composition;

namespace Rapidbyte.Silo;

/// <summary>Runs the silo until it is stopped; a start-up failure its operator can fix ends it with a message, not a stack trace.</summary>
internal static class SiloRunner
{
    /// <returns>The process's exit code: 0 after a clean stop, 1 when it could not start.</returns>
    public static async Task<int> RunAsync(WebApplication app)
    {
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (StartupFailure.Describe(e) is { } reason)
        {
            var setting = e is StateDatabaseException || e.InnerException is StateDatabaseException
                ? $"{RapidbyteOptions.Section}:State:ConnectionString: "
                : "";
            await Console.Error.WriteLineAsync($"rapidbyte-silo did not start: {setting}{reason}");
            return 1;
        }
    }
}
