using System.Text;

namespace Rapidbyte.Testing.Pipelines;

/// <summary>Pipeline documents built to hurt whatever reads them.</summary>
public static class HostileDocuments
{
    // Each level names the one before it ten times: 10^9 values once expanded, in a connector's
    // config, which is read value by value.
    public static string AliasBomb()
    {
        var text = new StringBuilder("version: 1\npipeline: p\nsource:\n  use: s\n  config:\n");
        text.Append("    a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i <= 9; i++)
        {
            text.Append($"    a{i}: &a{i} [{string.Join(",", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        }
        return text.Append("  streams: [{name: t}]\ndestination: {use: d}\n").ToString();
    }

    public static string DeepNesting(int depth) => "version: 1\npipeline: p\nsource: " + new string('[', depth) + new string(']', depth) + "\n";

    public static string Huge(int megabytes)
    {
        var text = new StringBuilder("version: 1\npipeline: p\nresources:\n", megabytes * 1024 * 1024 + 100);
        var line = "  padding: " + new string('x', 1000) + "\n";
        while (text.Length < megabytes * 1024 * 1024)
        {
            text.Append(line);
        }
        return text.ToString();
    }
}
