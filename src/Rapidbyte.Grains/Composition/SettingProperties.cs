using System.Reflection;

namespace Rapidbyte.Grains.Composition;

/// <summary>How settings map onto the options classes: public settable properties, either single values or nested sections.</summary>
internal static class SettingProperties
{
    public static IReadOnlyList<PropertyInfo> Of(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }).ToList();

    /// <summary>Whether a property of this type is one value (<c>Rapidbyte:Engine:MaxRetries</c>), not a section.</summary>
    public static bool IsSingleValue(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(TimeSpan) || underlying == typeof(decimal);
    }
}
