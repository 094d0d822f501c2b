using System.Security.Cryptography;
using System.Text;

namespace Rapidbyte.Testing.Pipelines;

/// <summary>
/// Other modules that run exactly like a built one: the same code with a custom section appended
/// (which WebAssembly ignores), so each has a digest of its own. What a test needs to publish
/// "a newer version" or to tamper with a blob.
/// </summary>
public static class ModuleVariants
{
    /// <summary><paramref name="module"/> with a custom section named <c>rapidbyte-variant</c> holding <paramref name="tag"/>.</summary>
    public static byte[] Of(byte[] module, string tag)
    {
        var name = Encoding.UTF8.GetBytes("rapidbyte-variant");
        var payload = Encoding.UTF8.GetBytes(tag);
        var content = new List<byte>();
        content.AddRange(Leb128(name.Length));
        content.AddRange(name);
        content.AddRange(payload);
        var section = new List<byte> { 0 }; // custom section id
        section.AddRange(Leb128(content.Count));
        section.AddRange(content);
        return [.. module, .. section];
    }

    /// <summary>The hex SHA-256 of <paramref name="bytes"/>, as registries name modules.</summary>
    public static string Digest(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static IEnumerable<byte> Leb128(int value)
    {
        var rest = (uint)value;
        do
        {
            var b = (byte)(rest & 0x7f);
            rest >>= 7;
            yield return rest == 0 ? b : (byte)(b | 0x80);
        }
        while (rest != 0);
    }
}
