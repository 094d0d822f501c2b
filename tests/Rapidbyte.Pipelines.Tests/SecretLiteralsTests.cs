using Rapidbyte.Pipelines.Parsing;

namespace Rapidbyte.Pipelines.Tests;

public sealed class SecretLiteralsTests
{
    [Fact]
    public void Literal_secrets_are_named_by_their_key_path_and_references_are_not()
    {
        const string Yaml = """
            pipeline: p
            source:
              config: {host: db, password: hunter2, api_key: "${API_KEY}", user: me}
              streams: [{name: t}]
            destination:
              config: {token: "${A}${B}", client_secret: s3cret}
              primary_key: [id]
            state:
              connection: "Host=db;Username=me;Password=hunter2"
            """;

        Assert.Equal(["source.config.password", "destination.config.client_secret", "state.connection"], SecretLiterals.Find(Yaml));
    }

    [Fact]
    public void A_pipeline_whose_secrets_are_all_references_has_none()
    {
        const string Yaml = """
            pipeline: p
            source: {config: {password: "${PG_PASSWORD}"}}
            state: {connection: "Host=db;Password=${STATE_PASSWORD}"}
            """;

        Assert.Empty(SecretLiterals.Find(Yaml));
    }
}
