//! The decoder on hand-built binary COPY streams: every type, NULLs, extremes, chunk
//! boundaries at every offset, batch limits and malformed streams.

use crate::decode::{CopyDecoder, Decode, FieldPlan, Limits, Progress};
use crate::plan::plan_read;
use rapidbyte_postgres::types::{oid, BinaryFormat, PgType};
use rapidbyte_postgres::wire::{i128_to_numeric, COPY_SIGNATURE};
use rapidbyte_postgres::{PgColumn, PgRelation};
use rapidbyte_sdk::arrow::{BatchBuilder, DataType, IpcBatch, Schema};
use rapidbyte_sdk::protocol::{Limits as StreamLimits, StreamRequest, SyncMode};
use rapidbyte_sdk::ErrorCategory;

/// A binary COPY stream under construction.
struct Copy(Vec<u8>);

impl Copy {
    fn new() -> Copy {
        let mut b = COPY_SIGNATURE.to_vec();
        b.extend_from_slice(&0i32.to_be_bytes());
        b.extend_from_slice(&0i32.to_be_bytes());
        Copy(b)
    }

    fn tuple(&mut self, fields: &[Option<Vec<u8>>]) -> &mut Self {
        self.0
            .extend_from_slice(&(fields.len() as i16).to_be_bytes());
        for f in fields {
            match f {
                None => self.0.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(v) => {
                    self.0.extend_from_slice(&(v.len() as i32).to_be_bytes());
                    self.0.extend_from_slice(v);
                }
            }
        }
        self
    }

    fn end(&mut self) -> Vec<u8> {
        self.0.extend_from_slice(&(-1i16).to_be_bytes());
        std::mem::take(&mut self.0)
    }
}

fn numeric(unscaled: i128, scale: i8) -> Vec<u8> {
    let mut b = Vec::new();
    i128_to_numeric(unscaled, scale, &mut b);
    b
}

fn interval(micros: i64, days: i32, months: i32) -> Vec<u8> {
    let mut b = micros.to_be_bytes().to_vec();
    b.extend_from_slice(&days.to_be_bytes());
    b.extend_from_slice(&months.to_be_bytes());
    b
}

fn col(name: &str, type_oid: u32, format_type: &str) -> PgColumn {
    PgColumn {
        name: name.into(),
        not_null: false,
        generated: false,
        pg_type: PgType::builtin(type_oid, format_type),
    }
}

/// A table with one column of every binary-read type, plus a text-read one.
fn every_type_table() -> PgRelation {
    let numeric_38_10 = PgType {
        typmod: ((38 << 16) | 10) + 4,
        ..PgType::builtin(oid::NUMERIC, "numeric(38,10)")
    };
    PgRelation {
        schema: "public".into(),
        name: "every type".into(),
        kind: 'r',
        columns: vec![
            col("b", oid::BOOL, "boolean"),
            col("i2", oid::INT2, "smallint"),
            col("i4", oid::INT4, "integer"),
            col("i8", oid::INT8, "bigint"),
            col("f4", oid::FLOAT4, "real"),
            col("f8", oid::FLOAT8, "double precision"),
            PgColumn {
                name: "n".into(),
                not_null: false,
                generated: false,
                pg_type: numeric_38_10,
            },
            col("t", oid::TEXT, "text"),
            col("c", oid::CHAR, "\"char\""),
            col("by", oid::BYTEA, "bytea"),
            col("d", oid::DATE, "date"),
            col("tm", oid::TIME, "time without time zone"),
            col("ts", oid::TIMESTAMP, "timestamp without time zone"),
            col("tz", oid::TIMESTAMPTZ, "timestamp with time zone"),
            col("iv", oid::INTERVAL, "interval"),
            col("u", oid::UUID, "uuid"),
            col("j", oid::JSONB, "jsonb"),
        ],
        primary_key: vec![],
        has_children: false,
    }
}

fn full_refresh() -> StreamRequest {
    StreamRequest {
        name: "every type".into(),
        columns: None,
        sync_mode: SyncMode::FullRefresh,
        cursor_field: None,
        cursor: None,
        write_mode: None,
        primary_key: vec![],
        limits: StreamLimits::default(),
        marker: None,
        native_encoding: None,
        parallelism: None,
    }
}

fn some<T: AsRef<[u8]>>(v: T) -> Option<Vec<u8>> {
    Some(v.as_ref().to_vec())
}

const MAX38: i128 = 99_999_999_999_999_999_999_999_999_999_999_999_999;
const UUID: [u8; 16] = [
    0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00,
];

