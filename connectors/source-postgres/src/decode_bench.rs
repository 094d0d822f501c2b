//! Decode throughput, measured and kept out of the timing-free tests. Natively:
//!
//! ```text
//! cd connectors && RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc /usr/bin/cargo test --release \
//!   -p source-postgres --target x86_64-unknown-linux-gnu -- --ignored --nocapture --test-threads 1 decode_throughput
//! ```
//!
//! (or `--target wasm32-wasi --no-run` and any WASI runner, for the guest's own code).
//! 1M rows of the 16-column "firenibble" shape the benchmarks use (3 bigint, 1 int,
//! 4 float8, 5 varchar(32), 3 dates) as PostgreSQL sends them: one CopyData message per
//! row, the header with the first. Decoded into Arrow batches of 10,000 rows (the default)
//! and finished into IPC streams, as `read` does.

use crate::decode::{CopyDecoder, Decode, FieldPlan, Limits, Progress};
use rapidbyte_postgres::bench_data::hex32;
use rapidbyte_postgres::types::BinaryFormat;
use rapidbyte_postgres::wire::COPY_SIGNATURE;
use rapidbyte_sdk::arrow::{BatchBuilder, DataType, Field, Schema};
use std::time::Instant;

/// One stream of this many rows, decoded `REPEAT` times a round: 1M rows without holding
/// 300 MB of COPY bytes.
const STREAM_ROWS: usize = 100_000;
const REPEAT: usize = 10;
const BATCH_ROWS: usize = 10_000;

fn columns() -> Vec<(BinaryFormat, DataType)> {
    let mut columns = vec![(BinaryFormat::Int8, DataType::Int64); 3];
    columns.push((BinaryFormat::Int4, DataType::Int32));
    columns.extend(vec![(BinaryFormat::Float8, DataType::Float64); 4]);
    columns.extend(vec![(BinaryFormat::Text, DataType::Utf8); 2]);
    columns.extend(vec![(BinaryFormat::Date, DataType::Date32); 3]);
    columns.extend(vec![(BinaryFormat::Text, DataType::Utf8); 3]);
    columns
}

/// The COPY stream and where each CopyData message (one row; the header rides with the
/// first, the trailer alone) ends.
fn firenibble_stream() -> (Vec<u8>, Vec<usize>) {
    let mut stream = Vec::new();
    stream.extend_from_slice(COPY_SIGNATURE);
    stream.extend_from_slice(&0i32.to_be_bytes());
    stream.extend_from_slice(&0i32.to_be_bytes());
    let mut ends = Vec::with_capacity(STREAM_ROWS + 1);
    let field = |stream: &mut Vec<u8>, bytes: &[u8]| {
        stream.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        stream.extend_from_slice(bytes);
    };
    for i in 1..=STREAM_ROWS as i64 {
        stream.extend_from_slice(&16i16.to_be_bytes());
        field(&mut stream, &i.to_be_bytes());
        field(&mut stream, &(i * 31).to_be_bytes());
        field(&mut stream, &(i * 17).to_be_bytes());
        field(&mut stream, &((i % 2_147_483_647) as i32).to_be_bytes());
        field(&mut stream, &(i as f64 * 0.5).to_be_bytes());
        field(&mut stream, &(i as f64 * 1.25).to_be_bytes());
        field(&mut stream, &(i as f64).sqrt().to_be_bytes());
        field(&mut stream, &(1.0 / i as f64).to_be_bytes());
        field(&mut stream, hex32(i as u64).as_bytes());
        field(&mut stream, hex32(i as u64 + 1).as_bytes());
        field(&mut stream, &((i % 20_000) as i32).to_be_bytes());
        field(&mut stream, &(-2_500 + (i % 7_000) as i32).to_be_bytes());
        field(&mut stream, &(7_364 - (i % 3_000) as i32).to_be_bytes());
        field(&mut stream, hex32(i as u64 + 2).as_bytes());
        field(&mut stream, hex32(i as u64 + 3).as_bytes());
        field(&mut stream, hex32(i as u64 + 4).as_bytes());
        ends.push(stream.len());
    }
    stream.extend_from_slice(&(-1i16).to_be_bytes());
    ends.push(stream.len());
    (stream, ends)
}

#[test]
#[ignore]
fn decode_throughput() {
    let columns = columns();
    let schema = Schema::new(
        columns
            .iter()
            .enumerate()
            .map(|(i, (_, data_type))| Field::new(format!("f{}", i), data_type.clone(), i != 0))
            .collect(),
    );
    let fields: Vec<FieldPlan> = columns
        .iter()
        .enumerate()
        .map(|(i, (format, _))| FieldPlan {
            decode: Decode::Value(*format),
            column: i,
            name: format!("f{}", i),
            native_type: String::new(),
        })
        .collect();
    let limits = Limits {
        max_rows: BATCH_ROWS,
        max_bytes: 8 << 20,
    };
    let (stream, ends) = firenibble_stream();
    let mut builder = BatchBuilder::new(schema);
    for round in 0..5 {
        let started = Instant::now();
        let (mut rows, mut ipc_bytes) = (0u64, 0usize);
        for _ in 0..REPEAT {
            let mut decoder = CopyDecoder::new(fields.clone(), false);
            let mut start = 0;
            for &end in &ends {
                let mut input = &stream[start..end];
                start = end;
                loop {
                    match decoder.decode(&mut input, &mut builder, limits).unwrap() {
                        Progress::NeedInput | Progress::Finished => break,
                        Progress::BatchFull => {
                            ipc_bytes += builder.finish().unwrap().len();
                            decoder.start_batch();
                        }
                    }
                }
            }
            decoder.finish().unwrap();
            if builder.rows() > 0 {
                ipc_bytes += builder.finish().unwrap().len();
            }
            rows += decoder.rows();
        }
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(rows, (STREAM_ROWS * REPEAT) as u64);
        println!(
            "firenibble round {}: {} rows in {:.3} s = {:.2} M rows/s; COPY in {:.0} MiB = {:.0} MiB/s; Arrow IPC out {:.0} MiB",
            round,
            rows,
            seconds,
            rows as f64 / seconds / 1e6,
            (stream.len() * REPEAT) as f64 / 1_048_576.0,
            (stream.len() * REPEAT) as f64 / 1_048_576.0 / seconds,
            ipc_bytes as f64 / 1_048_576.0,
        );
    }
}
