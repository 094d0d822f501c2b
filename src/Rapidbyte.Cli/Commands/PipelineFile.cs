using Rapidbyte.Grains.Runs;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Cli.Commands;

/// <summary>Reads the pipeline file a command names; its problems go to stderr, one per line.</summary>
internal static class PipelineFile
{
    /// <returns>The pipeline, or null when it could not be read (the errors are printed).</returns>
    public static (PipelineDefinition Definition, PipelineSpec Spec)? Load(string path)
    {
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"{path}: no such file");
            return null;
        }
        try
        {
            return PipelineDefinitions.Load(path, Environment.GetEnvironmentVariable);
        }
        catch (PipelineSpecException e)
        {
            foreach (var error in e.Errors)
            {
                Console.Error.WriteLine(error);
            }
            Console.Error.WriteLine($"{path}: {e.Errors.Count} problem{(e.Errors.Count == 1 ? "" : "s")}, nothing was run");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{path}: {e.Message}");
            return null;
        }
    }
}