/// Rows: ordinary values; all NULL; extremes; more extremes.
fn every_type_rows() -> Vec<Vec<Option<Vec<u8>>>> {
    let nan_payload = f64::from_bits(0x7ff8_0000_0000_0001);
    vec![
        vec![
            some([1]),
            some(12i16.to_be_bytes()),
            some((-34i32).to_be_bytes()),
            some(5_000_000_000i64.to_be_bytes()),
            some(1.5f32.to_be_bytes()),
            some((-2.25f64).to_be_bytes()),
            some(numeric(1_234_567_890_123, 10)),
            some("héllo, wörld ✓"),
            some([b'x']),
            some([0u8, 1, 2, 255]),
            some(0i32.to_be_bytes()),
            some(45_296_789_012i64.to_be_bytes()),
            some(86_400_000_000i64.to_be_bytes()),
            some((-1i64).to_be_bytes()),
            some(interval(1_500_000, 3, 14)),
            some(UUID),
            some("{\"a\": [1, 2.50]}"),
        ],
        vec![None; 17],
        vec![
            some([0]),
            some(i16::MIN.to_be_bytes()),
            some(i32::MAX.to_be_bytes()),
            some(i64::MIN.to_be_bytes()),
            some(f32::NAN.to_be_bytes()),
            some(f64::NEG_INFINITY.to_be_bytes()),
            some(numeric(MAX38, 10)),
            some(""),
            some([0xff]),
            some([]),
            some(i32::MAX.to_be_bytes()),
            some(86_400_000_000i64.to_be_bytes()),
            some(i64::MIN.to_be_bytes()),
            some((i64::MAX - 946_684_800_000_000 - 1).to_be_bytes()),
            some(interval(-9_000_000_000_000_000, i32::MIN, i32::MIN + 1)),
            some([0xff; 16]),
            some("null"),
        ],
        vec![
            some([1]),
            some(i16::MAX.to_be_bytes()),
            some(i32::MIN.to_be_bytes()),
            some(i64::MAX.to_be_bytes()),
            some(f32::INFINITY.to_be_bytes()),
            some(nan_payload.to_be_bytes()),
            some(numeric(-MAX38, 10)),
            some("x".repeat(100_000)),
            some([0]),
            some(vec![7u8; 70_000]),
            some(i32::MIN.to_be_bytes()),
            some(0i64.to_be_bytes()),
            some(i64::MAX.to_be_bytes()),
            some((-211_813_488_000_000_000i64).to_be_bytes()),
            some(interval(0, 0, 0)),
            some([0u8; 16]),
            some("[]"),
        ],
    ]
}

fn every_type_stream() -> Vec<u8> {
    let mut copy = Copy::new();
    for row in every_type_rows() {
        copy.tuple(&row);
    }
    copy.end()
}

const BIG: Limits = Limits {
    max_rows: usize::MAX,
    max_bytes: usize::MAX,
};

/// Decodes `chunks` in order into batches (IPC bytes), emitting whenever the decoder says
/// the batch is full and once at the end.
fn decode_chunks(
    schema: &Schema,
    fields: &[FieldPlan],
    chunks: &[&[u8]],
    limits: Limits,
) -> Result<Vec<Vec<u8>>, rapidbyte_sdk::ConnectorError> {
    let mut builder = BatchBuilder::new(schema.clone());
    let mut decoder = CopyDecoder::new(fields.to_vec(), false);
    let mut batches = Vec::new();
    let mut finished = false;
    for chunk in chunks {
        let mut input = *chunk;
        loop {
            match decoder.decode(&mut input, &mut builder, limits)? {
                Progress::NeedInput => break,
                Progress::Finished => {
                    finished = true;
                    break;
                }
                Progress::BatchFull => {
                    batches.push(builder.finish().unwrap());
                    decoder.start_batch();
                }
            }
        }
        assert!(input.is_empty());
    }
    decoder.finish()?;
    assert!(finished);
    if builder.rows() > 0 || batches.is_empty() {
        batches.push(builder.finish().unwrap());
    }
    Ok(batches)
}

fn every_type_plan() -> crate::ReadPlan {
    plan_read(&every_type_table(), &full_refresh(), true).unwrap()
}

#[test]
fn every_type_decodes_exactly() {
    let plan = every_type_plan();
    let stream = every_type_stream();
    let batches = decode_chunks(&plan.schema, &plan.fields, &[&stream], BIG).unwrap();
    assert_eq!(batches.len(), 1);
    let batch = IpcBatch::parse(&batches[0]).unwrap();
    assert_eq!(batch.num_rows(), 4);
    let c = |i: usize| batch.column(i);

    // Row 0: ordinary values.
    assert!(c(0).bool(0));
    assert_eq!(c(1).i16(0), 12);
    assert_eq!(c(2).i32(0), -34);
    assert_eq!(c(3).i64(0), 5_000_000_000);
    assert_eq!(c(4).f32(0), 1.5);
    assert_eq!(c(5).f64(0), -2.25);
    assert_eq!(c(6).decimal128(0), 1_234_567_890_123);
    assert_eq!(c(7).str(0), "héllo, wörld ✓");
    assert_eq!(c(8).str(0), "x");
    assert_eq!(c(9).bytes(0), &[0, 1, 2, 255]);
    assert_eq!(c(10).date32(0), 10_957);
    assert_eq!(c(11).time64_micros(0), 45_296_789_012);
    assert_eq!(
        c(12).timestamp_micros(0),
        946_684_800_000_000 + 86_400_000_000
    );
    assert_eq!(c(13).timestamp_micros(0), 946_684_799_999_999);
    assert_eq!(c(14).interval_mdn(0), (14, 3, 1_500_000_000));
    assert_eq!(c(15).fixed_bytes(0), &UUID);
    assert_eq!(c(16).str(0), "{\"a\": [1, 2.50]}");

    // Row 1: NULL everywhere.
    for i in 0..17 {
        assert!(c(i).is_null(1), "column {}", i);
        assert!(!c(i).is_null(0), "column {}", i);
    }

    // Row 2: extremes.
    assert!(!c(0).bool(2));
    assert_eq!(c(1).i16(2), i16::MIN);
    assert_eq!(c(2).i32(2), i32::MAX);
    assert_eq!(c(3).i64(2), i64::MIN);
    assert!(c(4).f32(2).is_nan());
    assert_eq!(c(5).f64(2), f64::NEG_INFINITY);
    assert_eq!(c(6).decimal128(2), MAX38);
    assert_eq!(c(7).str(2), "");
    assert_eq!(c(8).str(2), "\\377");
    assert_eq!(c(9).bytes(2), &[] as &[u8]);
    assert_eq!(c(10).date32(2), i32::MAX);
    assert_eq!(c(11).time64_micros(2), 86_400_000_000);
    assert_eq!(c(12).timestamp_micros(2), i64::MIN);
    assert_eq!(c(13).timestamp_micros(2), i64::MAX - 1);
    assert_eq!(
        c(14).interval_mdn(2),
        (i32::MIN + 1, i32::MIN, -9_000_000_000_000_000_000)
    );
    assert_eq!(c(15).fixed_bytes(2), &[0xff; 16]);
    assert_eq!(c(16).str(2), "null");

    // Row 3: more extremes, NaN payloads kept bit for bit.
    assert_eq!(c(1).i16(3), i16::MAX);
    assert_eq!(c(2).i32(3), i32::MIN);
    assert_eq!(c(3).i64(3), i64::MAX);
    assert_eq!(c(4).f32(3), f32::INFINITY);
    assert_eq!(c(5).f64(3).to_bits(), 0x7ff8_0000_0000_0001);
    assert_eq!(c(6).decimal128(3), -MAX38);
    assert_eq!(c(7).str(3).len(), 100_000);
    assert_eq!(c(8).str(3), "");
    assert_eq!(c(9).bytes(3), &vec![7u8; 70_000][..]);
    assert_eq!(c(10).date32(3), i32::MIN);
    assert_eq!(c(11).time64_micros(3), 0);
    assert_eq!(c(12).timestamp_micros(3), i64::MAX);
    assert_eq!(c(13).timestamp_micros(3), -210_866_803_200_000_000);
    assert_eq!(c(14).interval_mdn(3), (0, 0, 0));
    assert_eq!(c(15).fixed_bytes(3), &[0u8; 16]);

    // The schema carries the mapping's metadata.
    let schema = batch.schema();
    assert_eq!(
        schema.fields[6].data_type,
        DataType::Decimal128 {
            precision: 38,
            scale: 10
        }
    );
    assert_eq!(
        schema.fields[6].metadata_value("rapidbyte.native_type"),
        Some("numeric(38,10)")
    );
    assert_eq!(
        schema.fields[15].metadata_value("ARROW:extension:name"),
        Some("arrow.uuid")
    );
    assert_eq!(
        schema.fields[16].metadata_value("rapidbyte.native_type"),
        Some("jsonb")
    );
}

