namespace Rapidbyte.Testing.Pipelines;

/// <summary>Pipeline files of the system this project grew from, as its users wrote them.</summary>
public static class SeedFiles
{
    // ../shared/research/000_34e07b33d157eb2b.txt, "Pipeline config at /tmp/debug_pipeline.yaml".
    public const string PostMortemPipeline = """
        version: "1.0"
        pipeline: debug_async
        source:
          use: source-postgres
          config:
            host: 127.0.0.1
            port: 5433
            user: postgres
            password: password
            database: rapidbyte_test
          streams:
            - name: debug_test
              sync_mode: full_refresh
        destination:
          use: dest-postgres
          config:
            host: 127.0.0.1
            port: 5433
            user: postgres
            password: password
            database: rapidbyte_test
            schema: raw
          write_mode: append
        state:
          backend: sqlite
          connection: /tmp/debug_state.db

        """;
}
