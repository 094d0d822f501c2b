namespace Rapidbyte.Pipeline.Benchmarks.Processes;

/// <summary>Writing POSIX shell commands.</summary>
internal static class Shell
{
    /// <summary><paramref name="text"/> as one word of a command, whatever it holds.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
