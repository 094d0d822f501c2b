using Rapidbyte.Grains.Runs;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// Reads the pipeline file a command names, its variables taken from the environment; its
/// problems go to stderr, one per line, each located in the file.
/// </summary>
internal static class PipelineFile
{
    /// <summary>The spec, its connector configs unchecked (a connector's own schema checks them where it is loaded).</summary>
    /// <returns>The pipeline, or null when it could not be read (the errors are printed).</returns>
    public static (PipelineDefinition Definition, PipelineSpec Spec)? Load(string path)
    {
        if (!File.Exists(path))
        {
            Console.Error.WriteLine(Directory.Exists(path) ? $"{path}: a directory, not a pipeline file (YAML)" : $"{path}: no such file");
            return null;
        }
        try
        {
            var yaml = PipelineSpecParser.ReadFile(path);
            var used = new Dictionary<string, string>(StringComparer.Ordinal);
            var spec = PipelineSpecParser.Parse(yaml, Path.GetFileName(path), name =>
            {
                var value = Environment.GetEnvironmentVariable(name);
                if (value is not null)
                {
                    used[name] = value;
                }
                return value;
            });
            // The values of the variables it uses travel with it: whoever runs it has them for the run only.
            return (new PipelineDefinition(yaml, Path.GetFileName(path), used), spec);
        }
        catch (PipelineSpecException e)
        {
            Report(path, e);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{path}: {e.Message}");
            return null;
        }
    }

    public static void Report(string path, PipelineSpecException e) => Report(path, e.Errors.Select(error => error.ToString()).ToList());

    /// <summary>Prints the file's problems (each located in it), then how many there were.</summary>
    public static void Report(string path, IReadOnlyCollection<string> problems)
    {
        foreach (var problem in problems)
        {
            Console.Error.WriteLine(problem);
        }
        Console.Error.WriteLine($"{path}: {problems.Count} problem{(problems.Count == 1 ? "" : "s")}, nothing was run");
    }
}
