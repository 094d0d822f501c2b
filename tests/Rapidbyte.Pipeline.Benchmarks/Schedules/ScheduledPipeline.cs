using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Pipeline.Benchmarks.Schedules;

/// <summary>The YAML of a scheduled pipeline as the silos are given it: the password a reference to their environment.</summary>
internal static class ScheduledPipeline
{
    /// <summary>A full refresh of <paramref name="stream"/> into the destination table of the same name, appended, on <paramref name="schedule"/>.</summary>
    public static string Yaml(PipelineDatabases databases, string name, string stream, string schedule) =>
        databases.PipelineYaml(name, $"- {{name: {stream}, sync_mode: full_refresh}}", "append")
            .Replace(databases.Server.Password, "${" + SiloCluster.PasswordVariable + "}", StringComparison.Ordinal)
        + $"schedule: \"{schedule}\"\n";
}
