using Microsoft.Extensions.Logging;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.Network;
using Rapidbyte.Runtime.State;
using Wasmtime;

namespace Rapidbyte.Runtime.Instances;

/// <summary>
/// Everything the host imports of one instance act on, reached from an import through the
/// Store's data. Touched only by the thread running the instance's current slice (slices of
/// one instance never overlap), except <see cref="Cancelled"/> and the guest output capture.
/// </summary>
internal sealed class InstanceContext : IDisposable
{
    public InstanceContext(string connector, ConnectorInstanceOptions options, EgressPolicy egress, ILogger logger)
    {
        Connector = connector;
        Network = options.Network;
        Egress = egress;
        State = options.State;
        ConnectTimeout = options.ConnectTimeout;
        Logger = logger;
    }

    public string Connector { get; }

    public NetworkPolicy Network { get; }

    /// <summary>The silo operator's policy, checked on the addresses of every connect after <see cref="Network"/>.</summary>
    public EgressPolicy Egress { get; }

    public IConnectorStateStore State { get; }

    public TimeSpan ConnectTimeout { get; }

    public ILogger Logger { get; }

    public ConnectorMetrics Metrics { get; } = new();

    public HandleTable Handles { get; } = new();

    public ResultSlot Result { get; } = new();

    /// <summary>Set once the instance is instantiated; imports run only after that.</summary>
    public Memory Memory { get; set; } = null!;

    // ---- the running operation
    public ConnectorOperation? Operation { get; private set; }

    /// <summary>Where a <c>read</c> emits batches.</summary>
    public BatchChannel? Output { get; private set; }

    /// <summary>Where a <c>write</c> takes batches from.</summary>
    public BatchChannel? Input { get; private set; }

    public Action<ConnectorCheckpoint>? OnCheckpoint { get; private set; }

    /// <summary>Answers a <c>write</c>'s <c>source-checkpoint</c>.</summary>
    public Func<long, string?>? SourceCheckpoint { get; private set; }

    public long OperationBatches { get; set; }

    /// <summary>Rows in the batches of <see cref="OperationBatches"/>.</summary>
    public long OperationRows { get; set; }

    public bool ChannelReadInterest { get; set; }

    public bool ChannelWriteInterest { get; set; }

    /// <summary>The guest asked whether it is cancelled, so it waits on handle 1 too.</summary>
    public bool CancellationInterest { get; set; }

    private volatile bool _cancelled;

    public bool Cancelled
    {
        get => _cancelled;
        set => _cancelled = value;
    }

    // ---- what the guest said before a trap, to explain it
    public string? PanicMessage { get; set; }

    public bool AllocationFailed { get; set; }

    public void BeginOperation(ConnectorOperation operation, ConnectorRunContext run)
    {
        Operation = operation;
        Output = run.Output;
        Input = run.Input;
        OnCheckpoint = run.OnCheckpoint;
        SourceCheckpoint = run.SourceCheckpoint;
        OperationBatches = 0;
        OperationRows = 0;
        ChannelReadInterest = ChannelWriteInterest = CancellationInterest = false;
        _cancelled = false;
    }

    public void EndOperation()
    {
        Operation = null;
        Output = Input = null;
        OnCheckpoint = null;
        SourceCheckpoint = null;
        Result.Clear();
    }

    /// <summary>Leaves <paramref name="message"/> in the result slot and returns <paramref name="code"/>.</summary>
    public long Fail(long code, string message)
    {
        Result.SetMessage(message);
        return code;
    }

    public void Dispose()
    {
        Handles.Dispose();
        Result.Dispose();
    }
}
