//! Round trips through BatchBuilder and IpcBatch, the wire layout other Arrow readers rely
//! on, and malformed input that must be rejected without panicking.

use super::flatbuf::Slot;
use super::format::{message, types};
use super::*;

const TEN_POW_38_MINUS_1: i128 = 99_999_999_999_999_999_999_999_999_999_999_999_999;

fn all_types(nullable: bool) -> Schema {
    let f = |name: &str, t: DataType| Field::new(name, t, nullable);
    Schema::new(vec![
        f("bool", DataType::Boolean),
        f("i16", DataType::Int16),
        f("i32", DataType::Int32),
        f("i64", DataType::Int64),
        f("f32", DataType::Float32),
        f("f64", DataType::Float64),
        f("text", DataType::Utf8),
        f("blob", DataType::Binary),
        f("day", DataType::Date32),
        f("ts", DataType::Timestamp { timezone: None }),
        f(
            "ts_utc",
            DataType::Timestamp {
                timezone: Some("UTC".to_string()),
            },
        ),
        f(
            "amount",
            DataType::Decimal128 {
                precision: 38,
                scale: 9,
            },
        ),
    ])
}

/// Whether row `r` of column `c` is null in the "with nulls" batches: a different pattern
/// per column, and column 5 has its first null late (materialising its bitmap mid-byte).
fn null_at(c: usize, r: usize) -> bool {
    if c == 5 {
        r == 21 || r == 30
    } else {
        (r + c) % 3 == 0
    }
}

fn text(r: usize) -> String {
    if r % 5 == 0 {
        String::new()
    } else {
        format!("row {} – ünïcødé ✓ {}", r, "x".repeat(r % 7))
    }
}

fn blob(r: usize) -> Vec<u8> {
    (0..r % 11).map(|i| (i * 37 + r) as u8).collect()
}

fn append_row(b: &mut BatchBuilder, r: usize, nulls: bool) {
    let ri = r as i64;
    for c in 0..12 {
        if nulls && null_at(c, r) {
            b.append_null(c);
            continue;
        }
        match c {
            0 => b.append_bool(c, r % 3 == 1),
            1 => b.append_i16(c, (r as i16).wrapping_mul(1237) - 50),
            2 => b.append_i32(c, r as i32 * 100_003 - 7),
            3 => b.append_i64(c, ri * 1_000_000_000_007 - 3),
            4 => b.append_f32(c, r as f32 * 0.5 - 3.25),
            5 => b.append_f64(c, r as f64 * 1.1e10),
            6 => b.append_str(c, &text(r)),
            7 => b.append_bytes(c, &blob(r)),
            8 => b.append_date32(c, r as i32 * 31 - 1000),
            9 => b.append_timestamp_micros(c, ri * 3_600_000_001 - 5),
            10 => b.append_timestamp_micros(c, -ri * 86_400_000_000),
            _ => b.append_decimal128(c, (r as i128 - 10) * 10i128.pow(30) + r as i128),
        }
    }
}

fn check_row(batch: &IpcBatch<'_>, r: usize, nulls: bool) {
    let ri = r as i64;
    for c in 0..12 {
        let col = batch.column(c);
        let null = nulls && null_at(c, r);
        assert_eq!(col.is_null(r), null, "column {} row {}", c, r);
        if null {
            continue;
        }
        match c {
            0 => assert_eq!(col.bool(r), r % 3 == 1),
            1 => assert_eq!(col.i16(r), (r as i16).wrapping_mul(1237) - 50),
            2 => assert_eq!(col.i32(r), r as i32 * 100_003 - 7),
            3 => assert_eq!(col.i64(r), ri * 1_000_000_000_007 - 3),
            4 => assert_eq!(col.f32(r), r as f32 * 0.5 - 3.25),
            5 => assert_eq!(col.f64(r), r as f64 * 1.1e10),
            6 => assert_eq!(col.str(r), text(r)),
            7 => assert_eq!(col.bytes(r), &blob(r)[..]),
            8 => assert_eq!(col.date32(r), r as i32 * 31 - 1000),
            9 => assert_eq!(col.timestamp_micros(r), ri * 3_600_000_001 - 5),
            10 => assert_eq!(col.timestamp_micros(r), -ri * 86_400_000_000),
            _ => assert_eq!(
                col.decimal128(r),
                (r as i128 - 10) * 10i128.pow(30) + r as i128
            ),
        }
    }
}

fn build(rows: usize, nulls: bool) -> Vec<u8> {
    let mut b = BatchBuilder::new(all_types(true));
    for r in 0..rows {
        append_row(&mut b, r, nulls);
    }
    assert_eq!(b.rows(), rows);
    b.finish().unwrap()
}

/// One message located in a stream: (metadata, body), both as byte ranges.
struct Framed {
    meta: std::ops::Range<usize>,
    body: std::ops::Range<usize>,
}

/// Splits a stream into its messages by the framing alone, checking the framing rules
/// other readers rely on: continuation markers, metadata padded to 8, end-of-stream last.
fn frames(stream: &[u8]) -> Vec<Framed> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        assert_eq!(&stream[pos..pos + 4], &[0xFF; 4], "continuation at {}", pos);
        let len = i32::from_le_bytes(stream[pos + 4..pos + 8].try_into().unwrap()) as usize;
        if len == 0 {
            assert_eq!(pos + 8, stream.len(), "end-of-stream must end the stream");
            return out;
        }
        assert_eq!(len % 8, 0, "metadata length must keep the body 8-aligned");
        let meta = pos + 8..pos + 8 + len;
        let root = super::flatbuf::Table::root(&stream[meta.clone()]).unwrap();
        assert_eq!(
            root.i16(message::VERSION, 0).unwrap(),
            4,
            "MetadataVersion V5"
        );
        let body_len = root.i64(message::BODY_LENGTH, -1).unwrap() as usize;
        assert_eq!(body_len % 8, 0);
        let body = meta.end..meta.end + body_len;
        pos = body.end;
        out.push(Framed { meta, body });
    }
}

/// (offset, length) of every Buffer of the stream's record batch.
fn buffers(stream: &[u8]) -> Vec<(i64, i64)> {
    let f = &frames(stream)[1];
    let root = super::flatbuf::Table::root(&stream[f.meta.clone()]).unwrap();
    let rb = root.table(message::HEADER).unwrap().unwrap();
    let v = rb
        .vector(super::format::record_batch::BUFFERS, 16)
        .unwrap()
        .unwrap();
    (0..v.len())
        .map(|i| (v.struct_i64(i, 0), v.struct_i64(i, 1)))
        .collect()
}

#[test]
fn round_trip_every_type_with_nulls() {
    let stream = build(37, true);
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(batch.schema(), &all_types(true));
    assert_eq!(batch.num_rows(), 37);
    assert_eq!(batch.num_columns(), 12);
    for r in 0..37 {
        check_row(&batch, r, true);
    }
    assert_eq!(batch.column(0).null_count(), 13); // rows 0, 3, ..., 36
    assert_eq!(batch.column(5).null_count(), 2);
    assert_eq!(batch.column(6).str(0), "", "str of a null row");
}

#[test]
fn pieces_join_into_the_stream_finish_writes_and_borrow_the_builders_buffers() {
    for (rows, nulls) in [(37, true), (37, false), (0, false)] {
        let mut builder = BatchBuilder::new(all_types(true));
        for r in 0..rows {
            append_row(&mut builder, r, nulls);
        }
        let mut head = Vec::new();
        let pieces = builder.pieces(&mut head).unwrap();
        let joined = pieces.concat();
        assert_eq!(joined, build(rows, nulls), "{} rows, nulls {}", rows, nulls);
        let batch = IpcBatch::parse(&joined).unwrap();
        assert_eq!(batch.num_rows(), rows);
        for r in 0..rows {
            check_row(&batch, r, nulls);
        }
        // The body's buffers are the builder's own, not copies in `head` (the first piece).
        if rows > 0 {
            let head = pieces[0].as_ptr_range();
            let in_head = pieces.iter().filter(|p| head.contains(&p.as_ptr())).count();
            assert_eq!(in_head, 1, "only the metadata is written into head");
        }
        drop(pieces);
        builder.clear();
        assert_eq!(builder.rows(), 0);
    }
}

