using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;
using static Rapidbyte.Testing.Pipelines.SeedFiles;

namespace Rapidbyte.Pipelines.Tests;

/// <summary>The pipeline files of the system this project grew from (the post-mortem's, verbatim) work here.</summary>
public sealed class SeedFileTests
{
    [Fact]
    public void The_post_mortem_pipeline_file_validates_verbatim()
    {
        var spec = PipelineSpecParser.Parse(PostMortemPipeline, "debug_pipeline.yaml", _ => null);

        Assert.Equal("debug_async", spec.Name);
        Assert.Equal(new StateSpec(StateBackend.Sqlite, "/tmp/debug_state.db"), spec.State);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("\"1\"")]
    [InlineData("\"1.0\"")]
    [InlineData("1.0")]
    public void Version_one_is_accepted_as_written_by_either_system(string version)
    {
        var spec = PipelineSpecParser.Parse(PostMortemPipeline.Replace("version: \"1.0\"", $"version: {version}"), "p.yaml", _ => null);

        Assert.Equal("debug_async", spec.Name);
    }

    [Fact]
    public void State_backend_postgres_is_the_default_and_other_backends_are_refused_with_the_choices()
    {
        var postgres = PipelineSpecParser.Parse(PostMortemPipeline.Replace("backend: sqlite", "backend: postgres").Replace("/tmp/debug_state.db", "Host=db;Database=state"), "p.yaml", _ => null);
        var error = Assert.Throws<PipelineSpecException>(() => PipelineSpecParser.Parse(PostMortemPipeline.Replace("backend: sqlite", "backend: redis"), "p.yaml", _ => null));

        Assert.Equal(new StateSpec(StateBackend.Postgres, "Host=db;Database=state"), postgres.State);
        Assert.Equal("p.yaml:25:12 state.backend: 'redis' is not one of postgres, sqlite", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void Other_unknown_keys_under_state_still_get_their_position()
    {
        var error = Assert.Throws<PipelineSpecException>(() => PipelineSpecParser.Parse(PostMortemPipeline.Replace("  backend: sqlite", "  backend: sqlite\n  path: x"), "p.yaml", _ => null));

        Assert.Equal("p.yaml:26:3 state.path: unknown key 'path'; expected one of: backend, connection", Assert.Single(error.Errors).ToString());
    }
}