#[test]
fn chunk_boundaries_at_every_offset_give_the_same_batch() {
    let plan = every_type_plan();
    // Shorter values keep this quadratic test fast; the long ones are covered above.
    let mut rows = every_type_rows();
    rows[3][7] = some("short");
    rows[3][9] = some([9u8; 3]);
    let mut copy = Copy::new();
    for row in &rows {
        copy.tuple(row);
    }
    let stream = copy.end();
    let whole = decode_chunks(&plan.schema, &plan.fields, &[&stream], BIG).unwrap();
    for split in 0..=stream.len() {
        let (a, b) = stream.split_at(split);
        let parts = decode_chunks(&plan.schema, &plan.fields, &[a, b], BIG).unwrap();
        assert_eq!(parts, whole, "split at {}", split);
    }
    // Three pieces, including empty chunks.
    for first in (0..stream.len()).step_by(7) {
        for second in (first..=stream.len()).step_by(13) {
            let parts = decode_chunks(
                &plan.schema,
                &plan.fields,
                &[
                    &stream[..first],
                    &[],
                    &stream[first..second],
                    &stream[second..],
                ],
                BIG,
            )
            .unwrap();
            assert_eq!(parts, whole, "split at {} and {}", first, second);
        }
    }
    // One byte at a time.
    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(
        decode_chunks(&plan.schema, &plan.fields, &bytes, BIG).unwrap(),
        whole
    );
}

#[test]
fn a_header_extension_is_skipped() {
    let plan = every_type_plan();
    let stream = every_type_stream();
    let mut extended = COPY_SIGNATURE.to_vec();
    extended.extend_from_slice(&0i32.to_be_bytes());
    extended.extend_from_slice(&5i32.to_be_bytes());
    extended.extend_from_slice(b"extra");
    extended.extend_from_slice(&stream[19..]);
    let plain = decode_chunks(&plan.schema, &plan.fields, &[&stream], BIG).unwrap();
    for split in 0..40 {
        let (a, b) = extended.split_at(split);
        assert_eq!(
            decode_chunks(&plan.schema, &plan.fields, &[a, b], BIG).unwrap(),
            plain,
            "split at {}",
            split
        );
    }
}

fn int_plan() -> (Schema, Vec<FieldPlan>) {
    let relation = PgRelation {
        schema: "public".into(),
        name: "t".into(),
        kind: 'r',
        columns: vec![
            col("id", oid::INT8, "bigint"),
            col("name", oid::TEXT, "text"),
        ],
        primary_key: vec![],
        has_children: false,
    };
    let plan = plan_read(&relation, &full_refresh(), false).unwrap();
    (plan.schema, plan.fields)
}

fn int_rows(n: i64) -> Vec<u8> {
    let mut copy = Copy::new();
    for i in 0..n {
        copy.tuple(&[some(i.to_be_bytes()), some(format!("name {}", i))]);
    }
    copy.end()
}

#[test]
fn batches_are_cut_at_max_rows() {
    let (schema, fields) = int_plan();
    let stream = int_rows(10);
    let limits = Limits {
        max_rows: 3,
        max_bytes: usize::MAX,
    };
    let batches = decode_chunks(&schema, &fields, &[&stream], limits).unwrap();
    let rows: Vec<usize> = batches
        .iter()
        .map(|b| IpcBatch::parse(b).unwrap().num_rows())
        .collect();
    assert_eq!(rows, [3, 3, 3, 1]);
    let last = IpcBatch::parse(&batches[3]).unwrap();
    assert_eq!(last.column(0).i64(0), 9);
    assert_eq!(last.column(1).str(0), "name 9");
    // Exactly divisible: no empty batch at the end.
    let batches = decode_chunks(&schema, &fields, &[&int_rows(9)], limits).unwrap();
    assert_eq!(batches.len(), 3);
}

