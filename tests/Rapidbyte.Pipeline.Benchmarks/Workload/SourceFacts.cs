using Rapidbyte.Pipeline.Benchmarks.Database;

namespace Rapidbyte.Pipeline.Benchmarks.Workload;

/// <summary>What the source holds for a table: every destination must end up with the same.</summary>
/// <param name="Rows">Its row count.</param>
/// <param name="CopyBytes">Bytes of its <c>COPY ... TO STDOUT (FORMAT binary)</c> stream: the size MB/s is of.</param>
/// <param name="DiskBytes">Its <c>pg_total_relation_size</c> (heap, TOAST, primary key).</param>
/// <param name="Fingerprint">Its row count and content checksum.</param>
internal sealed record SourceFacts(long Rows, long CopyBytes, long DiskBytes, TableFingerprint Fingerprint);