#[test]
fn pieces_of_a_builder_with_a_bad_batch_fail_and_clear_drops_it() {
    let schema = Schema::new(vec![
        Field::new("a", DataType::Int64, false),
        Field::new("b", DataType::Int64, false),
    ]);
    let mut builder = BatchBuilder::new(schema);
    builder.append_i64(0, 1);
    let error = builder.pieces(&mut Vec::new()).unwrap_err();
    assert!(error.to_string().contains("every row needs a value"), "{}", error);
    builder.clear();
    builder.append_i64(0, 2);
    builder.append_i64(1, 3);
    let joined = builder.pieces(&mut Vec::new()).unwrap().concat();
    assert_eq!(IpcBatch::parse(&joined).unwrap().num_rows(), 1);
}

#[test]
fn round_trip_every_type_without_nulls_writes_no_bitmaps() {
    let stream = build(37, false);
    let batch = IpcBatch::parse(&stream).unwrap();
    for r in 0..37 {
        check_row(&batch, r, false);
    }
    for c in batch.columns() {
        assert_eq!(c.null_count(), 0);
    }
    // Validity buffers are the first of each column's 2 (or 3 for text/blob) buffers.
    let bufs = buffers(&stream);
    assert_eq!(bufs.len(), 12 * 2 + 2);
    let validity = [0, 2, 4, 6, 8, 10, 12, 15, 18, 20, 22, 24];
    for &i in &validity {
        assert_eq!(
            bufs[i].1, 0,
            "buffer {} should be an empty validity bitmap",
            i
        );
    }
    assert_eq!(
        bufs[1],
        (0, 5),
        "bool values: ceil(37 / 8) bytes first in the body"
    );
    assert_eq!(bufs[3], (8, 37 * 2), "then i16 values, 8-aligned");
    assert_eq!(bufs[13].1, 38 * 4, "text offsets: rows + 1 i32");
}

#[test]
fn layout_is_aligned_and_framed() {
    let stream = build(37, true);
    let f = frames(&stream);
    assert_eq!(f.len(), 2, "schema and one record batch");
    assert!(f[0].body.is_empty(), "the schema message has no body");
    assert_eq!(f[1].meta.start % 8, 0);
    assert_eq!(f[1].body.start % 8, 0);
    let bufs = buffers(&stream);
    let mut next = 0;
    for &(offset, len) in &bufs {
        assert_eq!(offset % 8, 0, "buffers start 8-aligned");
        assert_eq!(offset, next, "buffers are packed in order");
        next = offset + (len + 7) / 8 * 8;
    }
    assert_eq!(next as usize, f[1].body.len());
    assert_eq!(bufs[0].1, 5, "bool validity: ceil(37 / 8) bytes");
    // Padding after buffers is zero (readers may hash or compare whole bodies).
    let body = &stream[f[1].body.clone()];
    for &(offset, len) in &bufs {
        let end = offset + (len + 7) / 8 * 8;
        assert!(body[(offset + len) as usize..end as usize]
            .iter()
            .all(|&b| b == 0));
    }
}

#[test]
fn empty_batch() {
    let mut b = BatchBuilder::new(all_types(true));
    let stream = b.finish().unwrap();
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(batch.num_rows(), 0);
    assert_eq!(batch.num_columns(), 12);
    assert!(batch.columns().iter().all(|c| c.is_empty()));
    assert_eq!(
        buffers(&stream)[13],
        (0, 4),
        "an empty text column still has offset 0"
    );
}

#[test]
fn empty_schema() {
    let stream = BatchBuilder::new(Schema::default()).finish().unwrap();
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(batch.num_columns(), 0);
    assert_eq!(batch.num_rows(), 0);
}

#[test]
fn extreme_values() {
    let schema = Schema::new(vec![
        Field::new("i16", DataType::Int16, false),
        Field::new("i32", DataType::Int32, false),
        Field::new("i64", DataType::Int64, false),
        Field::new("f32", DataType::Float32, false),
        Field::new("f64", DataType::Float64, false),
        Field::new(
            "dec",
            DataType::Decimal128 {
                precision: 38,
                scale: 0,
            },
            false,
        ),
        Field::new("text", DataType::Utf8, false),
        Field::new("blob", DataType::Binary, false),
    ]);
    let floats = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        f64::MIN_POSITIVE,
        f64::MAX,
    ];
    let decimals = [
        TEN_POW_38_MINUS_1,
        -TEN_POW_38_MINUS_1,
        i128::MIN,
        i128::MAX,
        -1,
        0,
    ];
    let texts = [
        "",
        "日本語テキスト",
        "emoji 🦀 and NUL \0 inside",
        "\u{10FFFF}",
        "a",
        "",
    ];
    let big: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut b = BatchBuilder::new(schema);
    for r in 0..6 {
        let (i16v, i32v, i64v) = if r % 2 == 0 {
            (i16::MIN, i32::MIN, i64::MIN)
        } else {
            (i16::MAX, i32::MAX, i64::MAX)
        };
        b.append_i16(0, i16v);
        b.append_i32(1, i32v);
        b.append_i64(2, i64v);
        b.append_f32(3, floats[r] as f32);
        b.append_f64(4, floats[r]);
        b.append_decimal128(5, decimals[r]);
        b.append_str(6, texts[r]);
        b.append_bytes(7, if r == 2 { &big[..] } else { &[] });
    }
    let stream = b.finish().unwrap();
    let batch = IpcBatch::parse(&stream).unwrap();
    for r in 0..6 {
        let c = batch.columns();
        assert_eq!(c[0].i16(r), if r % 2 == 0 { i16::MIN } else { i16::MAX });
        assert_eq!(c[1].i32(r), if r % 2 == 0 { i32::MIN } else { i32::MAX });
        assert_eq!(c[2].i64(r), if r % 2 == 0 { i64::MIN } else { i64::MAX });
        assert_eq!(
            c[3].f32(r).to_bits(),
            (floats[r] as f32).to_bits(),
            "f32 row {}",
            r
        );
        assert_eq!(c[4].f64(r).to_bits(), floats[r].to_bits(), "f64 row {}", r);
        assert_eq!(c[5].decimal128(r), decimals[r]);
        assert_eq!(c[6].str(r), texts[r]);
        assert_eq!(c[7].bytes(r).len(), if r == 2 { 1 << 20 } else { 0 });
    }
    assert!(batch.column(4).f64(0).is_nan());
    assert!(
        batch.column(4).f64(3).is_sign_negative(),
        "-0.0 keeps its sign"
    );
    assert_eq!(batch.column(7).bytes(2), &big[..]);
}

#[test]
fn decimal_bytes_are_little_endian_twos_complement() {
    let mut b = BatchBuilder::new(Schema::new(vec![Field::new(
        "d",
        DataType::Decimal128 {
            precision: 5,
            scale: 2,
        },
        false,
    )]));
    b.append_decimal128(0, -2); // -0.02
    let stream = b.finish().unwrap();
    let body = &stream[frames(&stream)[1].body.clone()];
    assert_eq!(
        &body[..16],
        &[
            0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF, 0xFF
        ]
    );
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(
        batch.schema().fields[0].data_type,
        DataType::Decimal128 {
            precision: 5,
            scale: 2
        }
    );
}

