using Rapidbyte.Contracts;
using Rapidbyte.Testing.Measurement;
using Xunit.Abstractions;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>
/// Waiting on a TLS connection costs what waiting on a plain one does: nothing. The host's
/// receive loop awaits the TLS stream and the guest is woken only when decrypted bytes are
/// there; no thread is held and nothing polls. Measured as process CPU time, alone.
/// </summary>
[Collection(TlsMeasuredCollection.Name)]
public sealed class TlsIdleCostTests(TlsPostgresPipeline pipeline, ITestOutputHelper output)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_read_waiting_on_the_server_over_tls_uses_well_under_five_percent_of_a_core()
    {
        var db = await pipeline.CreateDatabaseAsync();
        // The first row comes after 6 s: the source waits on its TLS socket all that time.
        await db.ExecuteAsync("""
            CREATE FUNCTION src.late(id int8) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(6); RETURN true; END $$;
            CREATE VIEW src.late_rows AS SELECT g::int8 AS id FROM generate_series(1, 1) g WHERE src.late(g);
            """);
        var run = pipeline.RunAsync(db.SourceConfig(), new StreamRequest("late_rows"), db.DestinationConfig(),
            new StreamRequest("late_rows", WriteMode: WriteMode.Append));
        // Past the connects, handshakes and the COPY's start.
        await Task.Delay(1500);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var before = ProcessStats.CpuTime;
        await Task.Delay(Window);
        var used = ProcessStats.CpuTime - before;
        var result = await run;

        output.WriteLine($"waiting over TLS: {used.TotalMilliseconds:F1} ms CPU in {Window.TotalSeconds} s ({100 * used / Window:F2} % of a core)");
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(1, result.Written!.Rows);
        Assert.True(used < 0.05 * Window, $"a read waiting over TLS used {used.TotalMilliseconds:F0} ms of CPU in {Window.TotalSeconds} s");
    }
}

/// <summary>Tests that measure the whole process run alone, each with a TLS-only server.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TlsMeasuredCollection : ICollectionFixture<TlsPostgresPipeline>
{
    public const string Name = "postgres-tls-measured";
}
