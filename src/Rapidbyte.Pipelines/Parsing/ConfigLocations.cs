namespace Rapidbyte.Pipelines.Parsing;

/// <summary>A place in a pipeline file, the way an editor jumps to it.</summary>
public readonly record struct SpecPosition(long Line, long Column);

/// <summary>
/// Where one member of a connector's config is written: its key (where an unknown key is
/// reported) and its value (where a wrong value is), and whether the value came from a
/// <c>${NAME}</c> reference (its value is then never quoted, and unknown while the reference is
/// unresolved).
/// </summary>
public readonly record struct ConfigEntry(SpecPosition Key, SpecPosition Value, bool FromReference);

/// <summary>
/// The positions of a connector's config in the pipeline file, by JSON pointer
/// (<c>""</c> for the config itself, <c>/host</c> for its member <c>host</c>), so a problem the
/// connector's config schema finds is reported at file:line:column like every other spec error.
/// </summary>
/// <param name="file">The file name errors cite.</param>
/// <param name="path">The config's key path, e.g. <c>source.config</c>.</param>
/// <param name="use">Where the connector is named (<c>use:</c>).</param>
public sealed class ConfigLocations(string file, string path, SpecPosition use, IReadOnlyDictionary<string, ConfigEntry> entries)
{
    /// <summary>For a spec made in code rather than read from a file: every problem is reported at 1:1.</summary>
    public static ConfigLocations None(string path) => new("pipeline", path, new SpecPosition(1, 1), new Dictionary<string, ConfigEntry>());

    public string File { get; } = file;

    public string Path { get; } = path;

    public SpecPosition Use { get; } = use;

    /// <summary>The entry at <paramref name="pointer"/>, or the nearest enclosing one (the config itself at worst).</summary>
    public ConfigEntry At(string pointer)
    {
        while (true)
        {
            if (entries.TryGetValue(pointer, out var entry))
            {
                return entry;
            }
            if (pointer.Length == 0)
            {
                return new ConfigEntry(Use, Use, false);
            }
            pointer = pointer[..pointer.LastIndexOf('/')];
        }
    }
}