#[test]
fn a_streams_first_batch_is_a_sixteenth_of_the_limits_and_the_next_ones_double_up_to_them() {
    let full = Limits {
        max_rows: 10_000,
        max_bytes: 8 << 20,
    };
    let mut limits = full.first();
    let mut rows = Vec::new();
    for _ in 0..7 {
        rows.push(limits.max_rows);
        assert_eq!(limits.max_bytes, (8 << 20) / 16 * (limits.max_rows / 625).min(16));
        limits = limits.grown(full);
    }
    assert_eq!(rows, [625, 1250, 2500, 5000, 10_000, 10_000, 10_000]);
    // Limits smaller than the fraction still give batches of at least one row.
    let tiny = Limits {
        max_rows: 3,
        max_bytes: 10,
    };
    assert_eq!(tiny.first(), Limits { max_rows: 1, max_bytes: 1 });
    assert_eq!(tiny.first().grown(tiny).grown(tiny), Limits { max_rows: 3, max_bytes: 4 });
}

#[test]
fn batches_are_cut_at_max_bytes() {
    let (schema, fields) = int_plan();
    let stream = int_rows(100);
    // A row: 8 (id) + 4 (offset) + "name NN" (6 or 7 bytes).
    let limits = Limits {
        max_rows: usize::MAX,
        max_bytes: 100,
    };
    let batches = decode_chunks(&schema, &fields, &[&stream], limits).unwrap();
    let rows: Vec<usize> = batches
        .iter()
        .map(|b| IpcBatch::parse(b).unwrap().num_rows())
        .collect();
    assert_eq!(rows.iter().sum::<usize>(), 100);
    assert!(rows[..rows.len() - 1].iter().all(|&r| r == 6), "{:?}", rows);
}

#[test]
fn an_empty_table_gives_one_empty_batch_with_the_schema() {
    let (schema, fields) = int_plan();
    let stream = int_rows(0);
    let batches = decode_chunks(&schema, &fields, &[&stream], BIG).unwrap();
    assert_eq!(batches.len(), 1);
    let batch = IpcBatch::parse(&batches[0]).unwrap();
    assert_eq!(batch.num_rows(), 0);
    assert_eq!(batch.schema().fields.len(), 2);
}

fn incremental_plan() -> crate::ReadPlan {
    let mut relation = every_type_table();
    relation.columns[6].name = "amount".into();
    let request = StreamRequest {
        columns: Some(vec!["i8".into(), "amount".into()]),
        sync_mode: SyncMode::Incremental,
        cursor_field: Some("ts".into()),
        ..full_refresh()
    };
    plan_read(&relation, &request, false).unwrap()
}

#[test]
fn the_cursor_column_is_kept_not_emitted() {
    let plan = incremental_plan();
    assert_eq!(plan.schema.fields.len(), 2);
    let mut copy = Copy::new();
    copy.tuple(&[
        some(1i64.to_be_bytes()),
        some(numeric(5, 10)),
        some("2024-01-01 00:00:00"),
    ]);
    copy.tuple(&[some(2i64.to_be_bytes()), None, some("2024-01-02 00:00:00")]);
    let stream = copy.end();
    let mut builder = BatchBuilder::new(plan.schema.clone());
    let mut decoder = CopyDecoder::new(plan.fields.clone(), plan.whole_rows);
    assert_eq!(decoder.cursor(), None);
    let mut input = &stream[..];
    assert_eq!(
        decoder
            .decode(
                &mut input,
                &mut builder,
                Limits {
                    max_rows: 1,
                    max_bytes: usize::MAX
                }
            )
            .unwrap(),
        Progress::BatchFull
    );
    assert_eq!(decoder.cursor(), Some(&b"2024-01-01 00:00:00"[..]));
    builder.finish().unwrap();
    assert_eq!(
        decoder.decode(&mut input, &mut builder, BIG).unwrap(),
        Progress::Finished
    );
    assert_eq!(decoder.cursor(), Some(&b"2024-01-02 00:00:00"[..]));
    let batch = builder.finish().unwrap();
    let batch = IpcBatch::parse(&batch).unwrap();
    assert_eq!(batch.num_columns(), 2);
    assert_eq!(batch.column(0).i64(0), 2);
    assert!(batch.column(1).is_null(0));
}