#[test]
fn timestamp_time_zones_round_trip() {
    let zones = [None, Some("UTC"), Some("America/New_York"), Some("+07:30")];
    let schema = Schema::new(
        zones
            .iter()
            .enumerate()
            .map(|(i, z)| {
                Field::new(
                    format!("t{}", i),
                    DataType::Timestamp {
                        timezone: z.map(String::from),
                    },
                    true,
                )
            })
            .collect(),
    );
    let mut b = BatchBuilder::new(schema.clone());
    for c in 0..zones.len() {
        b.append_timestamp_micros(c, 1_700_000_000_000_000 + c as i64);
    }
    let stream = b.finish().unwrap();
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(batch.schema(), &schema);
    assert_eq!(batch.column(3).timestamp_micros(0), 1_700_000_000_000_003);
}

#[test]
fn bool_bitmaps_across_byte_boundaries() {
    for rows in [1usize, 7, 8, 9, 16, 17, 64, 65] {
        let mut b = BatchBuilder::new(Schema::new(vec![Field::new("b", DataType::Boolean, true)]));
        for r in 0..rows {
            if r % 5 == 4 {
                b.append_null(0);
            } else {
                b.append_bool(0, r % 2 == 0);
            }
        }
        let stream = b.finish().unwrap();
        let batch = IpcBatch::parse(&stream).unwrap();
        let c = batch.column(0);
        assert_eq!(c.null_count(), rows / 5, "{} rows", rows);
        for r in 0..rows {
            assert_eq!(c.is_null(r), r % 5 == 4);
            if r % 5 != 4 {
                assert_eq!(c.bool(r), r % 2 == 0, "{} rows, row {}", rows, r);
            }
        }
    }
}

#[test]
fn builder_is_reused_across_batches() {
    let mut b = BatchBuilder::new(all_types(true));
    let mut out = Vec::new();
    for (rows, nulls) in [(50, true), (3, false), (0, false), (20, true), (9, false)] {
        for r in 0..rows {
            append_row(&mut b, r, nulls);
        }
        out.clear();
        b.finish_into(&mut out).unwrap();
        assert_eq!(b.rows(), 0, "finish empties the builder");
        assert_eq!(
            b.byte_size(),
            4 * 2,
            "only the two leading zero offsets remain"
        );
        let batch = IpcBatch::parse(&out).unwrap();
        assert_eq!(batch.num_rows(), rows);
        for r in 0..rows {
            check_row(&batch, r, nulls);
        }
        if !nulls {
            assert!(
                batch.columns().iter().all(|c| c.null_count() == 0),
                "no bitmap left over from the previous batch"
            );
        }
    }
    assert_eq!(
        out,
        build(9, false),
        "a reused builder writes the same bytes as a fresh one"
    );
}

#[test]
fn finish_into_appends_and_keeps_alignment_relative_to_the_stream() {
    let mut out = vec![1, 2, 3];
    let mut b = BatchBuilder::new(all_types(true));
    for r in 0..3 {
        append_row(&mut b, r, true);
    }
    b.finish_into(&mut out).unwrap();
    assert_eq!(&out[..3], &[1, 2, 3]);
    let batch = IpcBatch::parse(&out[3..]).unwrap();
    for r in 0..3 {
        check_row(&batch, r, true);
    }
}

#[test]
fn mismatched_column_lengths_fail_and_the_builder_recovers() {
    let mut b = BatchBuilder::new(all_types(true));
    append_row(&mut b, 0, false);
    b.append_bool(0, true);
    b.append_i16(1, 5);
    let err = b.finish().unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 'i32' has 1 values but column 'bool' has 2: every row needs a value or a null in every column"
    );
    append_row(&mut b, 1, false);
    let stream = b.finish().unwrap();
    assert_eq!(IpcBatch::parse(&stream).unwrap().num_rows(), 1);
}

#[test]
fn null_in_non_nullable_column_is_an_error() {
    let mut b = BatchBuilder::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    b.append_i64(0, 1);
    b.append_null(0);
    assert_eq!(
        b.finish().unwrap_err().message(),
        "column 'id' is not nullable but row 1 is null"
    );
}

#[test]
fn wrong_type_append_is_caught() {
    let mut b = BatchBuilder::new(all_types(true));
    let panicked =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.append_i32(6, 1))).is_err();
    assert_eq!(
        panicked,
        cfg!(debug_assertions),
        "a debug_assert in debug builds only"
    );
    let err = b.finish().unwrap_err();
    assert!(
        err.message()
            .starts_with("append_i32 on column 6 ('text', Utf8): wrong type"),
        "{}",
        err
    );
    // The failed batch is dropped: the next one is clean.
    append_row(&mut b, 2, true);
    assert!(b.finish().is_ok());
}

#[test]
fn bad_decimal_precision_is_reported_by_every_finish() {
    let mut b = BatchBuilder::new(Schema::new(vec![Field::new(
        "d",
        DataType::Decimal128 {
            precision: 39,
            scale: 0,
        },
        true,
    )]));
    for _ in 0..2 {
        b.append_null(0);
        assert_eq!(
            b.finish().unwrap_err().message(),
            "column 'd': decimal128 precision 39 is outside 1..=38"
        );
    }
}

/// Parses a (possibly corrupted) stream and, when that succeeds, calls every accessor on
/// every row: neither step may panic.
fn parse_all(stream: &[u8]) -> Result<usize, ArrowError> {
    let batch = IpcBatch::parse(stream)?;
    let mut touched = 0usize;
    for (c, f) in batch.columns().iter().zip(&batch.schema().fields) {
        for r in 0..c.len() {
            let v = match f.data_type {
                DataType::Boolean => c.bool(r) as usize,
                DataType::Int16 => c.i16(r) as usize,
                DataType::Int32 => c.i32(r) as usize,
                DataType::Int64 => c.i64(r) as usize,
                DataType::Float32 => c.f32(r) as usize,
                DataType::Float64 => c.f64(r) as usize,
                DataType::Utf8 => c.str(r).len(),
                DataType::Binary => c.bytes(r).len(),
                DataType::Date32 => c.date32(r) as usize,
                DataType::Timestamp { .. } => c.timestamp_micros(r) as usize,
                DataType::Decimal128 { .. } => c.decimal128(r) as usize,
                DataType::Time64Microsecond => c.time64_micros(r) as usize,
                DataType::IntervalMonthDayNano => {
                    let (months, days, nanos) = c.interval_mdn(r);
                    months as usize ^ days as usize ^ nanos as usize
                }
                DataType::FixedSizeBinary(width) => {
                    let v = c.fixed_bytes(r);
                    assert_eq!(v.len(), width as usize);
                    v.iter().map(|&b| b as usize).sum()
                }
            };
            touched = touched.wrapping_add(v).wrapping_add(c.is_null(r) as usize);
        }
        for (key, value) in &f.metadata {
            assert!(f.metadata_value(key).is_some());
            touched = touched.wrapping_add(key.len() + value.len());
        }
    }
    Ok(touched)
}

#[test]
fn every_truncation_is_rejected() {
    let stream = build(9, true);
    assert!(parse_all(&stream).is_ok());
    for len in 0..stream.len() {
        let err = IpcBatch::parse(&stream[..len]).unwrap_err();
        assert!(!err.message().is_empty());
    }
    let body = frames(&stream)[1].body.clone();
    assert_eq!(
        IpcBatch::parse(&stream[..body.end - 1])
            .unwrap_err()
            .message(),
        format!(
            "record batch message: batch truncated: body needs {} bytes, {} present",
            body.len(),
            body.len() - 1
        )
    );
}

#[test]
fn single_byte_corruptions_never_panic() {
    let stream = build(9, true);
    let mut rejected = 0;
    let mut copy = stream.clone();
    for i in 0..stream.len() {
        for &x in &[0x01u8, 0x02, 0x10, 0x80, 0xFF] {
            copy[i] ^= x;
            rejected += parse_all(&copy).is_err() as usize;
            copy[i] = stream[i];
        }
    }
    // Most metadata corruption is caught (about 58% of all cases today); body value bytes,
    // padding and name characters may legitimately take any value.
    assert!(
        rejected * 2 > 5 * stream.len(),
        "only {} of {} corruptions rejected",
        rejected,
        5 * stream.len()
    );
}

