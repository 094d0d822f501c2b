using System.Globalization;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>PostgreSQL's client programs, taken from the server's own installation.</summary>
internal static class PostgresClientTools
{
    /// <summary>
    /// psql of the newest installed PostgreSQL. Not /usr/bin/psql: on Debian that is a Perl
    /// wrapper script whose start-up would be charged to the COPY pipe.
    /// </summary>
    public static string Psql { get; } = FindPsql();

    private static string FindPsql()
    {
        var versions = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql") : [];
        return versions
            .Select(d => (Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0, Path: Path.Combine(d, "bin", "psql")))
            .Where(candidate => File.Exists(candidate.Path))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Path)
            .FirstOrDefault() ?? "psql";
    }
}
