//! Arrow batches across the host: a batch of edge values in every supported type
//! (`sample`), and a destination that rebuilds what it receives (`echo`). The host's
//! tests compare both with Apache.Arrow, value by value.

use rapidbyte_sdk::arrow::{BatchBuilder, DataType, Field, IpcBatch, Schema};
use rapidbyte_sdk::protocol::StreamSummary;
use rapidbyte_sdk::{emit_batch, next_batch, state_put, ConnectorError};

/// Emits one batch of whole rows in `postgresql-binary-rows`: the field a PostgreSQL source
/// would send, its columns described by `columns`, its values `rows` (hex) as they are.
pub(super) async fn whole_rows(
    columns: &str,
    rows: &[String],
) -> Result<StreamSummary, ConnectorError> {
    let field = Field::new("rapidbyte.row", DataType::Binary, false)
        .with_metadata("rapidbyte.native_encoding", "postgresql-binary-rows")
        .with_metadata("rapidbyte.row_columns", columns);
    let mut builder = BatchBuilder::new(Schema::new(vec![field]));
    for row in rows {
        let bytes = (0..row.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(row.get(at..at + 2).unwrap_or("zz"), 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| ConnectorError::config(format!("row {:?} is not hex", row)))?;
        builder.append_bytes(0, &bytes);
    }
    let ipc = builder
        .finish()
        .map_err(|e| ConnectorError::internal(format!("whole rows batch: {}", e)))?;
    emit_batch(&[&ipc]).await?;
    Ok(StreamSummary {
        rows: rows.len() as u64,
        bytes: ipc.len() as u64,
        batches: 1,
    })
}

/// One row of the sample batch; a NULL row is `None`.
struct SampleRow {
    b: bool,
    i16: i16,
    i32: i32,
    i64: i64,
    f32: f32,
    f64: f64,
    s: &'static str,
    bin: &'static [u8],
    d: i32,
    ts: i64,
    tstz: i64,
    dec: i128,
}

/// NaN as .NET's `double.NaN` is, bit for bit (sign bit set; Rust's `f64::NAN` has it
/// clear): the host's interop test compares floats by their bits.
const DOTNET_NAN_BITS: u64 = 0xFFF8_0000_0000_0000;

/// The largest magnitude decimal128(38, _) holds: 38 nines.
const DECIMAL38_MAX: i128 = 99_999_999_999_999_999_999_999_999_999_999_999_999;

/// Emits one batch of five rows (extremes, an all-NULL row, awkward text); the values are
/// asserted exactly by the host's tests, so they must not change.
pub(super) async fn sample() -> Result<StreamSummary, ConnectorError> {
    let mut builder = BatchBuilder::new(sample_schema());
    let rows = [
        Some(SampleRow {
            b: true,
            i16: i16::MIN,
            i32: i32::MIN,
            i64: i64::MIN,
            f32: f32::MIN,
            f64: f64::from_bits(DOTNET_NAN_BITS),
            s: "",
            bin: &[],
            d: -719_162,                 // 0001-01-01
            ts: -62_135_596_800_000_000, // 0001-01-01T00:00:00
            tstz: -62_135_596_800_000_000,
            dec: -DECIMAL38_MAX,
        }),
        Some(SampleRow {
            b: false,
            i16: i16::MAX,
            i32: i32::MAX,
            i64: i64::MAX,
            f32: f32::INFINITY,
            f64: f64::NEG_INFINITY,
            s: "héllo, 世界 🚀",
            bin: &[0, 1, 2, 255],
            d: 2_932_896,                // 9999-12-31
            ts: 253_402_300_799_999_999, // 9999-12-31T23:59:59.999999
            tstz: 253_402_300_799_999_999,
            dec: DECIMAL38_MAX,
        }),
        None,
        Some(SampleRow {
            b: true,
            i16: 0,
            i32: 0,
            i64: 0,
            f32: -0.0,
            f64: 0.0,
            s: "tab\tnewline\nquote\"backslash\\",
            bin: &[0; 1000],
            d: 0,
            ts: 0,
            tstz: 0,
            dec: 0,
        }),
        Some(SampleRow {
            b: false,
            i16: -1,
            i32: -1,
            i64: -1,
            f32: 1.5,
            f64: 2.718281828459045,
            s: "x",
            bin: &[7],
            d: 19_000,
            ts: 1_641_038_400_123_456,
            tstz: 1_641_038_400_123_456,
            dec: 123_456_789, // 12345.6789
        }),
    ];
    for row in &rows {
        append_sample_row(&mut builder, row.as_ref());
    }
    let ipc = builder
        .finish()
        .map_err(|e| ConnectorError::internal(format!("sample batch: {}", e)))?;
    emit_batch(&[&ipc]).await?;
    Ok(StreamSummary {
        rows: rows.len() as u64,
        bytes: ipc.len() as u64,
        batches: 1,
    })
}

fn sample_schema() -> Schema {
    let column = |name: &str, data_type| Field::new(name, data_type, true);
    Schema::new(vec![
        column("b", DataType::Boolean),
        column("i16", DataType::Int16),
        column("i32", DataType::Int32),
        column("i64", DataType::Int64),
        column("f32", DataType::Float32),
        column("f64", DataType::Float64),
        column("s", DataType::Utf8),
        column("bin", DataType::Binary),
        column("d", DataType::Date32),
        column("ts", DataType::Timestamp { timezone: None }),
        column(
            "tstz",
            DataType::Timestamp {
                timezone: Some("UTC".into()),
            },
        ),
        column(
            "dec",
            DataType::Decimal128 {
                precision: 38,
                scale: 4,
            },
        ),
    ])
}

fn append_sample_row(builder: &mut BatchBuilder, row: Option<&SampleRow>) {
    let row = match row {
        Some(row) => row,
        None => {
            for column in 0..builder.schema().fields.len() {
                builder.append_null(column);
            }
            return;
        }
    };
    builder.append_bool(0, row.b);
    builder.append_i16(1, row.i16);
    builder.append_i32(2, row.i32);
    builder.append_i64(3, row.i64);
    builder.append_f32(4, row.f32);
    builder.append_f64(5, row.f64);
    builder.append_str(6, row.s);
    builder.append_bytes(7, row.bin);
    builder.append_date32(8, row.d);
    builder.append_timestamp_micros(9, row.ts);
    builder.append_timestamp_micros(10, row.tstz);
    builder.append_decimal128(11, row.dec);
}

/// Takes every batch, rebuilds it value by value with a builder of the same schema and
/// stores the result as state `echo-{i}`, so the host can compare what went in with what
/// the SDK's reader and writer made of it.
pub(super) async fn echo() -> Result<StreamSummary, ConnectorError> {
    let mut summary = StreamSummary::default();
    while let Some(ipc) = next_batch().await? {
        let batch = IpcBatch::parse(&ipc).map_err(|e| ConnectorError::data(e.to_string()))?;
        state_put(&format!("echo-{}", summary.batches), &rebuild(&batch)?)?;
        summary.rows += batch.num_rows() as u64;
        summary.bytes += ipc.len() as u64;
        summary.batches += 1;
    }
    Ok(summary)
}

fn rebuild(batch: &IpcBatch<'_>) -> Result<Vec<u8>, ConnectorError> {
    let mut builder = BatchBuilder::new(batch.schema().clone());
    for (index, (field, column)) in batch
        .schema()
        .fields
        .iter()
        .zip(batch.columns())
        .enumerate()
    {
        for row in 0..batch.num_rows() {
            if column.is_null(row) {
                builder.append_null(index);
                continue;
            }
            match field.data_type {
                DataType::Boolean => builder.append_bool(index, column.bool(row)),
                DataType::Int16 => builder.append_i16(index, column.i16(row)),
                DataType::Int32 => builder.append_i32(index, column.i32(row)),
                DataType::Int64 => builder.append_i64(index, column.i64(row)),
                DataType::Float32 => builder.append_f32(index, column.f32(row)),
                DataType::Float64 => builder.append_f64(index, column.f64(row)),
                DataType::Utf8 => builder.append_str(index, column.str(row)),
                DataType::Binary => builder.append_bytes(index, column.bytes(row)),
                DataType::Date32 => builder.append_date32(index, column.date32(row)),
                DataType::Timestamp { .. } => {
                    builder.append_timestamp_micros(index, column.timestamp_micros(row))
                }
                DataType::Decimal128 { .. } => {
                    builder.append_decimal128(index, column.decimal128(row))
                }
                DataType::Time64Microsecond => {
                    builder.append_time64_micros(index, column.time64_micros(row))
                }
                DataType::IntervalMonthDayNano => {
                    let (months, days, nanos) = column.interval_mdn(row);
                    builder.append_interval_mdn(index, months, days, nanos)
                }
                DataType::FixedSizeBinary(_) => {
                    builder.append_fixed_bytes(index, column.fixed_bytes(row))
                }
            }
        }
    }
    builder
        .finish()
        .map_err(|e| ConnectorError::data(format!("rebuilding the batch: {}", e)))
}