#[test]
fn corrupted_metadata_bytes_never_panic() {
    // Boundary values (small counts and offsets, sign bits, all ones) in every metadata
    // byte of the schema and record batch messages.
    let stream = build(3, true);
    let mut copy = stream.clone();
    for f in frames(&stream) {
        for i in f.meta.clone() {
            for &v in &[
                0u8, 1, 2, 3, 4, 7, 8, 0x10, 0x20, 0x40, 0x7F, 0x80, 0xC0, 0xFE, 0xFF,
            ] {
                copy[i] = v;
                let _ = parse_all(&copy);
            }
            copy[i] = stream[i];
        }
    }
}

/// Replaces the only occurrence of `from` in `stream[range]` with `to`.
fn replace_once(stream: &mut [u8], range: std::ops::Range<usize>, from: &[u8], to: &[u8]) {
    let hay = &stream[range.clone()];
    let hits: Vec<usize> = (0..=hay.len() - from.len())
        .filter(|&i| &hay[i..i + from.len()] == from)
        .collect();
    assert_eq!(hits.len(), 1, "pattern must occur exactly once");
    let at = range.start + hits[0];
    stream[at..at + to.len()].copy_from_slice(to);
}

fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn i64s(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn text_stream(values: &[&[u8]]) -> Vec<u8> {
    let mut b = BatchBuilder::new(Schema::new(vec![Field::new("t", DataType::Utf8, true)]));
    for v in values {
        b.append_bytes(0, v);
    }
    b.finish().unwrap()
}

#[test]
fn out_of_range_buffer_is_rejected() {
    let mut stream = text_stream(&[b"ab", b"cd", b"ef"]);
    let meta = frames(&stream)[1].meta.clone();
    // Buffers: validity (0, 0), offsets (0, 16), data (16, 6); stretch the data buffer.
    replace_once(&mut stream, meta, &i64s(&[16, 6]), &i64s(&[16, 600]));
    assert_eq!(
        IpcBatch::parse(&stream).unwrap_err().message(),
        "record batch: column 't': buffer 2 (offset 16, length 600) lies outside the 24-byte body"
    );
}

#[test]
fn negative_buffer_offset_is_rejected() {
    let mut stream = text_stream(&[b"ab", b"cd", b"ef"]);
    let meta = frames(&stream)[1].meta.clone();
    replace_once(&mut stream, meta, &i64s(&[16, 6]), &i64s(&[-8, 6]));
    assert!(IpcBatch::parse(&stream)
        .unwrap_err()
        .message()
        .contains("buffer 2 (offset -8, length 6) lies outside"));
}

#[test]
fn non_monotonic_offsets_are_rejected() {
    let mut stream = text_stream(&[b"ab", b"cd", b"ef"]);
    let body = frames(&stream)[1].body.clone();
    replace_once(
        &mut stream,
        body,
        &i32s(&[0, 2, 4, 6]),
        &i32s(&[0, 4, 2, 6]),
    );
    assert_eq!(
        IpcBatch::parse(&stream).unwrap_err().message(),
        "record batch: column 't': offsets not monotonic at row 1"
    );
}

#[test]
fn offsets_past_the_data_are_rejected() {
    let mut stream = text_stream(&[b"ab", b"cd", b"ef"]);
    let body = frames(&stream)[1].body.clone();
    replace_once(
        &mut stream,
        body,
        &i32s(&[0, 2, 4, 6]),
        &i32s(&[0, 2, 4, 7]),
    );
    assert_eq!(
        IpcBatch::parse(&stream).unwrap_err().message(),
        "record batch: column 't': row 2 ends at byte 7, past the 6-byte data buffer"
    );
}

#[test]
fn invalid_utf8_is_rejected_at_parse() {
    let stream = text_stream(&[b"ok", b"\xff\xfe", b"fine"]);
    assert_eq!(
        IpcBatch::parse(&stream).unwrap_err().message(),
        "record batch: column 't': row 1 is not valid UTF-8"
    );
    // The same bytes are fine in a Binary column.
    let mut b = BatchBuilder::new(Schema::new(vec![Field::new("b", DataType::Binary, true)]));
    b.append_bytes(0, b"\xff\xfe");
    let stream = b.finish().unwrap();
    assert_eq!(
        IpcBatch::parse(&stream).unwrap().column(0).bytes(0),
        b"\xff\xfe"
    );
}

#[test]
fn offsets_inside_a_character_are_rejected() {
    // "é" is C3 A9: the data "éa" is valid UTF-8 as a whole, but offsets [0, 1, 3] cut
    // the character in two, so neither value is UTF-8 on its own.
    let mut stream = text_stream(&["é".as_bytes(), b"a"]);
    let body = frames(&stream)[1].body.clone();
    replace_once(&mut stream, body, &i32s(&[0, 2, 3]), &i32s(&[0, 1, 3]));
    assert_eq!(
        IpcBatch::parse(&stream).unwrap_err().message(),
        "record batch: column 't': row 0 is not valid UTF-8"
    );
}

#[test]
fn bytes_under_a_null_need_not_be_utf8() {
    let mut b = BatchBuilder::new(Schema::new(vec![Field::new("t", DataType::Utf8, true)]));
    b.append_str(0, "ok");
    b.append_null(0);
    b.append_str(0, "x");
    let mut stream = b.finish().unwrap();
    let body = frames(&stream)[1].body.clone();
    // Offsets [0, 2, 2, 3] over "okx" -> [0, 1, 2, 3] over "o", FF, "x": the null now
    // spans one byte that is not UTF-8.
    replace_once(
        &mut stream,
        body.clone(),
        &i32s(&[0, 2, 2, 3]),
        &i32s(&[0, 1, 2, 3]),
    );
    replace_once(&mut stream, body, b"okx", b"o\xffx");
    let batch = IpcBatch::parse(&stream).unwrap();
    let column = batch.column(0);
    assert_eq!(column.str(0), "o");
    assert!(column.is_null(1));
    assert_eq!(column.str(2), "x");
}

#[test]
fn multibyte_values_are_accepted() {
    let values = ["né", "", "日本語", "🦀 crab", "a"];
    let bytes: Vec<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
    let stream = text_stream(&bytes);
    let batch = IpcBatch::parse(&stream).unwrap();
    for (row, value) in values.iter().enumerate() {
        assert_eq!(batch.column(0).str(row), *value);
    }
}

#[test]
fn null_count_disagreeing_with_the_bitmap_is_rejected() {
    let mut b = BatchBuilder::new(Schema::new(vec![Field::new("x", DataType::Int32, true)]));
    b.append_i32(0, 1);
    b.append_null(0);
    b.append_i32(0, 3);
    let mut stream = b.finish().unwrap();
    let meta = frames(&stream)[1].meta.clone();
    // FieldNode { length: 3, null_count: 1 } -> null_count 2.
    replace_once(&mut stream, meta, &i64s(&[3, 1]), &i64s(&[3, 2]));
    assert_eq!(
        IpcBatch::parse(&stream).unwrap_err().message(),
        "record batch: column 'x': validity bitmap marks 1 nulls, the field node says 2"
    );
}

#[test]
fn stream_must_end_after_one_batch() {
    let stream = build(2, false);
    let record_batch = frames(&stream)[1].meta.start - 8..stream.len() - 8;
    let mut two = stream[..stream.len() - 8].to_vec();
    two.extend_from_slice(&stream[record_batch]);
    two.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
    assert!(IpcBatch::parse(&two)
        .unwrap_err()
        .message()
        .contains("exactly one batch"));

    let mut trailing = stream.clone();
    trailing.push(0);
    assert_eq!(
        IpcBatch::parse(&trailing).unwrap_err().message(),
        "1 unexpected bytes after the end-of-stream marker"
    );

    let mut schema_only = stream[..frames(&stream)[1].meta.start - 8].to_vec();
    schema_only.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
    assert!(IpcBatch::parse(&schema_only)
        .unwrap_err()
        .message()
        .contains("ended early"));
}

/// A valid stream whose single column has a hand-written type: `tag` and the type table's
/// fields. The record batch of a one-Utf8-column stream follows; the reader must fail on
/// the schema before looking at it.
fn stream_with_type(tag: u8, type_fields: &[Slot]) -> Vec<u8> {
    let mut out = Vec::new();
    super::writer::message(&mut out, message::SCHEMA, 0, |fb| {
        let schema = fb.table(&[Slot::I16(0), Slot::Offset]);
        let fields = fb.offset_vector(1);
        fb.patch(schema.field(1), fields);
        let field = fb.table(&[Slot::Offset, Slot::Bool(true), Slot::U8(tag), Slot::Offset]);
        fb.patch(fields + 4, field.pos);
        let name = fb.string("c");
        fb.patch(field.field(0), name);
        let t = fb.table(type_fields);
        fb.patch(field.field(3), t.pos);
        schema.pos
    });
    let valid = text_stream(&[b"x"]);
    out.extend_from_slice(&valid[frames(&valid)[1].meta.start - 8..]);
    out
}

#[test]
fn hand_written_schema_with_defaults_is_read() {
    // Utf8 without a children vector (allowed), then the record batch of a Utf8 column.
    let stream = stream_with_type(types::UTF8, &[]);
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(
        batch.schema().fields[0],
        Field::new("c", DataType::Utf8, true)
    );
    assert_eq!(batch.column(0).str(0), "x");
}

#[test]
fn unsupported_types_are_named() {
    let cases: Vec<(u8, Vec<Slot>, &str)> = vec![
        (20, vec![], "unsupported type LargeUtf8 (Type union tag 20)"),
        (12, vec![], "unsupported type List (Type union tag 12)"),
        (
            types::INT,
            vec![Slot::I32(8), Slot::Bool(true)],
            "unsupported type int8",
        ),
        (
            types::INT,
            vec![Slot::I32(32), Slot::Bool(false)],
            "unsupported type uint32",
        ),
        (types::INT, vec![Slot::I32(32)], "unsupported type uint32"), // is_signed defaults to false
        (
            types::FLOATING_POINT,
            vec![],
            "unsupported type floating point of precision 0 (half)",
        ),
        (
            types::DATE,
            vec![],
            "unsupported type date64 (milliseconds)",
        ), // unit defaults to ms
        (
            types::TIMESTAMP,
            vec![Slot::I16(3)],
            "unsupported type timestamp in nanoseconds (microseconds expected)",
        ),
        (
            types::DECIMAL,
            vec![Slot::I32(10), Slot::I32(2), Slot::I32(256)],
            "unsupported type decimal256",
        ),
        (
            types::DECIMAL,
            vec![Slot::I32(10), Slot::I32(200)],
            "unsupported type decimal128(10, 200)",
        ),
    ];
    for (tag, fields, want) in cases {
        let err = IpcBatch::parse(&stream_with_type(tag, &fields)).unwrap_err();
        assert_eq!(
            err.message(),
            format!("schema message: column 0 ('c'): {}", want)
        );
    }
    // Decimal's bitWidth defaults to 128; the precision must still be valid.
    let err = IpcBatch::parse(&stream_with_type(
        types::DECIMAL,
        &[Slot::I32(0), Slot::I32(0)],
    ))
    .unwrap_err();
    assert_eq!(
        err.message(),
        "schema message: column 'c': decimal128 precision 0 is outside 1..=38"
    );
}

// ---------------------------------------------------------------------------------------
// time64(µs), interval(month-day-nano), fixed-size binary and field metadata.

const NEW_COLUMNS: usize = 6;

/// One column of each new type, plus an int32 and fixed-size binaries of other widths;
/// every field but `b1` carries metadata, as the PostgreSQL connectors write it.
fn new_types(nullable: bool) -> Schema {
    let f = |name: &str, t: DataType| Field::new(name, t, nullable);
    Schema::new(vec![
        f("tod", DataType::Time64Microsecond)
            .with_metadata("rapidbyte.native_type", "time without time zone"),
        f("span", DataType::IntervalMonthDayNano)
            .with_metadata("rapidbyte.native_type", "interval"),
        f("id", DataType::FixedSizeBinary(16))
            .with_metadata("rapidbyte.native_type", "uuid")
            .with_metadata("ARROW:extension:name", "arrow.uuid")
            .with_metadata("ARROW:extension:metadata", ""),
        f("b1", DataType::FixedSizeBinary(1)),
        f("b5", DataType::FixedSizeBinary(5)).with_metadata("ключ 🔑", "значение ✓ 日本語"),
        f("n", DataType::Int32).with_metadata("rapidbyte.native_type", "integer[]"),
    ])
}

/// Column 2 (the uuid) has its first null late, materialising its bitmap mid-byte.
fn new_null_at(c: usize, r: usize) -> bool {
    if c == 2 {
        r == 13 || r == 30
    } else {
        (r + c) % 4 == 0
    }
}

fn time_value(r: usize) -> i64 {
    const EXTREMES: [i64; 6] = [0, 86_399_999_999, i64::MIN, i64::MAX, -1, 86_400_000_000];
    match EXTREMES.get(r) {
        Some(&v) => v,
        None => (r as i64 * 1_234_567_891) % 86_400_000_000,
    }
}

fn interval_value(r: usize) -> (i32, i32, i64) {
    const EXTREMES: [(i32, i32, i64); 5] = [
        (i32::MIN, i32::MIN, i64::MIN),
        (i32::MAX, i32::MAX, i64::MAX),
        (i32::MIN, i32::MAX, -1),
        (0, 0, 0),
        (-1, -1, i64::MIN),
    ];
    match EXTREMES.get(r) {
        Some(&v) => v,
        None => (
            r as i32 * 7 - 100,
            -(r as i32) * 3,
            r as i64 * 1_000_000_007 - 5,
        ),
    }
}

fn uuid_value(r: usize) -> [u8; 16] {
    let mut u = [0u8; 16];
    for (i, b) in u.iter_mut().enumerate() {
        *b = match r {
            0 => 0xFF,
            1 => 0,
            _ => (i * 37 + r * 11) as u8,
        };
    }
    u
}

fn b5_value(r: usize) -> [u8; 5] {
    [r as u8, 0xFF - r as u8, 0, 0x7F, 0x80]
}

fn append_new_row(b: &mut BatchBuilder, r: usize, nulls: bool) {
    for c in 0..NEW_COLUMNS {
        if nulls && new_null_at(c, r) {
            b.append_null(c);
            continue;
        }
        match c {
            0 => b.append_time64_micros(c, time_value(r)),
            1 => {
                let (months, days, nanos) = interval_value(r);
                b.append_interval_mdn(c, months, days, nanos)
            }
            2 => b.append_fixed_bytes(c, &uuid_value(r)),
            3 => b.append_fixed_bytes(c, &[r as u8 ^ 0x80]),
            4 => b.append_fixed_bytes(c, &b5_value(r)),
            _ => b.append_i32(c, r as i32 - 20),
        }
    }
}

fn check_new_row(batch: &IpcBatch<'_>, r: usize, nulls: bool) {
    for c in 0..NEW_COLUMNS {
        let col = batch.column(c);
        let null = nulls && new_null_at(c, r);
        assert_eq!(col.is_null(r), null, "column {} row {}", c, r);
        if null {
            // Our writer zero-fills the slot of a null.
            match c {
                0 => assert_eq!(col.time64_micros(r), 0),
                1 => assert_eq!(col.interval_mdn(r), (0, 0, 0)),
                2 => assert_eq!(col.fixed_bytes(r), &[0u8; 16][..]),
                3 => assert_eq!(col.fixed_bytes(r), &[0u8][..]),
                4 => assert_eq!(col.fixed_bytes(r), &[0u8; 5][..]),
                _ => assert_eq!(col.i32(r), 0),
            }
            continue;
        }
        match c {
            0 => assert_eq!(col.time64_micros(r), time_value(r), "row {}", r),
            1 => assert_eq!(col.interval_mdn(r), interval_value(r), "row {}", r),
            2 => assert_eq!(col.fixed_bytes(r), &uuid_value(r)[..], "row {}", r),
            3 => assert_eq!(col.fixed_bytes(r), &[r as u8 ^ 0x80][..], "row {}", r),
            4 => assert_eq!(col.fixed_bytes(r), &b5_value(r)[..], "row {}", r),
            _ => assert_eq!(col.i32(r), r as i32 - 20),
        }
    }
}

fn build_new(rows: usize, nulls: bool) -> Vec<u8> {
    let mut b = BatchBuilder::new(new_types(true));
    for r in 0..rows {
        append_new_row(&mut b, r, nulls);
    }
    assert_eq!(b.rows(), rows);
    b.finish().unwrap()
}

#[test]
fn round_trip_new_types_with_nulls_and_extremes() {
    let stream = build_new(37, true);
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(batch.schema(), &new_types(true), "types and metadata");
    assert_eq!(batch.num_rows(), 37);
    for r in 0..37 {
        check_new_row(&batch, r, true);
    }
    assert_eq!(batch.column(0).null_count(), 10); // rows 0, 4, ..., 36
    assert_eq!(batch.column(2).null_count(), 2);
    assert!(parse_all(&stream).is_ok());
}

#[test]
fn round_trip_new_types_without_nulls_has_exact_buffers() {
    let mut b = BatchBuilder::new(new_types(false));
    for r in 0..37 {
        append_new_row(&mut b, r, false);
    }
    let stream = b.finish().unwrap();
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(batch.schema(), &new_types(false));
    for r in 0..37 {
        check_new_row(&batch, r, false);
    }
    let bufs = buffers(&stream);
    assert_eq!(bufs.len(), 2 * NEW_COLUMNS);
    let widths = [8, 16, 16, 1, 5, 4];
    for (c, &width) in widths.iter().enumerate() {
        assert_eq!(bufs[2 * c].1, 0, "column {}: no validity bitmap", c);
        assert_eq!(bufs[2 * c + 1].1, 37 * width, "column {}: rows * width", c);
    }
}

#[test]
fn new_types_are_reused_across_batches() {
    let mut b = BatchBuilder::new(new_types(true));
    let mut out = Vec::new();
    for (rows, nulls) in [(40, true), (3, false), (0, false), (17, true), (9, false)] {
        for r in 0..rows {
            append_new_row(&mut b, r, nulls);
        }
        out.clear();
        b.finish_into(&mut out).unwrap();
        assert_eq!(b.byte_size(), 0);
        let batch = IpcBatch::parse(&out).unwrap();
        assert_eq!(batch.num_rows(), rows);
        for r in 0..rows {
            check_new_row(&batch, r, nulls);
        }
    }
    assert_eq!(out, build_new(9, false));
}

#[test]
fn empty_batch_of_new_types() {
    let stream = BatchBuilder::new(new_types(true)).finish().unwrap();
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(batch.num_rows(), 0);
    assert_eq!(batch.schema(), &new_types(true));
    assert!(buffers(&stream).iter().all(|&(_, len)| len == 0));
}

#[test]
fn new_type_wire_layout() {
    let schema = Schema::new(vec![
        Field::new("t", DataType::Time64Microsecond, false),
        Field::new("i", DataType::IntervalMonthDayNano, false),
        Field::new("f", DataType::FixedSizeBinary(3), false),
    ]);
    let mut b = BatchBuilder::new(schema);
    b.append_time64_micros(0, 0x0102_0304_0506_0708);
    b.append_interval_mdn(1, -2, 0x0A0B_0C0D, 0x1112_1314_1516_1718);
    b.append_fixed_bytes(2, b"xyz");
    let stream = b.finish().unwrap();
    let body = &stream[frames(&stream)[1].body.clone()];
    assert_eq!(
        &body[..8],
        &[8, 7, 6, 5, 4, 3, 2, 1],
        "time64: little-endian i64"
    );
    assert_eq!(
        &body[8..24],
        &[
            0xFE, 0xFF, 0xFF, 0xFF, // months -2
            0x0D, 0x0C, 0x0B, 0x0A, // days
            0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, // nanoseconds
        ],
        "interval: months i32, days i32, nanoseconds i64, little-endian"
    );
    assert_eq!(
        &body[24..32],
        b"xyz\0\0\0\0\0",
        "fixed-size binary, padded to 8"
    );

    // The type tables carry every field explicitly.
    let f = &frames(&stream)[0];
    let root = super::flatbuf::Table::root(&stream[f.meta.clone()]).unwrap();
    let schema = root.table(message::HEADER).unwrap().unwrap();
    let fields = schema
        .vector(super::format::schema::FIELDS, 4)
        .unwrap()
        .unwrap();
    let type_of = |i: usize| {
        let field = fields.table(i).unwrap();
        let tag = field.u8(super::format::field::TYPE_TYPE, 0).unwrap();
        (
            tag,
            field.table(super::format::field::TYPE).unwrap().unwrap(),
        )
    };
    let (tag, t) = type_of(0);
    assert_eq!(tag, types::TIME);
    assert_eq!(
        t.i16(types::TIME_UNIT, -1).unwrap(),
        types::TIME_UNIT_MICROSECOND
    );
    assert_eq!(t.i32(types::TIME_BIT_WIDTH, -1).unwrap(), 64);
    let (tag, t) = type_of(1);
    assert_eq!(tag, types::INTERVAL);
    assert_eq!(t.i16(types::INTERVAL_UNIT, -1).unwrap(), 2);
    let (tag, t) = type_of(2);
    assert_eq!(tag, types::FIXED_SIZE_BINARY);
    assert_eq!(t.i32(types::FIXED_SIZE_BINARY_WIDTH, -1).unwrap(), 3);
    // No metadata: no custom_metadata field at all, as before metadata existed.
    for i in 0..3 {
        let field = fields.table(i).unwrap();
        assert!(!field.has(super::format::field::CUSTOM_METADATA).unwrap());
    }
}

#[test]
fn fixed_bytes_of_the_wrong_length_are_an_error() {
    let schema = Schema::new(vec![
        Field::new("id", DataType::FixedSizeBinary(16), true),
        Field::new("n", DataType::Int32, true),
    ]);
    let mut b = BatchBuilder::new(schema);
    for (len, row) in [(15usize, 1usize), (17, 1), (0, 1)] {
        b.append_fixed_bytes(0, &[7; 16]);
        b.append_i32(1, 0);
        b.append_fixed_bytes(0, &vec![1; len]);
        assert_eq!(b.rows(), 2, "the bad value still takes its row");
        b.append_i32(1, 1);
        b.append_fixed_bytes(0, &[9; 16]); // later good values do not hide the error
        b.append_i32(1, 2);
        assert_eq!(
            b.finish().unwrap_err().message(),
            format!(
                "column 'id': row {} has {} bytes, the fixed-size binary width is 16",
                row, len
            )
        );
    }
    // The failed batch was dropped; the next one is clean.
    b.append_fixed_bytes(0, &[3; 16]);
    b.append_null(1);
    let stream = b.finish().unwrap();
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(batch.num_rows(), 1);
    assert_eq!(batch.column(0).fixed_bytes(0), &[3; 16][..]);
}

#[test]
fn wrong_type_appends_of_new_types_are_caught() {
    let schema = Schema::new(vec![
        Field::new("blob", DataType::Binary, true),
        Field::new("ts", DataType::Timestamp { timezone: None }, true),
        Field::new(
            "dec",
            DataType::Decimal128 {
                precision: 10,
                scale: 0,
            },
            true,
        ),
        Field::new("id", DataType::FixedSizeBinary(16), true),
    ]);
    type Append = fn(&mut BatchBuilder);
    let cases: [(Append, &str); 6] = [
        (
            |b| b.append_fixed_bytes(0, &[0; 16]),
            "append_fixed_bytes on column 0 ('blob', Binary)",
        ),
        (
            |b| b.append_time64_micros(1, 0),
            "append_time64_micros on column 1 ('ts', Timestamp",
        ),
        (
            |b| b.append_interval_mdn(2, 0, 0, 0),
            "append_interval_mdn on column 2 ('dec', Decimal128",
        ),
        (
            |b| b.append_bytes(3, &[0; 16]),
            "append_bytes on column 3 ('id', FixedSizeBinary(16))",
        ),
        (
            |b| b.append_decimal128(3, 0),
            "append_decimal128 on column 3 ('id', FixedSizeBinary(16))",
        ),
        (
            |b| b.append_time64_micros(4, 0),
            "append_time64_micros: column 4 does not exist",
        ),
    ];
    for (append, want) in cases {
        let mut b = BatchBuilder::new(schema.clone());
        let panicked =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| append(&mut b))).is_err();
        assert_eq!(panicked, cfg!(debug_assertions));
        let err = b.finish().unwrap_err();
        assert!(err.message().starts_with(want), "{}", err);
    }
}

