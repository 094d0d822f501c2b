using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Rapidbyte.Deployment.Tests;

/// <summary>
/// infra/ compiles and lints with no diagnostic at all. Bicep reports type errors (BCP035,
/// BCP036, ...) as warnings with exit code 0, so a clean exit code alone proves nothing.
/// </summary>
[Collection(CompiledInfrastructureCollection.Name)]
public sealed partial class BicepBuildTests(CompiledInfrastructure infra)
{
    [Fact]
    public void MainBicepBuildsWithoutAWarningOrError()
    {
        Assert.True(infra.BuildExitCode == 0, infra.BuildOutput);
        Assert.Empty(Diagnostics(infra.BuildOutput));
        Assert.NotEmpty(CompiledInfrastructure.Resources(infra.Template));
    }

    [Fact]
    public void MainBicepLintsWithoutAWarningOrError()
    {
        Assert.True(infra.LintExitCode == 0, infra.LintOutput);
        Assert.Empty(Diagnostics(infra.LintOutput));
    }

    [Fact]
    public void TheSecurityLintRulesAreErrors()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(CompiledInfrastructure.InfraDirectory, "bicepconfig.json")))!;
        var rules = config["analyzers"]!["core"]!["rules"]!.AsObject();
        string[] security =
        [
            "outputs-should-not-contain-secrets", "secure-parameter-default", "secure-params-in-nested-deploy",
            "use-secure-value-for-secure-inputs", "no-hardcoded-env-urls", "no-unused-params", "no-unused-vars",
            "use-resource-id-functions",
        ];
        Assert.All(security, rule => Assert.Equal("error", (string?)rules[rule]?["level"]));
    }

    [Fact]
    public void EveryParameterSaysWhatItIsFor()
    {
        var undescribed = infra.AllTemplates()
            .SelectMany(t => t["parameters"]?.AsObject() ?? [])
            .Where(p => string.IsNullOrWhiteSpace((string?)p.Value!["metadata"]?["description"]))
            .Select(p => p.Key)
            .ToList();
        Assert.Empty(undescribed);
    }

    private static List<string> Diagnostics(string output) =>
        output.Split('\n').Where(line => Diagnostic().IsMatch(line)).ToList();

    // path(line,col) : Warning BCP036: ... / : Error no-unused-params: ...
    [GeneratedRegex(@"\) : (Warning|Error) ")]
    private static partial Regex Diagnostic();
}
