//! Encode throughput, measured natively and kept out of the timing-free tests:
//!
//! ```text
//! cd connectors && RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc /usr/bin/cargo test --release \
//!   -p dest-postgres --target x86_64-unknown-linux-gnu -- --ignored --nocapture --test-threads 1 encode_throughput
//! ```
//!
//! 1M rows of the 16-column "firenibble" shape the benchmarks use (3 bigint, 1 int,
//! 4 float8, 5 varchar(32) of md5-like text, 3 dates), in batches of 10,000 rows as the
//! source emits them, encoded into binary COPY and handed out in ~1 MiB chunks.

use crate::encode::{put_header, put_trailer, CopyEncoder, Encoding};
use bytes::BytesMut;
use rapidbyte_postgres::bench_data::hex32;
use rapidbyte_sdk::arrow::{BatchBuilder, DataType, Field, IpcBatch, Schema};
use std::time::Instant;

const ROWS: usize = 1_000_000;
const BATCH_ROWS: usize = 10_000;
const CHUNK: usize = 1 << 20;

fn firenibble_batches() -> Vec<Vec<u8>> {
    let mut fields = Vec::new();
    for i in 0..3 {
        fields.push(Field::new(format!("f{}", i), DataType::Int64, i != 0));
    }
    fields.push(Field::new("f3", DataType::Int32, true));
    for i in 4..8 {
        fields.push(Field::new(format!("f{}", i), DataType::Float64, true));
    }
    for i in 8..10 {
        fields.push(Field::new(format!("f{}", i), DataType::Utf8, true));
    }
    for i in 10..13 {
        fields.push(Field::new(format!("f{}", i), DataType::Date32, true));
    }
    for i in 13..16 {
        fields.push(Field::new(format!("f{}", i), DataType::Utf8, true));
    }
    let mut builder = BatchBuilder::new(Schema::new(fields));
    let mut batches = Vec::new();
    for i in 1..=ROWS as i64 {
        builder.append_i64(0, i);
        builder.append_i64(1, i * 31);
        builder.append_i64(2, i * 17);
        builder.append_i32(3, (i % 2_147_483_647) as i32);
        builder.append_f64(4, i as f64 * 0.5);
        builder.append_f64(5, i as f64 * 1.25);
        builder.append_f64(6, (i as f64).sqrt());
        builder.append_f64(7, 1.0 / i as f64);
        builder.append_str(8, &hex32(i as u64));
        builder.append_str(9, &hex32(i as u64 + 1));
        builder.append_date32(10, 10_957 + (i % 20_000) as i32);
        builder.append_date32(11, 7_470 + (i % 7_000) as i32);
        builder.append_date32(12, 18_321 - (i % 3_000) as i32);
        builder.append_str(13, &hex32(i as u64 + 2));
        builder.append_str(14, &hex32(i as u64 + 3));
        builder.append_str(15, &hex32(i as u64 + 4));
        if builder.rows() == BATCH_ROWS {
            batches.push(builder.finish().unwrap());
        }
    }
    batches
}

/// Encodes every batch like the writer does (parse, encode, hand out ~1 MiB chunks) and
/// prints the rate; five rounds (the first pays for page faults).
fn measure(shape: &str, batches: &[Vec<u8>], encodings: &[Encoding]) {
    let ipc_bytes: usize = batches.iter().map(Vec::len).sum();
    for round in 0..5 {
        let mut encoder = CopyEncoder::new(encodings.to_vec());
        let mut buf = BytesMut::with_capacity(2 * CHUNK);
        let mut copy_bytes = 0usize;
        let started = Instant::now();
        put_header(&mut buf);
        for ipc in batches {
            // Parsing (validation) is part of what the destination does per batch.
            let batch = IpcBatch::parse(ipc).unwrap();
            let mut row = 0;
            while row < batch.num_rows() {
                row = encoder.encode(&batch, row, &mut buf, CHUNK).unwrap();
                if buf.len() >= CHUNK {
                    // What the writer does: hand the chunk to the COPY sink (which copies
                    // it into its frame), keep the buffer.
                    let chunk = buf.split().freeze();
                    copy_bytes += chunk.len();
                    drop(chunk);
                    if buf.capacity() < CHUNK {
                        buf.reserve(2 * CHUNK);
                    }
                }
            }
        }
        put_trailer(&mut buf);
        copy_bytes += buf.len();
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{} round {}: {} rows in {:.3} s = {:.2} M rows/s; COPY out {:.0} MiB = {:.0} MiB/s; Arrow IPC in {:.0} MiB = {:.0} MiB/s",
            shape,
            round,
            ROWS,
            seconds,
            ROWS as f64 / seconds / 1e6,
            copy_bytes as f64 / 1_048_576.0,
            copy_bytes as f64 / 1_048_576.0 / seconds,
            ipc_bytes as f64 / 1_048_576.0,
            ipc_bytes as f64 / 1_048_576.0 / seconds,
        );
    }
}

