using System.Buffers.Binary;
using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;

namespace Rapidbyte.Runtime.Tests;

/// <summary>
/// The batch both sides of the Arrow interop tests agree on: every type the guest SDK
/// supports, extreme values, and a row of nulls. connectors/test-connector's
/// <c>arrow_sample</c> scenario builds the same rows with the Rust SDK.
/// </summary>
internal static class ArrowSample
{
    public const int Rows = 5;

    private static readonly Int128 MaxDecimal38 = Int128.Parse("99999999999999999999999999999999999999", CultureInfo.InvariantCulture);

    public static RecordBatch Build()
    {
        var schema = new Schema.Builder()
            .Field(f => f.Name("b").DataType(BooleanType.Default).Nullable(true))
            .Field(f => f.Name("i16").DataType(Int16Type.Default).Nullable(true))
            .Field(f => f.Name("i32").DataType(Int32Type.Default).Nullable(true))
            .Field(f => f.Name("i64").DataType(Int64Type.Default).Nullable(true))
            .Field(f => f.Name("f32").DataType(FloatType.Default).Nullable(true))
            .Field(f => f.Name("f64").DataType(DoubleType.Default).Nullable(true))
            .Field(f => f.Name("s").DataType(StringType.Default).Nullable(true))
            .Field(f => f.Name("bin").DataType(BinaryType.Default).Nullable(true))
            .Field(f => f.Name("d").DataType(Date32Type.Default).Nullable(true))
            .Field(f => f.Name("ts").DataType(new TimestampType(TimeUnit.Microsecond, (string?)null)).Nullable(true))
            .Field(f => f.Name("tstz").DataType(new TimestampType(TimeUnit.Microsecond, "UTC")).Nullable(true))
            .Field(f => f.Name("dec").DataType(new Decimal128Type(38, 4)).Nullable(true))
            .Build();

        // Row 2 is null in every column.
        var columns = new IArrowArray[]
        {
            new BooleanArray.Builder().Append(true).Append(false).AppendNull().Append(true).Append(false).Build(),
            new Int16Array.Builder().Append(short.MinValue).Append(short.MaxValue).AppendNull().Append(0).Append(-1).Build(),
            new Int32Array.Builder().Append(int.MinValue).Append(int.MaxValue).AppendNull().Append(0).Append(-1).Build(),
            new Int64Array.Builder().Append(long.MinValue).Append(long.MaxValue).AppendNull().Append(0).Append(-1).Build(),
            new FloatArray.Builder().Append(float.MinValue).Append(float.PositiveInfinity).AppendNull().Append(-0.0f).Append(1.5f).Build(),
            new DoubleArray.Builder().Append(double.NaN).Append(double.NegativeInfinity).AppendNull().Append(0.0).Append(2.718281828459045).Build(),
            new StringArray.Builder().Append("").Append("héllo, 世界 🚀").AppendNull().Append("tab\tnewline\nquote\"backslash\\").Append("x").Build(),
            new BinaryArray.Builder().Append(ReadOnlySpan<byte>.Empty).Append([0, 1, 2, 255]).AppendNull().Append(new byte[1000]).Append([7]).Build(),
            FixedWidth(Date32Type.Default, 4, [-719162, 2932896, null, 0, 19000], (span, v) => BinaryPrimitives.WriteInt32LittleEndian(span, (int)v)),
            Timestamps(null),
            Timestamps("UTC"),
            FixedWidth(new Decimal128Type(38, 4), 16, [-MaxDecimal38, MaxDecimal38, null, Int128.Zero, (Int128)123456789],
                (span, v) => BinaryPrimitives.WriteInt128LittleEndian(span, (Int128)v)),
        };
        return new RecordBatch(schema, columns, Rows);
    }

    /// <summary>The batch as one Arrow IPC stream (schema, one batch, end marker).</summary>
    public static byte[] ToIpc(RecordBatch batch)
    {
        using var buffer = new MemoryStream();
        using (var writer = new ArrowStreamWriter(buffer, batch.Schema))
        {
            writer.WriteRecordBatch(batch);
            writer.WriteEnd();
        }
        return buffer.ToArray();
    }