#[test]
fn bad_fixed_size_binary_width_is_reported_by_every_finish() {
    for width in [0, -1, i32::MIN] {
        let mut b = BatchBuilder::new(Schema::new(vec![Field::new(
            "f",
            DataType::FixedSizeBinary(width),
            true,
        )]));
        for _ in 0..2 {
            b.append_null(0);
            assert_eq!(
                b.finish().unwrap_err().message(),
                format!(
                    "column 'f': fixed-size binary width {} is not positive",
                    width
                )
            );
        }
    }
}

#[test]
fn metadata_round_trips_in_order() {
    let mut many = Field::new("many", DataType::Utf8, true);
    for i in 0..1000 {
        many = many.with_metadata(
            format!("key {} – ключ 鍵 🔑", i),
            format!("value {} ✓ {}", i, "é".repeat(i % 17)),
        );
    }
    many = many
        .with_metadata("", "empty key")
        .with_metadata("empty value", "")
        .with_metadata("nul \0 inside", "\0")
        .with_metadata("long", "x".repeat(100_000))
        .with_metadata("\u{10FFFF}", "\u{10FFFF}");
    assert_eq!(many.metadata.len(), 1005);
    let schema = Schema::new(vec![
        Field::new("plain", DataType::Int64, false),
        many,
        Field::new("one", DataType::Boolean, true).with_metadata("k", "v"),
    ]);
    let mut b = BatchBuilder::new(schema.clone());
    b.append_i64(0, 1);
    b.append_str(1, "x");
    b.append_null(2);
    let stream = b.finish().unwrap();
    let batch = IpcBatch::parse(&stream).unwrap();
    assert_eq!(batch.schema(), &schema, "every pair, in order");
    let f = &batch.schema().fields[1];
    assert_eq!(f.metadata[0].0, "key 0 – ключ 鍵 🔑");
    let last = format!("value 999 ✓ {}", "é".repeat(999 % 17));
    assert_eq!(
        f.metadata_value("key 999 – ключ 鍵 🔑"),
        Some(last.as_str())
    );
    assert_eq!(f.metadata_value(""), Some("empty key"));
    assert_eq!(f.metadata_value("empty value"), Some(""));
    assert_eq!(f.metadata_value("long").map(str::len), Some(100_000));
    assert_eq!(f.metadata_value("missing"), None);
    assert!(batch.schema().fields[0].metadata.is_empty());
    assert_eq!(batch.schema().fields[2].metadata_value("k"), Some("v"));
}

