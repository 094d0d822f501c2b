namespace Rapidbyte.Runtime.Lowering;

/// <summary>The numbers of the core-wasm lowering (wit/LOWERING.md), in one place.</summary>
internal static class Abi
{
    public const int ProtocolVersion = 2;
    public const string ImportModule = "rapidbyte";
    public const string WasiModule = "wasi_snapshot_preview1";

    // rb_start / rb_poll statuses
    public const int Done = 0;
    public const int Pending = 1;
    public const int Yield = 2;
    public const int Failed = 3;

    // import result codes
    public const long WouldBlock = -1;
    public const long None = -2;
    public const long BadArgument = -3;
    public const long Denied = -4;
    public const long ConnectFailed = -5;
    public const long IoError = -6;
    public const long InvalidData = -7;
    public const long Cancelled = -8;
    public const long Limit = -9;
    public const long TlsRefused = -10;

    // events: handle << 2 | Readable | Writable
    public const int Readable = 1;
    public const int Writable = 2;
    public const int EventCapacity = 256;

    // reserved handles
    public const int ChannelHandle = 0;
    public const int CancellationHandle = 1;
    public const int FirstDynamicHandle = 2;
}
