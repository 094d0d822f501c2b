using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Pipelines.Tests;

/// <summary>A connector's config under its config schema: each problem at its key or value, no value ever quoted.</summary>
public sealed class ConfigSchemaCheckTests
{
    private const string Schema = """
        {"type": "object", "required": ["host"], "additionalProperties": false,
         "properties": {
           "host": {"type": "string"},
           "port": {"type": "integer", "minimum": 1, "maximum": 65535},
           "password": {"type": ["string", "null"], "writeOnly": true, "secret": true},
           "tls": {"type": "object", "additionalProperties": false, "properties": {"mode": {"enum": ["off", "require"]}}}}}
        """;

    // Every scenario takes "scenario" and exactly its own parameters (as test-connector's schema says it).
    private const string Scenarios = """
        {"type": "object", "required": ["scenario"],
         "properties": {"scenario": {"type": "string", "enum": ["timer", "spin"]}},
         "allOf": [
           {"if": {"properties": {"scenario": {"const": "timer"}}, "required": ["scenario"]},
            "then": {"properties": {"scenario": {}, "millis": {"type": "integer"}}, "required": ["millis"], "additionalProperties": false}},
           {"if": {"properties": {"scenario": {"const": "spin"}}, "required": ["scenario"]},
            "then": {"properties": {"scenario": {}}, "required": [], "additionalProperties": false}}]}
        """;

    [Fact]
    public void A_wrong_type_is_reported_at_the_value_and_a_secret_is_never_quoted()
    {
        var errors = Check(Schema, "{host: db, port: [1], password: 8675309}");

        Assert.Equal(
        [
            "p.yaml:5:28 source.config.port: 'port' must be an integer, not a list",
            "p.yaml:5:43 source.config.password: 'password' must be a string or empty, not a number (quote it to make it a string)",
        ], errors.Select(e => e.ToString()));
        Assert.DoesNotContain(errors, e => e.Message.Contains("8675309", StringComparison.Ordinal));
    }

    [Fact]
    public void Nested_members_are_located_and_bounds_and_enums_are_worded()
    {
        var errors = Check(Schema, "{host: db, port: 70000, tls: {mode: verify, level: 3}}");

        Assert.Equal(
        [
            "p.yaml:5:28 source.config.port: 'port' must be at most 65535",
            "p.yaml:5:47 source.config.tls.mode: 'mode' must be one of: \"off\", \"require\"",
            "p.yaml:5:55 source.config.tls.level: unknown key 'level' (s accepts: mode)",
        ], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_missing_config_is_a_missing_key_at_the_connectors_section()
    {
        var spec = PipelineSpecParser.Parse("version: 1\npipeline: p\nsource:\n  use: s\n  streams: [{name: t}]\ndestination: {use: d}\n", "p.yaml", _ => null);

        var error = Assert.Single(ConfigSchemaCheck.Check("s", Schema, spec.Source.Config, spec.Source.ConfigLocations, referencesResolved: true));

        Assert.Equal("p.yaml:4:3 source.config: missing required key 'host' (s requires: host)", error.ToString());
    }

    [Fact]
    public void Unresolved_references_keep_their_values_unchecked_but_not_their_keys()
    {
        const string config = "{host: db, port: \"${PORT}\", prot: \"${PORT}\"}";

        var unresolved = Check(Schema, config, name => "${" + name + "}", referencesResolved: false);
        var resolved = Check(Schema, config, name => "54x", referencesResolved: true);

        Assert.Equal(["p.yaml:5:39 source.config.prot: unknown key 'prot' (s accepts: host, port, password, tls); did you mean 'port'?"], unresolved.Select(e => e.ToString()));
        Assert.Equal("p.yaml:5:28 source.config.port: 'port' must be an integer, not a string (a value from a ${NAME} reference is always a string)", resolved[0].ToString());
        Assert.DoesNotContain(resolved, e => e.Message.Contains("54x", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_the_chosen_cases_rules_apply()
    {
        Assert.Equal(
            ["p.yaml:5:40 source.config.host: unknown key 'host' (s accepts: scenario, millis)"],
            Check(Scenarios, "{scenario: timer, millis: 5, host: h}").Select(e => e.ToString()));
        Assert.Equal(
            ["p.yaml:5:3 source.config: missing required key 'millis' (s requires: millis)"],
            Check(Scenarios, "{scenario: timer}").Select(e => e.ToString()));
        Assert.Empty(Check(Scenarios, "{scenario: spin}"));
        Assert.Equal(
            ["p.yaml:5:22 source.config.scenario: 'scenario' must be one of: \"timer\", \"spin\""],
            Check(Scenarios, "{scenario: sleep}").Select(e => e.ToString()));
    }

    private static IReadOnlyList<SpecError> Check(string schema, string config, Func<string, string?>? environment = null, bool referencesResolved = true)
    {
        var spec = Parse(config, environment ?? (_ => null));
        return ConfigSchemaCheck.Check("s", schema, spec.Source.Config, spec.Source.ConfigLocations, referencesResolved);
    }

    private static PipelineSpec Parse(string config, Func<string, string?> environment) => PipelineSpecParser.Parse($"""
        version: 1
        pipeline: p
        source:
          use: s
          config: {config}
          streams: [{"{"}name: t{"}"}]
        destination: {"{"}use: d{"}"}
        """, "p.yaml", environment);
}