#[test]
fn with_metadata_replaces_a_key_in_place() {
    let f = Field::new("c", DataType::Int32, true)
        .with_metadata("a", "1")
        .with_metadata("b", "2")
        .with_metadata("a", "3");
    assert_eq!(
        f.metadata,
        vec![
            ("a".to_string(), "3".to_string()),
            ("b".to_string(), "2".to_string())
        ]
    );
    assert_eq!(f.metadata_value("a"), Some("3"));
    assert_eq!(Field::new("c", DataType::Int32, true).metadata, vec![]);
}

#[test]
fn repeated_metadata_keys_are_rejected_by_writer_and_reader() {
    let mut field = Field::new("d", DataType::Int32, true)
        .with_metadata("dupA", "first")
        .with_metadata("dupB", "second");
    let mut b = BatchBuilder::new(Schema::new(vec![field.clone()]));
    b.append_i32(0, 1);
    let mut stream = b.finish().unwrap();
    // Built directly, bypassing with_metadata: the writer refuses.
    field.metadata[1].0 = "dupA".to_string();
    let mut bad = BatchBuilder::new(Schema::new(vec![field]));
    bad.append_i32(0, 1);
    let want = "column 'd': metadata key 'dupA' appears more than once";
    assert_eq!(bad.finish().unwrap_err().message(), want);
    // Written by someone else: the reader refuses.
    let meta = frames(&stream)[0].meta.clone();
    replace_once(&mut stream, meta, b"dupB", b"dupA");
    assert_eq!(
        IpcBatch::parse(&stream).unwrap_err().message(),
        format!("schema message: {}", want)
    );
}

