using Rapidbyte.Runtime.Lowering;
namespace Rapidbyte.Runtime.Tests;

/// <summary>
/// Tiny hand-written guests in WebAssembly text, for behaviour no well-behaved SDK connector
/// shows: wrong exports, forbidden imports, protocol violations, bad pointers.
/// </summary>
internal static class WatGuests
{
    /// <summary>
    /// A module implementing the exports. <paramref name="start"/> is the body of rb_start
    /// (params: op, input pointer, input length; must leave an i32 status); memory holds
    /// <c>"ok"</c> at 0 and <c>"unexpected"</c> at 16, and rb_output returns global $out.
    /// </summary>
    public static byte[] Module(
        string start,
        string imports = "",
        int protocolVersion = Abi.ProtocolVersion,
        string poll = "(i32.const 1)",
        string extraExports = "")
    {
        var wat = $$"""
            (module
              {{imports}}
              (memory (export "memory") 1)
              (data (i32.const 0) "\"ok\"")
              (data (i32.const 16) "\"unexpected\"")
              (global $out (mut i64) (i64.const 4))
              (func (export "rb_protocol_version") (result i32) (i32.const {{protocolVersion}}))
              (func (export "rb_alloc") (param i32) (result i32) (i32.const 1024))
              (func (export "rb_free") (param i32 i32))
              (func (export "rb_start") (param $op i32) (param $ptr i32) (param $len i32) (result i32) {{start}})
              (func (export "rb_poll") (param i32) (result i32) {{poll}})
              (func (export "rb_events") (result i32) (i32.const 8192))
              (func (export "rb_output") (result i64) (global.get $out))
              {{extraExports}}
            )
            """;
        return Wasmtime.Module.ConvertText(wat);
    }

    /// <summary>Output "unexpected" instead of "ok": pointer 16 in the high half, length 12 in the low.</summary>
    public const string SetUnexpected = "(global.set $out (i64.const 68719476748))";
}