    public static RecordBatch FromIpc(byte[] ipc)
    {
        using var reader = new ArrowStreamReader(new MemoryStream(ipc));
        return reader.ReadNextRecordBatch() ?? throw new InvalidDataException("no record batch in the IPC stream");
    }

    /// <summary>Asserts the two batches have the same schema and the same value in every cell, bit for bit.</summary>
    public static void AssertSame(RecordBatch expected, RecordBatch actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(Describe(expected.Schema), Describe(actual.Schema));
        for (var column = 0; column < expected.ColumnCount; column++)
        {
            var name = expected.Schema.GetFieldByIndex(column).Name;
            for (var row = 0; row < expected.Length; row++)
            {
                Assert.True(Cell(expected.Column(column), row) == Cell(actual.Column(column), row),
                    $"column {name}, row {row}: expected {Cell(expected.Column(column), row)}, got {Cell(actual.Column(column), row)}");
            }
        }
    }

    private static IEnumerable<string> Describe(Schema schema) =>
        schema.FieldsList.Select(f => $"{f.Name}:{Describe(f.DataType)}:{(f.IsNullable ? "null" : "not null")}");

    private static string Describe(IArrowType type) => type switch
    {
        TimestampType t => $"timestamp[{t.Unit},{t.Timezone ?? "none"}]",
        Decimal128Type d => $"decimal128({d.Precision},{d.Scale})",
        _ => type.Name,
    };

    // A cell as text that is equal exactly when the values are bit-identical (NaN, -0.0 included).
    private static string Cell(IArrowArray array, int row)
    {
        if (array.IsNull(row))
        {
            return "null";
        }
        return array switch
        {
            BooleanArray a => a.GetValue(row)!.Value ? "true" : "false",
            Int16Array a => a.GetValue(row)!.Value.ToString(CultureInfo.InvariantCulture),
            Int32Array a => a.GetValue(row)!.Value.ToString(CultureInfo.InvariantCulture),
            Int64Array a => a.GetValue(row)!.Value.ToString(CultureInfo.InvariantCulture),
            FloatArray a => "f32:" + BitConverter.SingleToInt32Bits(a.GetValue(row)!.Value).ToString("x8", CultureInfo.InvariantCulture),
            DoubleArray a => "f64:" + BitConverter.DoubleToInt64Bits(a.GetValue(row)!.Value).ToString("x16", CultureInfo.InvariantCulture),
            StringArray a => "s:" + a.GetString(row),
            BinaryArray a => "x:" + Convert.ToHexString(a.GetBytes(row)),
            Date32Array a => "d:" + BinaryPrimitives.ReadInt32LittleEndian(a.ValueBuffer.Span[(row * 4)..]).ToString(CultureInfo.InvariantCulture),
            TimestampArray a => "t:" + BinaryPrimitives.ReadInt64LittleEndian(a.ValueBuffer.Span[(row * 8)..]).ToString(CultureInfo.InvariantCulture),
            Decimal128Array a => "dec:" + BinaryPrimitives.ReadInt128LittleEndian(a.ValueBuffer.Span[(row * 16)..]).ToString(CultureInfo.InvariantCulture),
            _ => throw new NotSupportedException(array.GetType().Name),
        };
    }

    private static IArrowArray Timestamps(string? timezone) =>
        FixedWidth(new TimestampType(TimeUnit.Microsecond, timezone), 8,
            [-62135596800000000L, 253402300799999999L, null, 0L, 1641038400123456L],
            (span, v) => BinaryPrimitives.WriteInt64LittleEndian(span, (long)v));

    private static IArrowArray FixedWidth(IArrowType type, int width, object?[] values, Action<Span<byte>, object> write)
    {
        var data = new byte[values.Length * width];
        var validity = new byte[(values.Length + 7) / 8];
        var nulls = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } value)
            {
                write(data.AsSpan(i * width, width), value);
                validity[i / 8] |= (byte)(1 << (i % 8));
            }
            else
            {
                nulls++;
            }
        }
        var arrayData = new ArrayData(type, values.Length, nulls, 0, [new ArrowBuffer(validity), new ArrowBuffer(data)]);
        return ArrowArrayFactory.BuildArray(arrayData);
    }
}
