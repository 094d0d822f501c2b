using System.Globalization;

namespace Rapidbyte.Grains.Composition;

/// <summary>
/// Settings as configuration entries (<c>Rapidbyte:State:ConnectionString</c> = ...), for
/// hosts that compose their settings in code (the CLI, tests): they then reach
/// <see cref="RapidbyteSiloBuilderExtensions.AddRapidbyte"/> through the same binding and
/// checks as a service's environment variables.
/// </summary>
public static class RapidbyteConfiguration
{
    /// <summary>Every setting of <paramref name="options"/> as a configuration entry; unset (null) ones are left out.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Entries(RapidbyteOptions options) => Flatten(RapidbyteOptions.Section, options);

    private static IEnumerable<KeyValuePair<string, string?>> Flatten(string path, object options)
    {
        foreach (var property in SettingProperties.Of(options.GetType()))
        {
            if (property.GetValue(options) is not { } value)
            {
                continue;
            }
            var key = $"{path}:{property.Name}";
            if (SettingProperties.IsSingleValue(property.PropertyType))
            {
                yield return new(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                continue;
            }
            foreach (var entry in Flatten(key, value))
            {
                yield return entry;
            }
        }
    }
}
