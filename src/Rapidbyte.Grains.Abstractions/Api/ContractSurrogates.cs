using Rapidbyte.Contracts;

namespace Rapidbyte.Grains.Api;

// The connector contract's types cross the cluster as they are: Rapidbyte.Contracts has no
// dependencies, so its types are carried by these surrogates (Orleans' way for types it does
// not own).

[GenerateSerializer, Alias("rapidbyte.stream-schema")]
internal struct StreamSchemaSurrogate
{
    [Id(0)] public string Name;
    [Id(1)] public List<ColumnSchema> Columns;
    [Id(2)] public List<string> PrimaryKey;
}

[RegisterConverter]
internal sealed class StreamSchemaConverter : IConverter<StreamSchema, StreamSchemaSurrogate>
{
    public StreamSchema ConvertFromSurrogate(in StreamSchemaSurrogate surrogate) => new(surrogate.Name, surrogate.Columns, surrogate.PrimaryKey);

    public StreamSchemaSurrogate ConvertToSurrogate(in StreamSchema value) =>
        new() { Name = value.Name, Columns = [.. value.Columns], PrimaryKey = [.. value.PrimaryKey] };
}

[GenerateSerializer, Alias("rapidbyte.column-schema")]
internal struct ColumnSchemaSurrogate
{
    [Id(0)] public string Name;
    [Id(1)] public string NativeType;
    [Id(2)] public string ArrowType;
    [Id(3)] public bool Nullable;
    [Id(4)] public string? NativeEncoding;
}

[RegisterConverter]
internal sealed class ColumnSchemaConverter : IConverter<ColumnSchema, ColumnSchemaSurrogate>
{
    public ColumnSchema ConvertFromSurrogate(in ColumnSchemaSurrogate surrogate) => new(surrogate.Name, surrogate.NativeType, surrogate.ArrowType, surrogate.Nullable, surrogate.NativeEncoding);

    public ColumnSchemaSurrogate ConvertToSurrogate(in ColumnSchema value) =>
        new() { Name = value.Name, NativeType = value.NativeType, ArrowType = value.ArrowType, Nullable = value.Nullable, NativeEncoding = value.NativeEncoding };
}