#[test]
#[ignore]
fn encode_throughput() {
    let batches = firenibble_batches();
    let mut encodings = vec![Encoding::Int64; 3];
    encodings.push(Encoding::Int32);
    encodings.extend([Encoding::Float64; 4]);
    encodings.extend([Encoding::Text; 2]);
    encodings.extend([Encoding::Date; 3]);
    encodings.extend([Encoding::Text; 3]);
    measure("firenibble", &batches, &encodings);
}

/// 16 columns of the other types, a tenth of the values NULL: bool, int2, int4, int8,
/// float4, float8, numeric(12,2), numeric(38,10), text, numeric as text, jsonb, bytea,
/// uuid, date, timestamptz, interval.
#[test]
#[ignore]
fn encode_throughput_all_types() {
    let fields = vec![
        Field::new("bool", DataType::Boolean, true),
        Field::new("i16", DataType::Int16, true),
        Field::new("i32", DataType::Int32, true),
        Field::new("i64", DataType::Int64, true),
        Field::new("f32", DataType::Float32, true),
        Field::new("f64", DataType::Float64, true),
        Field::new(
            "money",
            DataType::Decimal128 {
                precision: 12,
                scale: 2,
            },
            true,
        ),
        Field::new(
            "wide",
            DataType::Decimal128 {
                precision: 38,
                scale: 10,
            },
            true,
        ),
        Field::new("text", DataType::Utf8, true),
        Field::new("numeric_text", DataType::Utf8, true),
        Field::new("jsonb", DataType::Utf8, true),
        Field::new("bytea", DataType::Binary, true),
        Field::new("uuid", DataType::FixedSizeBinary(16), true),
        Field::new("date", DataType::Date32, true),
        Field::new(
            "tstz",
            DataType::Timestamp {
                timezone: Some("UTC".into()),
            },
            true,
        ),
        Field::new("interval", DataType::IntervalMonthDayNano, true),
    ];
    let encodings = vec![
        Encoding::Bool,
        Encoding::Int16,
        Encoding::Int32,
        Encoding::Int64,
        Encoding::Float32,
        Encoding::Float64,
        Encoding::Decimal { scale: 2 },
        Encoding::Decimal { scale: 10 },
        Encoding::Text,
        Encoding::NumericText,
        Encoding::Jsonb,
        Encoding::Bytes,
        Encoding::FixedBytes,
        Encoding::Date,
        Encoding::Timestamp,
        Encoding::Interval,
    ];
    let mut builder = BatchBuilder::new(Schema::new(fields));
    let mut batches = Vec::new();
    for i in 1..=ROWS as i64 {
        if i % 10 == 0 {
            for col in 0..16 {
                builder.append_null(col);
            }
        } else {
            builder.append_bool(0, i % 2 == 0);
            builder.append_i16(1, (i % 30_000) as i16);
            builder.append_i32(2, (i * 7) as i32);
            builder.append_i64(3, i * 1_000_003);
            builder.append_f32(4, i as f32 * 0.25);
            builder.append_f64(5, 1.0 / i as f64);
            builder.append_decimal128(6, i128::from(i) * 37 - 500_000);
            builder.append_decimal128(7, i128::from(i) * 123_456_789_012_345_678_901);
            builder.append_str(8, &format!("customer {}", i));
            builder.append_str(9, &format!("{}.{:03}", i * 13, i % 1000));
            builder.append_str(10, &format!("{{\"id\": {}, \"tags\": [\"a\", \"b\"]}}", i));
            builder.append_bytes(11, &i.to_le_bytes());
            let mut uuid = [0u8; 16];
            uuid[..8].copy_from_slice(&i.to_be_bytes());
            uuid[8..].copy_from_slice(&(i * 31).to_be_bytes());
            builder.append_fixed_bytes(12, &uuid);
            builder.append_date32(13, 10_957 + (i % 20_000) as i32);
            builder.append_timestamp_micros(14, 1_600_000_000_000_000 + i * 1_000_001);
            builder.append_interval_mdn(15, (i % 12) as i32, (i % 30) as i32, i * 1_000);
        }
        if builder.rows() == BATCH_ROWS {
            batches.push(builder.finish().unwrap());
        }
    }
    measure("all types", &batches, &encodings);
}
