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

    /// <summary>Whether a property of this type is a list of single values (<c>Rapidbyte:Egress:DeniedCidrs:0</c>, <c>:1</c>, ...).</summary>
    public static bool IsList(Type type) => type.IsArray && IsSingleValue(type.GetElementType()!);
}
