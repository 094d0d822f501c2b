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
            };
            touched = touched.wrapping_add(v).wrapping_add(c.is_null(r) as usize);
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