/// A hand-written KeyValue: `None` leaves the key or value out of the table.
type Entry<'s> = (Option<&'s str>, Option<&'s str>);

/// A stream whose single Utf8 column has hand-written custom metadata entries (a key or
/// value of `None` is left out of its KeyValue table), followed by a valid record batch.
fn stream_with_metadata(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    super::writer::message(&mut out, message::SCHEMA, 0, |fb| {
        let schema = fb.table(&[Slot::I16(0), Slot::Offset]);
        let fields = fb.offset_vector(1);
        fb.patch(schema.field(1), fields);
        let field = fb.table(&[
            Slot::Offset,
            Slot::Bool(true),
            Slot::U8(types::UTF8),
            Slot::Offset,
            Slot::Absent,
            Slot::Absent,
            Slot::Offset,
        ]);
        fb.patch(fields + 4, field.pos);
        let name = fb.string("c");
        fb.patch(field.field(0), name);
        let t = fb.table(&[]);
        fb.patch(field.field(3), t.pos);
        let list = fb.offset_vector(entries.len());
        fb.patch(field.field(6), list);
        for (i, (key, value)) in entries.iter().enumerate() {
            let slot = |s: &Option<&str>| {
                if s.is_some() {
                    Slot::Offset
                } else {
                    Slot::Absent
                }
            };
            let kv = fb.table(&[slot(key), slot(value)]);
            fb.patch(list + 4 + 4 * i, kv.pos);
            for (id, s) in [key, value].iter().enumerate() {
                if let Some(s) = s {
                    let at = fb.string(s);
                    fb.patch(kv.field(id), at);
                }
            }
        }
        schema.pos
    });
    let valid = text_stream(&[b"x"]);
    out.extend_from_slice(&valid[frames(&valid)[1].meta.start - 8..]);
    out
}

