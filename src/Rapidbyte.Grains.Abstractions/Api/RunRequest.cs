namespace Rapidbyte.Grains.Api;

/// <summary>
/// A pipeline definition handed over to run once (what <c>rapidbyte run</c> sends a local
/// server): its YAML, and the values of its <c>${NAME}</c> references, which the server holds in
/// memory for the run and never stores.
/// </summary>
/// <param name="Pipeline">The pipeline's name, as its YAML says.</param>
/// <param name="Yaml">The pipeline's YAML.</param>
/// <param name="File">The file name its errors cite.</param>
/// <param name="Variables">The values of its <c>${NAME}</c> references.</param>
/// <param name="Streams">The streams to run; null or empty runs them all.</param>
public sealed record RunRequest(string Pipeline, string Yaml, string File, IReadOnlyDictionary<string, string>? Variables = null, IReadOnlyList<string>? Streams = null)
{
    // Records print their members; the variables may be passwords.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Pipeline = ").Append(Pipeline).Append(", File = ").Append(File);
        return true;
    }
}