#[test]
fn the_keys_of_the_rows_at_the_last_cursor_value_are_kept() {
    let request = StreamRequest {
        columns: Some(vec!["i8".into()]),
        sync_mode: SyncMode::Incremental,
        cursor_field: Some("ts".into()),
        primary_key: vec!["i8".into()],
        ..full_refresh()
    };
    let plan = plan_read(&every_type_table(), &request, false).unwrap();
    assert_eq!(
        plan.fields.iter().map(|f| f.decode).collect::<Vec<_>>()[1..],
        [Decode::Cursor, Decode::CursorKey]
    );
    let row = |id: i64, ts: &str| {
        [
            some(id.to_be_bytes()),
            some(ts),
            some(format!("[\"{}\"]", id)),
        ]
    };
    let seen = |decoder: &CopyDecoder| -> Option<Vec<String>> {
        decoder.seen().map(|keys| {
            keys.map(|k| String::from_utf8_lossy(k).into_owned())
                .collect()
        })
    };
    let mut copy = Copy::new();
    copy.tuple(&row(1, "a"))
        .tuple(&row(3, "b"))
        .tuple(&row(2, "b"));
    let stream = copy.end();
    let mut builder = BatchBuilder::new(plan.schema.clone());

    // Seeded from a checkpoint at "a" that had read the row of key 0.
    let mut decoder = CopyDecoder::new(plan.fields.clone(), plan.whole_rows);
    decoder.seed("a", &[vec!["0".to_string()]]);
    let mut input = &stream[..];
    let one = Limits {
        max_rows: 1,
        max_bytes: usize::MAX,
    };
    assert_eq!(
        decoder.decode(&mut input, &mut builder, one).unwrap(),
        Progress::BatchFull
    );
    assert_eq!(
        seen(&decoder),
        Some(vec!["[\"0\"]".into(), "[\"1\"]".into()])
    );
    builder.finish().unwrap();
    assert_eq!(
        decoder.decode(&mut input, &mut builder, BIG).unwrap(),
        Progress::Finished
    );
    assert_eq!(decoder.cursor(), Some(&b"b"[..]));
    assert_eq!(
        seen(&decoder),
        Some(vec!["[\"3\"]".into(), "[\"2\"]".into()])
    );
    assert_eq!(
        IpcBatch::parse(&builder.finish().unwrap())
            .unwrap()
            .num_columns(),
        1
    );

    // More rows at one value than are kept: none listed.
    let mut copy = Copy::new();
    for id in 0..=crate::plan::MAX_SEEN_KEYS as i64 {
        copy.tuple(&row(id, "c"));
    }
    let stream = copy.end();
    let mut decoder = CopyDecoder::new(plan.fields.clone(), plan.whole_rows);
    let mut input = &stream[..];
    assert_eq!(
        decoder.decode(&mut input, &mut builder, BIG).unwrap(),
        Progress::Finished
    );
    assert!(decoder.seen().is_none());
}

fn numeric_special(sign: u16) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0];
    b.extend_from_slice(&sign.to_be_bytes());
    b.extend_from_slice(&[0, 0]);
    b
}

#[test]
fn numeric_nan_is_a_data_error_naming_column_row_and_cursor() {
    let plan = incremental_plan();
    let mut copy = Copy::new();
    copy.tuple(&[
        some(1i64.to_be_bytes()),
        some(numeric(5, 10)),
        some("2024-01-01"),
    ]);
    copy.tuple(&[
        some(2i64.to_be_bytes()),
        some(numeric_special(0xC000)),
        some("2024-01-02"),
    ]);
    let stream = copy.end();
    let error = decode_chunks(&plan.schema, &plan.fields, &[&stream], BIG).unwrap_err();
    assert_eq!(error.category, ErrorCategory::Data);
    assert!(
        error.message.contains("column \"amount\" (numeric(38,10)), row 2 (cursor value '2024-01-02'): NaN cannot be represented as decimal128(38,10)"),
        "{}",
        error.message
    );
    assert!(error.message.contains("cast"), "{}", error.message);

    // Without a cursor the row number alone.
    let plan = every_type_plan();
    let mut row = every_type_rows().remove(0);
    row[6] = some(numeric_special(0xD000));
    let stream = Copy::new().tuple(&row).end();
    let error = decode_chunks(&plan.schema, &plan.fields, &[&stream], BIG).unwrap_err();
    assert!(
        error
            .message
            .contains("column \"n\" (numeric(38,10)), row 1: Infinity"),
        "{}",
        error.message
    );
    // A value wider than the column's scale is refused, never rounded.
    row[6] = some(numeric(1, 11));
    let stream = Copy::new().tuple(&row).end();
    let error = decode_chunks(&plan.schema, &plan.fields, &[&stream], BIG).unwrap_err();
    assert!(
        error.message.contains("more fractional digits"),
        "{}",
        error.message
    );
}

#[test]
fn wrong_value_lengths_are_data_errors_naming_the_column() {
    let plan = every_type_plan();
    let mut row = every_type_rows().remove(0);
    row[2] = some([1, 2]);
    let stream = Copy::new().tuple(&row).end();
    let error = decode_chunks(&plan.schema, &plan.fields, &[&stream], BIG).unwrap_err();
    assert_eq!(error.category, ErrorCategory::Data);
    assert!(
        error.message.contains(
            "column \"i4\" (integer), row 1: expected a 4-byte binary value, got 2 bytes"
        ),
        "{}",
        error.message
    );
}

#[test]
fn out_of_range_values_are_data_errors() {
    let plan = every_type_plan();
    let mut row = every_type_rows().remove(0);
    row[12] = some(9_223_371_331_199_999_999i64.to_be_bytes());
    let stream = Copy::new().tuple(&row).end();
    let error = decode_chunks(&plan.schema, &plan.fields, &[&stream], BIG).unwrap_err();
    assert!(
        error.message.contains("column \"ts\"") && error.message.contains("294246"),
        "{}",
        error.message
    );
    let mut row = every_type_rows().remove(0);
    row[14] = some(interval(i64::MAX / 10, i32::MAX, 0));
    let stream = Copy::new().tuple(&row).end();
    let error = decode_chunks(&plan.schema, &plan.fields, &[&stream], BIG).unwrap_err();
    assert!(error.message.contains("column \"iv\""), "{}", error.message);
}

