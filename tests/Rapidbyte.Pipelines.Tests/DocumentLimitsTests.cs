using Rapidbyte.Pipelines.Parsing;
using static Rapidbyte.Testing.Pipelines.HostileDocuments;

namespace Rapidbyte.Pipelines.Tests;

/// <summary>
/// Hostile documents are refused before they are loaded, with little memory. (How fast is
/// measured, not asserted: see the note.)
/// </summary>
public sealed class DocumentLimitsTests
{
    [Fact]
    public void An_alias_bomb_is_refused_at_the_alias_that_breaks_the_limit()
    {
        var (error, allocated) = Refuse(AliasBomb());

        Assert.Equal("pipeline.yaml:10:42 the document stands for more than 100,000 values once its aliases are expanded; a pipeline needs a few hundred", error);
        Assert.True(allocated < 16 * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_document_nested_100000_deep_is_refused_where_it_goes_too_deep()
    {
        var (error, allocated) = Refuse(DeepNesting(100_000));

        Assert.Equal("pipeline.yaml:3:72 the document nests mappings and lists more than 64 deep; a pipeline needs a handful of levels", error);
        Assert.True(allocated < 16 * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_50_megabyte_document_is_refused_unread()
    {
        var yaml = Huge(50);
        var (error, allocated) = Refuse(yaml);

        Assert.Equal($"pipeline.yaml:1:1 the document is {yaml.Length:N0} characters long; a pipeline may be at most 1,048,576", error);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_50_megabyte_file_is_refused_before_it_is_read()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rapidbyte-huge-{Guid.NewGuid():N}.yaml");
        var yaml = Huge(50);
        File.WriteAllText(path, yaml);
        try
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<PipelineSpecException>(() => PipelineSpecParser.Load(path));
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal($"{Path.GetFileName(path)}:1:1 the document is {yaml.Length:N0} characters long; a pipeline may be at most 1,048,576", Assert.Single(error.Errors).ToString());
            Assert.True(allocated < 1024 * 1024, $"allocated {allocated:N0} bytes");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Aliases_within_the_limit_still_work()
    {
        var spec = PipelineSpecParser.Parse("""
            version: 1
            pipeline: p
            source: {use: s, config: &db {host: h, database: d}, streams: [{name: t}]}
            destination: {use: d, config: *db}
            """, "pipeline.yaml", _ => null);

        Assert.Equal("h", spec.Destination.Config.GetProperty("host").GetString());
    }

    private static (string Error, long Allocated) Refuse(string yaml)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var exception = Assert.Throws<PipelineSpecException>(() => PipelineSpecParser.Parse(yaml, "pipeline.yaml", _ => null));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (Assert.Single(exception.Errors).ToString(), allocated);
    }
}
