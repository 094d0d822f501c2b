namespace Rapidbyte.Pipeline.Benchmarks;

/// <summary>A benchmark's own temporary directory (compiled code, pipeline files, data), deleted when it ends however it ends.</summary>
internal static class WorkDirectory
{
    public static async Task RunInAsync(string prefix, Func<string, Task> benchmark)
    {
        var work = Directory.CreateTempSubdirectory(prefix);
        try
        {
            await benchmark(work.FullName);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