#[test]
fn malformed_streams_are_data_errors() {
    let (schema, fields) = int_plan();
    let good = int_rows(3);
    let check = |stream: &[u8], expect: &str| {
        let error = decode_chunks(&schema, &fields, &[stream], BIG).unwrap_err();
        assert_eq!(error.category, ErrorCategory::Data);
        assert!(
            error.message.contains(expect),
            "{}: {}",
            expect,
            error.message
        );
    };
    // Truncated anywhere: the stream ends without its trailer.
    for cut in 19..good.len() {
        check(&good[..cut], "ended early");
    }
    check(b"PGCOPY\nXX", "signature");
    check(b"COPY", "signature");
    let mut extra = good.clone();
    extra.push(0);
    check(&extra, "after the trailer");
    let mut oids = good.clone();
    oids[11..15].copy_from_slice(&(1i32 << 16).to_be_bytes());
    check(&oids, "OIDs");
    let three = Copy::new()
        .tuple(&[some(1i64.to_be_bytes()), some("a"), None])
        .end();
    check(&three, "a tuple with 3 fields where 2 were selected");
    let mut negative = Copy::new()
        .tuple(&[some(1i64.to_be_bytes()), some("a")])
        .end();
    negative[19 + 2 + 4 + 8..19 + 2 + 4 + 8 + 4].copy_from_slice(&(-5i32).to_be_bytes());
    check(&negative, "field length -5");
}

#[test]
fn nulls_in_not_null_columns_fail_the_batch() {
    let mut relation = every_type_table();
    relation.columns.truncate(1);
    relation.columns[0].not_null = true;
    let plan = plan_read(&relation, &full_refresh(), false).unwrap();
    let stream = Copy::new().tuple(&[None]).end();
    let mut builder = BatchBuilder::new(plan.schema.clone());
    let mut decoder = CopyDecoder::new(plan.fields.clone(), plan.whole_rows);
    let mut input = &stream[..];
    decoder.decode(&mut input, &mut builder, BIG).unwrap();
    assert!(builder.finish().is_err());
}

#[test]
fn decode_kinds_follow_the_mapping() {
    let plan = every_type_plan();
    let kinds: Vec<Decode> = plan.fields.iter().map(|f| f.decode).collect();
    use BinaryFormat as F;
    let expected = [
        F::Bool,
        F::Int2,
        F::Int4,
        F::Int8,
        F::Float4,
        F::Float8,
        F::Numeric {
            precision: 38,
            scale: 10,
        },
        F::Text,
        F::Char,
        F::Bytea,
        F::Date,
        F::Time,
        F::Timestamp,
        F::Timestamp,
        F::Interval,
        F::Uuid,
        F::Text,
    ];
    assert_eq!(kinds, expected.map(Decode::Value));
    assert!(plan.sql.contains("\"j\"::text"), "{}", plan.sql);
}

#[test]
fn spec_and_discover_shapes() {
    let spec = crate::spec();
    assert_eq!(spec.name, "source-postgres");
    let schema: serde_json::Value = serde_json::from_str(&spec.config_schema).unwrap();
    assert_eq!(schema["properties"]["password"]["writeOnly"], true);
    let mut relation = every_type_table();
    relation.columns[3].not_null = true;
    relation.primary_key = vec!["i8".into()];
    let stream = crate::stream_schema(&relation, false);
    assert_eq!(stream.name, "every type");
    assert_eq!(stream.primary_key, ["i8"]);
    let types: Vec<(&str, &str, bool)> = stream
        .columns
        .iter()
        .map(|c| (c.native_type.as_str(), c.arrow_type.as_str(), c.nullable))
        .collect();
    assert_eq!(types[3], ("bigint", "int64", false));
    assert_eq!(types[6], ("numeric(38,10)", "decimal128(38,10)", true));
    assert_eq!(
        types[13],
        ("timestamp with time zone", "timestamp[us, tz=UTC]", true)
    );
    assert_eq!(types[15], ("uuid", "extension<arrow.uuid>", true));
    assert_eq!(types[16], ("jsonb", "utf8", true));
}

fn native_request() -> StreamRequest {
    StreamRequest {
        native_encoding: Some("postgresql-binary".into()),
        ..full_refresh()
    }
}

/// A column of a type without binary send/receive, which keeps the Arrow mapping.
fn with_text_only(mut relation: PgRelation) -> PgRelation {
    relation.columns.push(PgColumn {
        name: "addr".into(),
        not_null: false,
        generated: false,
        pg_type: PgType {
            binary_io: false,
            ..PgType::builtin(1033, "aclitem")
        },
    });
    relation
}

#[test]
fn the_native_lane_carries_values_undecoded_and_types_without_binary_io_keep_the_arrow_mapping() {
    let relation = with_text_only(every_type_table());
    let plan = plan_read(&relation, &native_request(), false).unwrap();
    let n = relation.columns.len();
    for field in &plan.fields[..n - 1] {
        assert_eq!(field.decode, Decode::Value(BinaryFormat::Native), "{}", field.name);
    }
    assert_eq!(plan.fields[n - 1].decode, Decode::Value(BinaryFormat::Text));
    // Selected as they are: no `::text`, but the composite.
    assert!(plan.sql.contains("\"j\", \"addr\"::text FROM"), "{}", plan.sql);
    let numeric = &plan.schema.fields[6];
    assert_eq!(numeric.data_type, DataType::Binary);
    assert_eq!(numeric.metadata_value("rapidbyte.native_type"), Some("numeric(38,10)"));
    assert_eq!(
        numeric.metadata_value("rapidbyte.native_encoding"),
        Some("postgresql-binary")
    );
    // uuid is no longer the Arrow extension type: its bytes are PostgreSQL's.
    assert_eq!(plan.schema.fields[15].metadata_value("ARROW:extension:name"), None);
    assert_eq!(plan.schema.fields[n - 1].data_type, DataType::Utf8);
    let lanes = plan.lanes.unwrap();
    assert!(
        lanes.contains("17 columns travel in postgresql-binary")
            && lanes.contains("1 through the Arrow mapping")
            && lanes.contains("\"addr\" aclitem as utf8"),
        "{}",
        lanes
    );

    // NaN, which decimal128 cannot hold, and a timestamp past year 294246 cross as bytes.
    let mut row = every_type_rows().remove(0);
    row[6] = some(numeric_special(0xC000));
    row[12] = some(i64::MAX.to_be_bytes());
    row.push(some(b"\x00\x00\x00\x01odd composite bytes"));
    let stream = Copy::new().tuple(&row).end();
    let batches = decode_chunks(&plan.schema, &plan.fields, &[&stream], BIG).unwrap();
    let batch = IpcBatch::parse(&batches[0]).unwrap();
    assert_eq!(batch.column(6).bytes(0), &numeric_special(0xC000)[..]);
    assert_eq!(batch.column(12).bytes(0), &i64::MAX.to_be_bytes()[..]);
    for (index, value) in row.iter().enumerate().take(n - 1) {
        match value {
            Some(bytes) => assert_eq!(batch.column(index).bytes(0), &bytes[..], "column {}", index),
            None => assert!(batch.column(index).is_null(0)),
        }
    }
}