#[test]
fn hand_written_metadata_is_read_and_checked() {
    let ok = stream_with_metadata(&[(Some("a"), Some("1")), (Some("b"), Some(""))]);
    let batch = IpcBatch::parse(&ok).unwrap();
    assert_eq!(
        batch.schema().fields[0],
        Field::new("c", DataType::Utf8, true)
            .with_metadata("a", "1")
            .with_metadata("b", "")
    );
    let empty = stream_with_metadata(&[]);
    assert!(IpcBatch::parse(&empty).unwrap().schema().fields[0]
        .metadata
        .is_empty());
    let cases: [(&[Entry<'_>], &str); 2] = [
        (
            &[(Some("a"), Some("1")), (None, Some("2"))],
            "custom metadata entry 1 has no key",
        ),
        (&[(Some("a"), None)], "custom metadata entry 0 has no value"),
    ];
    for (entries, want) in cases {
        assert_eq!(
            IpcBatch::parse(&stream_with_metadata(entries))
                .unwrap_err()
                .message(),
            format!("schema message: column 0 ('c'): {}", want)
        );
    }
}

#[test]
fn new_types_with_other_parameters_are_named() {
    let cases: Vec<(u8, Vec<Slot>, &str)> = vec![
        (
            types::TIME,
            vec![],
            "time32 in milliseconds (time64 in microseconds expected)",
        ),
        (
            types::TIME,
            vec![Slot::I16(0), Slot::I32(32)],
            "time32 in seconds (time64 in microseconds expected)",
        ),
        (
            types::TIME,
            vec![Slot::I16(3), Slot::I32(64)],
            "time64 in nanoseconds (time64 in microseconds expected)",
        ),
        (
            types::TIME,
            vec![Slot::I16(2)],
            "time32 in microseconds (time64 in microseconds expected)",
        ),
        (
            types::TIME,
            vec![Slot::I16(9), Slot::I32(64)],
            "time64 in an unknown unit (time64 in microseconds expected)",
        ),
        (
            types::INTERVAL,
            vec![],
            "interval of year_month (month_day_nano expected)",
        ),
        (
            types::INTERVAL,
            vec![Slot::I16(1)],
            "interval of day_time (month_day_nano expected)",
        ),
        (
            types::INTERVAL,
            vec![Slot::I16(-3)],
            "interval of an unknown unit (month_day_nano expected)",
        ),
        (18, vec![Slot::I16(2)], "Duration (Type union tag 18)"),
    ];
    for (tag, fields, want) in cases {
        let err = IpcBatch::parse(&stream_with_type(tag, &fields)).unwrap_err();
        assert_eq!(
            err.message(),
            format!("schema message: column 0 ('c'): unsupported type {}", want)
        );
    }
    // byteWidth defaults to 0, which (like a negative width) is rejected.
    for (fields, width) in [(vec![], 0), (vec![Slot::I32(-16)], -16)] {
        let err =
            IpcBatch::parse(&stream_with_type(types::FIXED_SIZE_BINARY, &fields)).unwrap_err();
        assert_eq!(
            err.message(),
            format!(
                "schema message: column 'c': fixed-size binary width {} is not positive",
                width
            )
        );
    }
}

#[test]
fn short_fixed_width_value_buffers_are_rejected() {
    // For every fixed-width new column, a value buffer one byte short of rows * width.
    let stream = build_new(5, false);
    let bufs = buffers(&stream);
    let widths = [8i64, 16, 16, 1, 5];
    let names = ["tod", "span", "id", "b1", "b5"];
    for c in 0..widths.len() {
        // Buffers 2c (validity) and 2c + 1 (values): the pair identifies the entry.
        let (v_offset, v_len) = bufs[2 * c];
        let (offset, len) = bufs[2 * c + 1];
        assert_eq!(len, 5 * widths[c]);
        let mut bad = stream.clone();
        let meta = frames(&stream)[1].meta.clone();
        replace_once(
            &mut bad,
            meta,
            &i64s(&[v_offset, v_len, offset, len]),
            &i64s(&[v_offset, v_len, offset, len - 1]),
        );
        assert_eq!(
            IpcBatch::parse(&bad).unwrap_err().message(),
            format!(
                "record batch: column '{}': value buffer has {} bytes, needs {}",
                names[c],
                len - 1,
                len
            )
        );
    }
}

#[test]
fn fixed_size_binary_width_beyond_the_values_is_rejected() {
    // The schema claims a wider type than the record batch holds: an error, no panic.
    const WIDTH: i32 = 4093; // occurs once in the schema message
    let mut b = BatchBuilder::new(Schema::new(vec![Field::new(
        "f",
        DataType::FixedSizeBinary(WIDTH),
        false,
    )]));
    b.append_fixed_bytes(0, &[7; WIDTH as usize]);
    b.append_fixed_bytes(0, &[8; WIDTH as usize]);
    let stream = b.finish().unwrap();
    let meta = frames(&stream)[0].meta.clone();
    for width in [WIDTH + 1, i32::MAX] {
        let mut bad = stream.clone();
        replace_once(&mut bad, meta.clone(), &i32s(&[WIDTH]), &i32s(&[width]));
        assert_eq!(
            IpcBatch::parse(&bad).unwrap_err().message(),
            format!(
                "record batch: column 'f': value buffer has {} bytes, needs {}",
                2 * WIDTH,
                2 * width as i64
            )
        );
    }
    // Narrower: the value buffer is longer than needed, which Arrow allows (padding).
    let mut narrow = stream.clone();
    replace_once(&mut narrow, meta, &i32s(&[WIDTH]), &i32s(&[WIDTH - 1]));
    let batch = IpcBatch::parse(&narrow).unwrap();
    assert_eq!(batch.column(0).fixed_bytes(1).len(), WIDTH as usize - 1);
}

#[test]
fn every_truncation_of_new_types_is_rejected() {
    let stream = build_new(9, true);
    assert!(parse_all(&stream).is_ok());
    for len in 0..stream.len() {
        assert!(
            IpcBatch::parse(&stream[..len]).is_err(),
            "truncated to {}",
            len
        );
    }
}

#[test]
fn single_byte_corruptions_of_new_types_never_panic() {
    let stream = build_new(9, true);
    let mut rejected = 0;
    let mut copy = stream.clone();
    for i in 0..stream.len() {
        for &x in &[0x01u8, 0x02, 0x10, 0x80, 0xFF] {
            copy[i] ^= x;
            rejected += parse_all(&copy).is_err() as usize;
            copy[i] = stream[i];
        }
    }
    // About 56% are rejected today; metadata strings, body values and padding may
    // legitimately take any value.
    assert!(
        rejected * 2 > 5 * stream.len(),
        "only {} of {} corruptions rejected",
        rejected,
        5 * stream.len()
    );
}

#[test]
fn corrupted_metadata_bytes_of_new_types_never_panic() {
    let stream = build_new(3, true);
    let mut copy = stream.clone();
    for f in frames(&stream) {
        for i in f.meta.clone() {
            for &v in &[
                0u8, 1, 2, 3, 4, 7, 8, 9, 11, 15, 16, 0x10, 0x20, 0x40, 0x7F, 0x80, 0xC0, 0xFE,
                0xFF,
            ] {
                copy[i] = v;
                let _ = parse_all(&copy);
            }
            copy[i] = stream[i];
        }
    }
}

#[test]
fn type_tags_swapped_between_new_and_old_types_never_panic() {
    // Rewrite each column's Type union tag to every tag in 0..=30, so each type table is
    // read as every other type: the reader rejects or accepts, never panics.
    let stream = build_new(4, true);
    let meta = frames(&stream)[0].meta.clone();
    let root = super::flatbuf::Table::root(&stream[meta.clone()]).unwrap();
    let schema = root.table(message::HEADER).unwrap().unwrap();
    let fields = schema
        .vector(super::format::schema::FIELDS, 4)
        .unwrap()
        .unwrap();
    let mut accepted = 0;
    for i in 0..fields.len() {
        let field = fields.table(i).unwrap();
        let at = meta.start + field.field_pos(super::format::field::TYPE_TYPE).unwrap();
        let original = stream[at];
        assert_eq!(
            original,
            [types::TIME, types::INTERVAL, 15, 15, 15, types::INT][i]
        );
        for tag in 0..=30u8 {
            let mut copy = stream.clone();
            copy[at] = tag;
            let ok = parse_all(&copy).is_ok();
            accepted += ok as usize;
            if tag == original {
                assert!(ok);
            }
        }
    }
    assert!(accepted >= fields.len());
}
