using System.Text.Encodings.Web;
using System.Text.Json;
using Rapidbyte.Testing;

namespace Rapidbyte.Pipeline.Benchmarks.Reporting;

/// <summary>
/// results/ next to the harness: latest.md and latest.json, and the same under the row count
/// (firenibble-1000000.md), so each size keeps its latest figures.
/// </summary>
internal static class ResultFiles
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, not HTML: keep "×" and quotes readable
    };

    public static string Folder { get; } = Path.Combine(RepositoryPaths.Root, "tests", "Rapidbyte.Pipeline.Benchmarks", "results");

    /// <summary>Writes the four files; returns their paths.</summary>
    public static IReadOnlyList<string> Write(BenchmarkReport report, string markdown)
    {
        Directory.CreateDirectory(Folder);
        var json = JsonSerializer.Serialize(report, Json) + "\n";
        var written = new List<string>();
        foreach (var name in new[] { "latest", $"firenibble-{report.Rows}" })
        {
            written.Add(WriteFile($"{name}.md", markdown));
            written.Add(WriteFile($"{name}.json", json));
        }
        return written;
    }

    private static string WriteFile(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}
