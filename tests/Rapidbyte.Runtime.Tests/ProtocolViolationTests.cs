using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Runtime.Instances;

namespace Rapidbyte.Runtime.Tests;

/// <summary>Guests that break the protocol fail their run with a clear message, never the host.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class ProtocolViolationTests(RuntimeFixture fixture)
{
    [Fact]
    public async Task Pending_with_nothing_to_wait_for_is_a_lost_wake_up_not_a_hang()
    {
        using var instance = Instance(WatGuests.Module("(i32.const 1)"));

        var error = await Assert.ThrowsAsync<ConnectorException>(() => instance.RunAsync(ConnectorOperation.Close, "{}", ConnectorRunContext.None));

        Assert.Equal(ConnectorFault.ProtocolViolation, error.Fault);
        Assert.Contains("lost wake-up", error.Message);
    }

    [Fact]
    public async Task An_undefined_status_fails_the_run()
    {
        using var instance = Instance(WatGuests.Module("(i32.const 7)"));

        var error = await Assert.ThrowsAsync<ConnectorException>(() => instance.RunAsync(ConnectorOperation.Close, "{}", ConnectorRunContext.None));

        Assert.Equal(ConnectorFault.ProtocolViolation, error.Fault);
        Assert.Contains("status 7", error.Message);
    }

    [Fact]
    public async Task A_pointer_outside_guest_memory_is_an_error_code_for_that_call()
    {
        // take_result into [70000, 70100): beyond the single 64 KiB page.
        var start = $"""
            (if (i64.ne (call $take (i32.const 70000) (i32.const 100)) (i64.const -3)) (then {WatGuests.SetUnexpected}))
            (i32.const 0)
            """;
        using var instance = Instance(WatGuests.Module(start,
            imports: """(import "rapidbyte" "take_result" (func $take (param i32 i32) (result i64)))"""));

        Assert.Equal("\"ok\"", await instance.RunAsync(ConnectorOperation.Close, "{}", ConnectorRunContext.None));
    }

    [Fact]
    public async Task A_malformed_arrow_batch_is_refused_and_nothing_reaches_the_channel()
    {
        // emit_batch of 64 bytes of the guest's data segment (one piece, its entry at 512):
        // not Arrow IPC.
        var start = $"""
            (i32.store (i32.const 512) (i32.const 0))
            (i32.store (i32.const 516) (i32.const 64))
            (if (i64.ne (call $emit (i32.const 512) (i32.const 1)) (i64.const -7)) (then {WatGuests.SetUnexpected}))
            (i32.const 0)
            """;
        await AssertRefusedAsync(start);
    }

    [Fact]
    public async Task A_batch_of_no_pieces_is_refused_as_no_arrow_and_nothing_reaches_the_channel()
    {
        var start = $"""
            (if (i64.ne (call $emit (i32.const 512) (i32.const 0)) (i64.const -7)) (then {WatGuests.SetUnexpected}))
            (i32.const 0)
            """;
        await AssertRefusedAsync(start);
    }

    [Fact]
    public async Task A_batch_emitted_in_pieces_arrives_joined()
    {
        var ipc = ArrowSample.ToIpc(ArrowSample.Build());
        Assert.InRange(ipc.Length, 16, 16_384);
        var half = ipc.Length / 2;
        // The halves far apart in the guest's memory; the piece table at 512 names them in order.
        var start = $"""
            (i32.store (i32.const 512) (i32.const 8192))
            (i32.store (i32.const 516) (i32.const {half}))
            (i32.store (i32.const 520) (i32.const 32768))
            (i32.store (i32.const 524) (i32.const {ipc.Length - half}))
            (if (i64.ne (call $emit (i32.const 512) (i32.const 2)) (i64.const 0)) (then {WatGuests.SetUnexpected}))
            (i32.const 0)
            """;
        var data = $"""
            (data (i32.const 8192) "{Escaped(ipc.AsSpan(0, half))}")
            (data (i32.const 32768) "{Escaped(ipc.AsSpan(half))}")
            """;
        using var instance = Instance(WatGuests.Module(start,
            imports: """(import "rapidbyte" "emit_batch" (func $emit (param i32 i32) (result i64)))""",
            extraExports: data));
        var channel = new BatchChannel();

        var output = await instance.RunAsync(ConnectorOperation.Read, "{}", new ConnectorRunContext { Output = channel });

        Assert.Equal("\"ok\"", output);
        Assert.Equal(BatchReadStatus.Batch, channel.TryRead(out var batch, out _));
        using (batch)
        {
            Assert.Equal(ipc, batch!.Memory.ToArray());
        }
    }

    [Fact]
    public async Task A_batch_in_more_pieces_than_the_host_takes_is_refused()
    {
        var start = $"""
            (if (i64.ne (call $emit (i32.const 0) (i32.const 65537)) (i64.const -3)) (then {WatGuests.SetUnexpected}))
            (i32.const 0)
            """;
        await AssertRefusedAsync(start);
    }

    /// <summary>
    /// Runs a read whose guest does <paramref name="start"/> (which checks what <c>emit_batch</c>
    /// answered): the read ends as the guest says, and no batch reached the channel.
    /// </summary>
    private async Task AssertRefusedAsync(string start)
    {
        using var instance = Instance(WatGuests.Module(start,
            imports: """(import "rapidbyte" "emit_batch" (func $emit (param i32 i32) (result i64)))"""));
        var channel = new BatchChannel();

        var output = await instance.RunAsync(ConnectorOperation.Read, "{}", new ConnectorRunContext { Output = channel });

        Assert.Equal("\"ok\"", output);
        Assert.Equal(0, channel.BatchesWritten);
    }

    /// <summary>Bytes as a WAT string's escapes.</summary>
    private static string Escaped(ReadOnlySpan<byte> bytes)
    {
        var text = new System.Text.StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            text.Append('\\').Append(b.ToString("x2"));
        }
        return text.ToString();
    }

    [Fact]
    public async Task Emitting_outside_a_read_is_denied()
    {
        var start = $"""
            (if (i64.ne (call $emit (i32.const 0) (i32.const 8)) (i64.const -4)) (then {WatGuests.SetUnexpected}))
            (i32.const 0)
            """;
        using var instance = Instance(WatGuests.Module(start,
            imports: """(import "rapidbyte" "emit_batch" (func $emit (param i32 i32) (result i64)))"""));

        Assert.Equal("\"ok\"", await instance.RunAsync(ConnectorOperation.Check, "{}", ConnectorRunContext.None));
    }

    [Fact]
    public async Task A_trap_kills_only_its_instance_and_later_operations_report_it()
    {
        using var instance = Instance(WatGuests.Module("(unreachable)"));

        var first = await Assert.ThrowsAsync<ConnectorException>(() => instance.RunAsync(ConnectorOperation.Close, "{}", ConnectorRunContext.None));
        var second = await Assert.ThrowsAsync<ConnectorException>(() => instance.RunAsync(ConnectorOperation.Close, "{}", ConnectorRunContext.None));

        Assert.Equal(ConnectorFault.Trap, first.Fault);
        Assert.Same(first, second);
        using var healthy = Instance(WatGuests.Module("(i32.const 0)"));
        Assert.Equal("\"ok\"", await healthy.RunAsync(ConnectorOperation.Close, "{}", ConnectorRunContext.None));
    }

    private ConnectorInstance Instance(byte[] wasm) =>
        fixture.Runtime.CreateInstance(fixture.Runtime.LoadModule("wat-guest", wasm));
}
