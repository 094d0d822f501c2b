using Rapidbyte.Pipeline.Benchmarks.Workload;

namespace Rapidbyte.Pipeline.Benchmarks.Reporting;

/// <summary>A benchmark table as the report describes it.</summary>
/// <param name="CopyBytes">Its binary COPY stream: the bytes MB/s counts.</param>
/// <param name="DiskBytes">pg_total_relation_size in the source (heap, TOAST, primary key).</param>
internal sealed record TableSummary(string Name, int Columns, long Rows, long CopyBytes, long DiskBytes)
{
    public static TableSummary Of(BenchmarkTable table, SourceFacts facts) =>
        new(table.Name, table.Columns.Count, facts.Rows, facts.CopyBytes, facts.DiskBytes);
}
