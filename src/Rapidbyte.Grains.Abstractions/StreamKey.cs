namespace Rapidbyte.Grains;

/// <summary>
/// A StreamGrain's key: <c>pipeline/stream</c>. Pipeline names cannot hold a slash, stream
/// names (e.g. <c>sales/2024</c>) may, so the first slash splits them.
/// </summary>
public static class StreamKey
{
    public static string Of(string pipeline, string stream) => $"{pipeline}/{stream}";

    public static (string Pipeline, string Stream) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? throw new ArgumentException($"'{key}' is not a stream key (pipeline/stream)", nameof(key))
            : (key[..slash], key[(slash + 1)..]);
    }
}