#[test]
fn without_a_native_encoding_every_column_keeps_the_arrow_mapping() {
    let plan = plan_read(&every_type_table(), &full_refresh(), true).unwrap();
    assert!(plan.lanes.is_none());
    assert!(plan
        .fields
        .iter()
        .all(|f| f.decode != Decode::Value(BinaryFormat::Native)));
}

#[test]
fn an_unknown_native_encoding_is_a_config_error() {
    let request = StreamRequest {
        native_encoding: Some("mysql-binary".into()),
        ..full_refresh()
    };
    let error = plan_read(&every_type_table(), &request, false).unwrap_err();
    assert_eq!(error.category, ErrorCategory::Config);
    assert!(error.message.contains("\"mysql-binary\""), "{}", error.message);
}

#[test]
fn an_incremental_native_read_decodes_only_the_cursor() {
    let request = StreamRequest {
        sync_mode: SyncMode::Incremental,
        cursor_field: Some("tz".into()),
        ..native_request()
    };
    let plan = plan_read(&every_type_table(), &request, false).unwrap();
    let last = plan.fields.last().unwrap();
    assert_eq!(last.decode, Decode::Cursor);
    assert!(plan.sql.contains("\"tz\"::text FROM"), "{}", plan.sql);
    assert_eq!(plan.fields[13].decode, Decode::Value(BinaryFormat::Native));
}

#[test]
fn spec_offers_the_native_encoding_and_discover_shows_each_columns_lane() {
    let spec = crate::spec();
    assert_eq!(spec.native_encodings, ["postgresql-binary-rows", "postgresql-binary"]);
    let schema: serde_json::Value = serde_json::from_str(&spec.config_schema).unwrap();
    let mut keys: Vec<String> = rapidbyte_postgres::struct_keys::<rapidbyte_postgres::PgConfig>()
        .iter()
        .chain(&["native_lane"])
        .map(|k| k.to_string())
        .collect();
    keys.sort();
    assert_eq!(rapidbyte_postgres::schema_keys(&schema), keys);
    let config: crate::SourceConfig =
        serde_json::from_value(serde_json::json!({"host": "h", "user": "u", "database": "d"})).unwrap();
    assert!(config.native_lane, "on by default");
    let config: crate::SourceConfig = serde_json::from_value(
        serde_json::json!({"host": "h", "user": "u", "database": "d", "native_lane": false}),
    )
    .unwrap();
    assert!(!config.native_lane);

    let relation = with_text_only(every_type_table());
    let stream = crate::stream_schema(&relation, true);
    let lanes: Vec<Option<&str>> = stream.columns.iter().map(|c| c.native_encoding.as_deref()).collect();
    assert!(lanes[..lanes.len() - 1].iter().all(|l| *l == Some("postgresql-binary")));
    assert_eq!(lanes[lanes.len() - 1], None);
    let stream = crate::stream_schema(&relation, false);
    assert!(stream.columns.iter().all(|c| c.native_encoding.is_none()));
}

fn whole_rows_request(request: StreamRequest) -> StreamRequest {
    StreamRequest {
        native_encoding: Some("postgresql-binary-rows".into()),
        ..request
    }
}

/// Decodes `stream` in chunks of `chunk` bytes with `plan`'s decoder; batches of `max_rows`.
fn decode_plan(plan: &crate::ReadPlan, stream: &[u8], chunk: usize, max_rows: usize) -> Vec<Vec<u8>> {
    let mut builder = BatchBuilder::new(plan.schema.clone());
    let mut decoder = CopyDecoder::new(plan.fields.clone(), plan.whole_rows);
    let limits = Limits {
        max_rows,
        max_bytes: usize::MAX,
    };
    let mut batches = Vec::new();
    for piece in stream.chunks(chunk) {
        let mut input = piece;
        while decoder.decode(&mut input, &mut builder, limits).unwrap() == Progress::BatchFull {
            batches.push(builder.finish().unwrap());
            decoder.start_batch();
        }
    }
    decoder.finish().unwrap();
    if builder.rows() > 0 {
        batches.push(builder.finish().unwrap());
    }
    batches
}

/// The tuples of a binary COPY stream of `rows`, each as COPY sends it.
fn tuples(rows: &[Vec<Option<Vec<u8>>>]) -> Vec<Vec<u8>> {
    rows.iter()
        .map(|row| {
            let mut copy = Copy(Vec::new());
            copy.tuple(row);
            copy.0
        })
        .collect()
}

