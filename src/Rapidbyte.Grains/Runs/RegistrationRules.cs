using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Grains.Runs;

/// <summary>
/// What a pipeline's YAML must be to be registered in the cluster, where it is stored and run
/// with no user at hand: valid (its <c>${NAME}</c> references standing for themselves, since
/// their values are read only when a run starts), naming only variables the silos let
/// pipelines read, and holding no literal secret.
/// </summary>
public static class RegistrationRules
{
    /// <summary>The spec of <paramref name="yaml"/>, references left as written (<c>${NAME}</c>): what registration, listings and schedules read.</summary>
    /// <exception cref="PipelineSpecException">The YAML is not a valid pipeline.</exception>
    public static PipelineSpec Unresolved(string yaml, string file) =>
        PipelineSpecParser.Parse(yaml, file, name => "${" + name + "}");

    /// <summary>The spec of <paramref name="yaml"/> if it may be registered as pipeline <paramref name="name"/>.</summary>
    /// <exception cref="PipelineRejectedException">Every reason it may not.</exception>
    public static PipelineSpec Check(string name, string yaml, string file, string variablePrefix)
    {
        PipelineSpec spec;
        try
        {
            spec = Unresolved(yaml, file);
        }
        catch (PipelineSpecException e)
        {
            throw new PipelineRejectedException(name, e.Errors.Select(error => error.ToString()).ToList());
        }
        var problems = new List<string>();
        if (spec.Name != name)
        {
            problems.Add($"{file}: the YAML is of pipeline {spec.Name}, not {name}");
        }
        foreach (var (variable, index) in EnvironmentSubstitution.References(yaml))
        {
            if (!variable.StartsWith(variablePrefix, StringComparison.Ordinal))
            {
                var (line, column) = Position(yaml, index);
                problems.Add($"{file}:{line}:{column} ${{{variable}}}: a registered pipeline may read only the silos' variables whose names start with {variablePrefix}; " +
                    $"set {variablePrefix}{variable} on the silos and refer to that");
            }
        }
        foreach (var path in SecretLiterals.Find(yaml))
        {
            var suggestion = variablePrefix + path[(path.LastIndexOf('.') + 1)..].ToUpperInvariant();
            problems.Add($"{file}: {path} holds a literal secret, and a registered pipeline is stored: write it as a reference such as ${{{suggestion}}} " +
                "and set that variable on the silos (on Azure Container Apps, a secret, which may reference Key Vault)");
        }
        if (spec.State.Backend != StateBackend.Postgres || spec.State.Connection is not null)
        {
            // state: says where a CLI run keeps its state; a cluster keeps every pipeline's in its own store.
            problems.Add($"{file}: state: says where the CLI keeps a pipeline's cursors; a registered pipeline's are kept in the cluster's state database. Remove state:");
        }
        return problems.Count == 0 ? spec : throw new PipelineRejectedException(name, problems);
    }

    private static (int Line, int Column) Position(string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return (line, index - lineStart + 1);
    }
}