#[test]
fn in_whole_rows_each_tuple_is_one_value_as_copy_sent_it() {
    let plan = plan_read(
        &every_type_table(),
        &whole_rows_request(full_refresh()),
        true,
    )
    .unwrap();
    assert!(plan.whole_rows);
    assert_eq!(plan.schema.fields.len(), 1);
    let field = &plan.schema.fields[0];
    assert_eq!(field.name, "rapidbyte.row");
    assert_eq!(field.metadata_value("rapidbyte.native_encoding"), Some("postgresql-binary-rows"));
    // The columns are described as they would travel a column each.
    let columns = rapidbyte_postgres::types::row_columns(field).unwrap();
    let each = plan_read(
        &every_type_table(),
        &StreamRequest {
            native_encoding: Some("postgresql-binary".into()),
            ..full_refresh()
        },
        true,
    )
    .unwrap();
    assert!(!each.whole_rows);
    assert_eq!(columns, each.schema.fields);
    assert!(plan.lanes.as_deref().unwrap().contains("all 17 columns travel in postgresql-binary-rows"));

    // At every chunk size, in batches of 3 rows: the tuples, untouched and in order.
    let stream = every_type_stream();
    let expected = tuples(&every_type_rows());
    for chunk in [1, 7, 64, stream.len()] {
        let batches = decode_plan(&plan, &stream, chunk, 3);
        assert_eq!(batches.len(), 2);
        let mut values = Vec::new();
        for ipc in &batches {
            let batch = IpcBatch::parse(ipc).unwrap();
            assert_eq!(batch.num_columns(), 1);
            for row in 0..batch.num_rows() {
                values.push(batch.column(0).bytes(row).to_vec());
            }
        }
        assert_eq!(values, expected, "chunks of {} bytes", chunk);
    }
}

#[test]
fn in_whole_rows_the_cursor_is_kept_and_left_out_of_the_rows() {
    let request = StreamRequest {
        columns: Some(vec!["i8".into(), "t".into()]),
        sync_mode: SyncMode::Incremental,
        cursor_field: Some("ts".into()),
        primary_key: vec!["i8".into()],
        ..full_refresh()
    };
    let plan = plan_read(&every_type_table(), &whole_rows_request(request), false).unwrap();
    assert!(plan.whole_rows);
    let mut copy = Copy::new();
    copy.tuple(&[some(1i64.to_be_bytes()), None, some("a"), some("[\"1\"]")])
        .tuple(&[some(2i64.to_be_bytes()), some("x"), some("b"), some("[\"2\"]")])
        .tuple(&[some(3i64.to_be_bytes()), some("yz"), some("b"), some("[\"3\"]")]);
    let stream = copy.end();
    let mut builder = BatchBuilder::new(plan.schema.clone());
    let mut decoder = CopyDecoder::new(plan.fields.clone(), true);
    let mut input = &stream[..];
    assert_eq!(decoder.decode(&mut input, &mut builder, BIG).unwrap(), Progress::Finished);
    assert_eq!(decoder.cursor(), Some(&b"b"[..]));
    let seen: Vec<&[u8]> = decoder.seen().unwrap().collect();
    assert_eq!(seen, [&b"[\"2\"]"[..], &b"[\"3\"]"[..]]);
    let batch = builder.finish().unwrap();
    let batch = IpcBatch::parse(&batch).unwrap();
    let values: Vec<&[u8]> = (0..3).map(|r| batch.column(0).bytes(r)).collect();
    assert_eq!(
        values,
        tuples(&[
            vec![some(1i64.to_be_bytes()), None],
            vec![some(2i64.to_be_bytes()), some("x")],
            vec![some(3i64.to_be_bytes()), some("yz")],
        ])
    );

    // A NULL cursor is an error naming the column, as a column each.
    let mut copy = Copy::new();
    copy.tuple(&[some(1i64.to_be_bytes()), None, None, some("[\"1\"]")]);
    let stream = copy.end();
    let mut decoder = CopyDecoder::new(plan.fields.clone(), true);
    let error = decoder
        .decode(&mut &stream[..], &mut builder, BIG)
        .unwrap_err();
    assert!(error.message.contains("the cursor value is NULL"), "{}", error.message);
}

#[test]
fn whole_rows_only_when_every_column_names_no_type_by_a_local_oid() {
    let mut relation = every_type_table();
    let user = |oid: u32, typtype: char, format_type: &str| PgType {
        typtype,
        ..PgType::builtin(oid, format_type)
    };
    let array_of = |element: u32, typtype: char, format_type: &str| PgType {
        element: Some(rapidbyte_postgres::types::PgElement { oid: element, typtype }),
        ..PgType::builtin(if element < 16384 { 1007 } else { 20000 }, format_type)
    };
    let request = whole_rows_request(full_refresh());
    // Built-in arrays, enums, domains and ranges travel in whole rows; composites and arrays of
    // user-defined types name types by OID: a column each.
    for (pg_type, whole) in [
        (array_of(oid::INT4, 'b', "integer[]"), true),
        (user(20001, 'e', "src.mood"), true),
        (user(20002, 'r', "src.floatrange"), true),
        (user(20003, 'd', "src.amount"), true),
        (user(20004, 'c', "src.address"), false),
        (array_of(20001, 'e', "src.mood[]"), false),
        (array_of(20004, 'c', "src.address[]"), false),
    ] {
        relation.columns.push(PgColumn {
            name: "x".into(),
            not_null: false,
            generated: false,
            pg_type: pg_type.clone(),
        });
        let plan = plan_read(&relation, &request, false).unwrap();
        relation.columns.pop();
        assert_eq!(plan.whole_rows, whole, "{}", pg_type.format_type);
        assert_eq!(plan.schema.fields.len(), if whole { 1 } else { 18 });
        let lanes = plan.lanes.unwrap();
        let because = format!(
            "not whole rows in postgresql-binary-rows, because of: \"x\" {}",
            pg_type.format_type
        );
        assert_eq!(lanes.contains(&because), !whole, "{}", lanes);
    }
}
