//! The encoder against PostgreSQL's binary formats, checked with an independent reader of
//! the COPY stream and an independent numeric → text renderer (numeric_out's rules).

use crate::encode::*;
use bytes::BytesMut;
use rapidbyte_sdk::arrow::{BatchBuilder, DataType, Field, IpcBatch, Schema};

/// A COPY binary stream split into rows of fields (`None` = NULL); checks the framing.
fn read_copy(stream: &[u8]) -> Vec<Vec<Option<Vec<u8>>>> {
    assert_eq!(&stream[..11], b"PGCOPY\n\xff\r\n\0", "signature");
    assert_eq!(&stream[11..19], &[0u8; 8], "flags and extension length");
    let mut at = 19;
    let mut rows = Vec::new();
    loop {
        let count = i16::from_be_bytes([stream[at], stream[at + 1]]);
        at += 2;
        if count == -1 {
            assert_eq!(at, stream.len(), "bytes after the trailer");
            return rows;
        }
        let mut row = Vec::new();
        for _ in 0..count {
            let len = i32::from_be_bytes(stream[at..at + 4].try_into().unwrap());
            at += 4;
            if len == -1 {
                row.push(None);
            } else {
                row.push(Some(stream[at..at + len as usize].to_vec()));
                at += len as usize;
            }
        }
        rows.push(row);
    }
}

/// Encodes a whole batch into one stream (small flush threshold to exercise resumption).
fn encode_all(ipc: &[u8], encodings: Vec<Encoding>) -> Vec<u8> {
    let batch = IpcBatch::parse(ipc).unwrap();
    let mut encoder = CopyEncoder::new(encodings);
    let mut buf = BytesMut::new();
    put_header(&mut buf);
    let mut out = Vec::new();
    let mut row = 0;
    while row < batch.num_rows() {
        row = encoder.encode(&batch, row, &mut buf, 64).unwrap();
        out.extend_from_slice(&buf.split());
    }
    put_trailer(&mut buf);
    out.extend_from_slice(&buf);
    out
}

fn decimal_bytes(unscaled: i128, scale: i32) -> Vec<u8> {
    let mut buf = BytesMut::new();
    put_decimal(&mut buf, unscaled, scale);
    let len = i32::from_be_bytes(buf[..4].try_into().unwrap());
    assert_eq!(len as usize, buf.len() - 4, "length prefix");
    buf[4..].to_vec()
}

/// PostgreSQL's numeric_out on a binary numeric, written from the format's definition.
fn numeric_text(value: &[u8]) -> String {
    let word = |i: usize| u16::from_be_bytes([value[2 * i], value[2 * i + 1]]);
    let ndigits = word(0) as usize;
    let weight = word(1) as i16 as i32;
    let sign = word(2);
    let dscale = word(3) as i32;
    assert_eq!(value.len(), 8 + 2 * ndigits);
    match sign {
        NUMERIC_NAN => return "NaN".into(),
        NUMERIC_PINF => return "Infinity".into(),
        NUMERIC_NINF => return "-Infinity".into(),
        NUMERIC_POS | NUMERIC_NEG => {}
        other => panic!("bad sign {:#x}", other),
    }
    let digits: Vec<u16> = (0..ndigits).map(|i| word(4 + i)).collect();
    assert!(
        digits.iter().all(|&d| d < 10_000),
        "digit over 9999: {:?}",
        digits
    );
    assert_ne!(digits.first(), Some(&0), "leading zero group: {:?}", digits);
    assert_ne!(digits.last(), Some(&0), "trailing zero group: {:?}", digits);
    let group = |w: i32| -> u16 {
        let i = weight - w;
        if i >= 0 && (i as usize) < digits.len() {
            digits[i as usize]
        } else {
            0
        }
    };
    let mut text = String::new();
    if sign == NUMERIC_NEG {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        text.push_str(&group(weight).to_string());
        for w in (0..weight).rev() {
            text.push_str(&format!("{:04}", group(w)));
        }
    }
    if dscale > 0 {
        text.push('.');
        let mut fraction = String::new();
        let mut w = -1;
        while (fraction.len() as i32) < dscale {
            fraction.push_str(&format!("{:04}", group(w)));
            w -= 1;
        }
        text.push_str(&fraction[..dscale as usize]);
    }
    text
}

/// The decimal text of `unscaled / 10^scale`, the way PostgreSQL prints it.
fn decimal_text(unscaled: i128, scale: i32) -> String {
    let digits = unscaled.unsigned_abs().to_string();
    let sign = if unscaled < 0 { "-" } else { "" };
    if scale <= 0 {
        let zeros = if unscaled == 0 { 0 } else { -scale as usize };
        return format!("{}{}{}", sign, digits, "0".repeat(zeros));
    }
    let scale = scale as usize;
    let padded = format!("{:0>width$}", digits, width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{}{}.{}", sign, int, frac)
}

#[test]
fn decimals_encode_exactly_at_every_scale_and_sign() {
    let values: [i128; 16] = [
        0,
        1,
        -1,
        9,
        10,
        9999,
        10_000,
        -10_000,
        12_345,
        -123_456_789,
        10i128.pow(37),
        10i128.pow(38) - 1,
        -(10i128.pow(38) - 1),
        u64::MAX as i128 + 1,
        i128::MAX,
        i128::MIN,
    ];
    for &value in &values {
        for scale in (0..=38).chain([-1, -3, -4, -5, -10]) {
            let encoded = decimal_bytes(value, scale);
            let expected = if value == 0 && scale > 0 {
                format!("0.{}", "0".repeat(scale as usize))
            } else {
                decimal_text(value, scale)
            };
            assert_eq!(
                numeric_text(&encoded),
                expected,
                "{} at scale {}",
                value,
                scale
            );
        }
    }
}

#[test]
fn decimals_match_what_postgresql_sends() {
    // SELECT numeric_send(x) in PostgreSQL 15, written out as words.
    let words = |w: &[u16]| -> Vec<u8> { w.iter().flat_map(|x| x.to_be_bytes()).collect() };
    // 123.45 as numeric(5,2)
    assert_eq!(decimal_bytes(12_345, 2), words(&[2, 0, 0, 2, 123, 4500]));
    // 0 as numeric(10,2): no digits, weight 0
    assert_eq!(decimal_bytes(0, 2), words(&[0, 0, 0, 2]));
    // -0.0001 as numeric(6,4)
    assert_eq!(decimal_bytes(-1, 4), words(&[1, 0xFFFF, 0x4000, 4, 1]));
    // 10000 as numeric(5,0): trailing zero group dropped
    assert_eq!(decimal_bytes(10_000, 0), words(&[1, 1, 0, 0, 1]));
    // 1e-38 as numeric(38,38)
    assert_eq!(
        decimal_bytes(1, 38),
        words(&[1, (-10i16) as u16, 0, 38, 100])
    );
    // 10^37 as numeric(38,0)
    assert_eq!(decimal_bytes(10i128.pow(37), 0), words(&[1, 9, 0, 0, 10]));
}

#[test]
fn a_pseudo_random_sweep_of_decimals_round_trips_through_the_text_form() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..20_000 {
        let high = next() as i128;
        let low = next() as i128;
        let value = match i % 4 {
            0 => (high << 64) | low,
            1 => low >> (next() % 64),
            2 => -((low & 0x7FFF_FFFF_FFFF_FFFF) >> (next() % 63)),
            _ => ((high << 64) | low) >> (next() % 128),
        };
        let scale = (next() % 39) as i32;
        let expected = if value == 0 && scale > 0 {
            format!("0.{}", "0".repeat(scale as usize))
        } else {
            decimal_text(value, scale)
        };
        let encoded = decimal_bytes(value, scale);
        assert_eq!(numeric_text(&encoded), expected);
        // The text path agrees with the binary path byte for byte.
        let mut digits = Vec::new();
        let head = parse_numeric(expected.as_bytes(), &mut digits).unwrap();
        let mut from_text = vec![];
        from_text.extend_from_slice(&(digits.len() as u16).to_be_bytes());
        from_text.extend_from_slice(&head.weight.to_be_bytes());
        from_text.extend_from_slice(&head.sign.to_be_bytes());
        from_text.extend_from_slice(&head.dscale.to_be_bytes());
        for d in &digits {
            from_text.extend_from_slice(&d.to_be_bytes());
        }
        assert_eq!(from_text, encoded, "{}", expected);
    }
}

fn numeric_from_text(text: &str) -> Result<String, &'static str> {
    let mut digits = Vec::new();
    let head = parse_numeric(text.as_bytes(), &mut digits)?;
    let mut bytes = vec![];
    bytes.extend_from_slice(&(digits.len() as u16).to_be_bytes());
    bytes.extend_from_slice(&head.weight.to_be_bytes());
    bytes.extend_from_slice(&head.sign.to_be_bytes());
    bytes.extend_from_slice(&head.dscale.to_be_bytes());
    for d in &digits {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    Ok(numeric_text(&bytes))
}

#[test]
fn numeric_text_parses_like_numeric_in() {
    let cases = [
        ("0", "0"),
        ("-0", "0"),
        ("0.000", "0.000"),
        ("  42  ", "42"),
        ("+7.5", "7.5"),
        ("-1.50", "-1.50"),
        (".5", "0.5"),
        ("5.", "5"),
        ("00012.3400", "12.3400"),
        ("1e3", "1000"),
        ("1.5E-3", "0.0015"),
        ("-2.50e+2", "-250"),
        (
            "123456789012345678901234567890.123456789012345678901234567890",
            "123456789012345678901234567890.123456789012345678901234567890",
        ),
        (
            "-1234567890123456789012345678901234567890.12345678901234567890",
            "-1234567890123456789012345678901234567890.12345678901234567890",
        ),
        ("0.00000000000000000001", "0.00000000000000000001"),
        ("NaN", "NaN"),
        ("nan", "NaN"),
        ("Infinity", "Infinity"),
        ("+infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("1e39", "1000000000000000000000000000000000000000"),
    ];
    for (input, expected) in cases {
        assert_eq!(
            numeric_from_text(input).as_deref(),
            Ok(expected),
            "{:?}",
            input
        );
    }
    // 1e-1000: one digit, display scale 1000.
    let tiny = numeric_from_text("1e-1000").unwrap();
    assert_eq!(tiny, format!("0.{}1", "0".repeat(999)));
    let printed = format!("0.{}1", "0".repeat(999));
    assert_eq!(numeric_from_text(&printed).unwrap(), printed);
    for bad in [
        "", " ", "-", ".", "1.2.3", "1e", "1e+", "abc", "1 2", "1e1001", "0x10", "Inf",
    ] {
        assert!(numeric_from_text(bad).is_err(), "{:?} parsed", bad);
    }
}

fn field(name: &str, data_type: DataType) -> Field {
    Field::new(name, data_type, true)
}

#[test]
fn every_type_encodes_to_its_postgresql_binary_form_with_nulls() {
    let schema = Schema::new(vec![
        field("bool", DataType::Boolean),
        field("i16", DataType::Int16),
        field("i32", DataType::Int32),
        field("i64", DataType::Int64),
        field("f32", DataType::Float32),
        field("f64", DataType::Float64),
        field(
            "dec",
            DataType::Decimal128 {
                precision: 12,
                scale: 2,
            },
        ),
        field("text", DataType::Utf8),
        field("jsonb", DataType::Utf8),
        field("num", DataType::Utf8),
        field("bytes", DataType::Binary),
        field("uuid", DataType::FixedSizeBinary(16)),
        field("date", DataType::Date32),
        field("time", DataType::Time64Microsecond),
        field("ts", DataType::Timestamp { timezone: None }),
        field(
            "tstz",
            DataType::Timestamp {
                timezone: Some("UTC".into()),
            },
        ),
        field("interval", DataType::IntervalMonthDayNano),
    ]);
    let encodings = vec![
        Encoding::Bool,
        Encoding::Int16,
        Encoding::Int32,
        Encoding::Int64,
        Encoding::Float32,
        Encoding::Float64,
        Encoding::Decimal { scale: 2 },
        Encoding::Text,
        Encoding::Jsonb,
        Encoding::NumericText,
        Encoding::Bytes,
        Encoding::FixedBytes,
        Encoding::Date,
        Encoding::Time,
        Encoding::Timestamp,
        Encoding::Timestamp,
        Encoding::Interval,
    ];
    let mut b = BatchBuilder::new(schema);
    // Row 0: ordinary values.
    b.append_bool(0, true);
    b.append_i16(1, -2);
    b.append_i32(2, 70_000);
    b.append_i64(3, -5_000_000_000);
    b.append_f32(4, 1.5);
    b.append_f64(5, -0.0);
    b.append_decimal128(6, -12_345);
    b.append_str(7, "héllo 🚀");
    b.append_str(8, "{\"a\": 1}");
    b.append_str(9, "-1.50");
    b.append_bytes(10, &[0, 255, 16]);
    b.append_fixed_bytes(
        11,
        &[
            0xA0, 0xEE, 0xBC, 0x99, 0x9C, 0x0B, 0x4E, 0xF8, 0xBB, 0x6D, 0x6B, 0xB9, 0xBD, 0x38,
            0x0A, 0x11,
        ],
    );
    b.append_date32(12, 0); // 1970-01-01
    b.append_time64_micros(13, 86_400_000_000); // 24:00:00
    b.append_timestamp_micros(14, 0);
    b.append_timestamp_micros(15, 1_700_000_000_123_456);
    b.append_interval_mdn(16, -1, -2, -1_000);
    // Row 1: NULL everywhere.
    for col in 0..17 {
        b.append_null(col);
    }
    // Row 2: extremes: infinities, NaN, empty values.
    b.append_bool(0, false);
    b.append_i16(1, i16::MIN);
    b.append_i32(2, i32::MAX);
    b.append_i64(3, i64::MIN);
    b.append_f32(4, f32::NAN);
    b.append_f64(5, f64::NEG_INFINITY);
    b.append_decimal128(6, 0);
    b.append_str(7, "");
    b.append_str(8, "");
    b.append_str(9, "NaN");
    b.append_bytes(10, &[]);
    b.append_fixed_bytes(11, &[0xFF; 16]);
    b.append_date32(12, i32::MAX);
    b.append_time64_micros(13, 0);
    b.append_timestamp_micros(14, i64::MIN);
    b.append_timestamp_micros(15, i64::MAX);
    b.append_interval_mdn(16, i32::MAX, i32::MIN, 1_499);
    let ipc = b.finish().unwrap();

    let rows = read_copy(&encode_all(&ipc, encodings));
    assert_eq!(rows.len(), 3);
    let value = |row: usize, col: usize| rows[row][col].clone().unwrap();
    let be = |parts: &[&[u8]]| parts.concat();

    assert_eq!(value(0, 0), vec![1]);
    assert_eq!(value(0, 1), (-2i16).to_be_bytes());
    assert_eq!(value(0, 2), 70_000i32.to_be_bytes());
    assert_eq!(value(0, 3), (-5_000_000_000i64).to_be_bytes());
    assert_eq!(value(0, 4), 1.5f32.to_bits().to_be_bytes());
    assert_eq!(value(0, 5), (-0.0f64).to_bits().to_be_bytes());
    assert_eq!(numeric_text(&value(0, 6)), "-123.45");
    assert_eq!(value(0, 7), "héllo 🚀".as_bytes());
    assert_eq!(value(0, 8), b"\x01{\"a\": 1}");
    assert_eq!(numeric_text(&value(0, 9)), "-1.50");
    assert_eq!(value(0, 10), vec![0, 255, 16]);
    assert_eq!(value(0, 11)[..2], [0xA0, 0xEE]);
    assert_eq!(value(0, 11).len(), 16);
    assert_eq!(value(0, 12), (-10_957i32).to_be_bytes());
    assert_eq!(value(0, 13), 86_400_000_000i64.to_be_bytes());
    assert_eq!(value(0, 14), (-946_684_800_000_000i64).to_be_bytes());
    assert_eq!(
        value(0, 15),
        (1_700_000_000_123_456i64 - 946_684_800_000_000).to_be_bytes()
    );
    assert_eq!(
        value(0, 16),
        be(&[
            &(-1i64).to_be_bytes(),
            &(-2i32).to_be_bytes(),
            &(-1i32).to_be_bytes()
        ])
    );

    assert_eq!(rows[1], vec![None; 17]);

    assert_eq!(value(2, 0), vec![0]);
    assert_eq!(value(2, 1), i16::MIN.to_be_bytes());
    assert_eq!(value(2, 3), i64::MIN.to_be_bytes());
    assert!(f32::from_bits(u32::from_be_bytes(value(2, 4).try_into().unwrap())).is_nan());
    assert_eq!(value(2, 5), f64::NEG_INFINITY.to_bits().to_be_bytes());
    assert_eq!(numeric_text(&value(2, 6)), "0.00");
    assert_eq!(value(2, 7), b"");
    assert_eq!(value(2, 8), b"\x01");
    assert_eq!(numeric_text(&value(2, 9)), "NaN");
    assert_eq!(value(2, 10), b"");
    assert_eq!(
        value(2, 12),
        i32::MAX.to_be_bytes(),
        "infinity stays the sentinel"
    );
    assert_eq!(
        value(2, 14),
        i64::MIN.to_be_bytes(),
        "-infinity stays the sentinel"
    );
    assert_eq!(
        value(2, 15),
        i64::MAX.to_be_bytes(),
        "infinity stays the sentinel"
    );
    assert_eq!(
        value(2, 16),
        be(&[
            &1i64.to_be_bytes(),
            &i32::MIN.to_be_bytes(),
            &i32::MAX.to_be_bytes()
        ])
    );
}

#[test]
fn widening_encodings_change_only_the_width() {
    let schema = Schema::new(vec![
        field("a", DataType::Int16),
        field("b", DataType::Int16),
        field("c", DataType::Int32),
        field("d", DataType::Float32),
        field("e", DataType::Int64),
        field("f", DataType::Int16),
        field("g", DataType::Int32),
        field("h", DataType::Date32),
    ]);
    let mut b = BatchBuilder::new(schema);
    b.append_i16(0, -3);
    b.append_i16(1, -3);
    b.append_i32(2, i32::MIN);
    b.append_f32(3, 0.1);
    b.append_i64(4, i64::MIN);
    b.append_i16(5, -30_000);
    b.append_i32(6, 2_000_000_000);
    b.append_date32(7, i32::MIN);
    let ipc = b.finish().unwrap();
    let rows = read_copy(&encode_all(
        &ipc,
        vec![
            Encoding::Int16AsInt32,
            Encoding::Int16AsInt64,
            Encoding::Int32AsInt64,
            Encoding::Float32AsFloat64,
            Encoding::Int64AsNumeric,
            Encoding::Int16AsNumeric,
            Encoding::Int32AsNumeric,
            Encoding::Date,
        ],
    ));
    let row = &rows[0];
    assert_eq!(row[0].as_deref(), Some(&(-3i32).to_be_bytes()[..]));
    assert_eq!(row[1].as_deref(), Some(&(-3i64).to_be_bytes()[..]));
    assert_eq!(
        row[2].as_deref(),
        Some(&i64::from(i32::MIN).to_be_bytes()[..])
    );
    assert_eq!(
        row[3].as_deref(),
        Some(&f64::from(0.1f32).to_bits().to_be_bytes()[..])
    );
    assert_eq!(numeric_text(row[4].as_ref().unwrap()), i64::MIN.to_string());
    assert_eq!(numeric_text(row[5].as_ref().unwrap()), "-30000");
    assert_eq!(numeric_text(row[6].as_ref().unwrap()), "2000000000");
    assert_eq!(
        row[7].as_deref(),
        Some(&i32::MIN.to_be_bytes()[..]),
        "-infinity"
    );
}

#[test]
fn an_unencodable_value_names_its_row_and_column() {
    let schema = Schema::new(vec![
        field("id", DataType::Int32),
        field("amount", DataType::Utf8),
        field("day", DataType::Date32),
    ]);
    let mut b = BatchBuilder::new(schema);
    b.append_i32(0, 1);
    b.append_str(1, "12.5");
    b.append_date32(2, 1);
    b.append_i32(0, 2);
    b.append_str(1, "twelve");
    b.append_date32(2, 1);
    b.append_i32(0, 3);
    b.append_str(1, "1");
    b.append_date32(2, i32::MIN + 1);
    let ipc = b.finish().unwrap();
    let batch = IpcBatch::parse(&ipc).unwrap();
    let mut encoder =
        CopyEncoder::new(vec![Encoding::Int32, Encoding::NumericText, Encoding::Date]);
    let mut buf = BytesMut::new();
    let error = encoder.encode(&batch, 0, &mut buf, usize::MAX).unwrap_err();
    assert_eq!((error.column, error.row), (1, 1));
    assert!(
        error.message.contains("\"twelve\" is not a numeric value"),
        "{}",
        error.message
    );
    let error = encoder.encode(&batch, 2, &mut buf, usize::MAX).unwrap_err();
    assert_eq!((error.column, error.row), (2, 2));
    assert!(error.message.contains("out of range"), "{}", error.message);
}

#[test]
fn encoding_stops_at_the_flush_threshold_and_resumes() {
    let schema = Schema::new(vec![field("t", DataType::Utf8)]);
    let mut b = BatchBuilder::new(schema);
    for i in 0..100 {
        b.append_str(0, &format!("value {:03}", i));
    }
    let ipc = b.finish().unwrap();
    let batch = IpcBatch::parse(&ipc).unwrap();
    let mut encoder = CopyEncoder::new(vec![Encoding::Text]);
    let mut buf = BytesMut::new();
    // Each row is 2 + 4 + 9 = 15 bytes: the threshold of 100 is crossed after 7 rows.
    assert_eq!(encoder.encode(&batch, 0, &mut buf, 100).unwrap(), 7);
    assert_eq!(buf.len(), 105);
    buf.clear();
    assert_eq!(encoder.encode(&batch, 95, &mut buf, 100).unwrap(), 100);
    assert_eq!(
        encoder.encode(&batch, 100, &mut buf, 100).unwrap(),
        100,
        "nothing left"
    );
}

#[test]
fn nanoseconds_round_half_away_from_zero() {
    assert_eq!(nanos_to_micros(1_000), 1);
    assert_eq!(nanos_to_micros(1_499), 1);
    assert_eq!(nanos_to_micros(1_500), 2);
    assert_eq!(nanos_to_micros(-1_499), -1);
    assert_eq!(nanos_to_micros(-1_500), -2);
    assert_eq!(nanos_to_micros(i64::MAX), i64::MAX / 1000 + 1);
}

#[test]
fn infinite_intervals_keep_their_sentinels() {
    let schema = Schema::new(vec![field("i", DataType::IntervalMonthDayNano)]);
    let mut b = BatchBuilder::new(schema);
    b.append_interval_mdn(0, i32::MAX, i32::MAX, i64::MAX);
    b.append_interval_mdn(0, i32::MIN, i32::MIN, i64::MIN);
    let ipc = b.finish().unwrap();
    let rows = read_copy(&encode_all(&ipc, vec![Encoding::Interval]));
    let expect =
        |m: i32, n: i64| [&n.to_be_bytes()[..], &m.to_be_bytes(), &m.to_be_bytes()].concat();
    assert_eq!(rows[0][0].as_deref(), Some(&expect(i32::MAX, i64::MAX)[..]));
    assert_eq!(rows[1][0].as_deref(), Some(&expect(i32::MIN, i64::MIN)[..]));
}

#[test]
fn native_values_go_out_untouched_and_arrays_take_this_databases_element_oid() {
    let schema = Schema::new(vec![field("n", DataType::Binary), field("a", DataType::Binary)]);
    // numeric NaN, and a one-dimensional array of one 2-byte element of (source) type 70001.
    let nan = vec![0u8, 0, 0, 0, 0xC0, 0, 0, 0];
    let mut array = Vec::new();
    for word in [1i32, 0] {
        array.extend_from_slice(&word.to_be_bytes());
    }
    array.extend_from_slice(&70_001u32.to_be_bytes());
    for word in [1i32, 1, 2] {
        array.extend_from_slice(&word.to_be_bytes());
    }
    array.extend_from_slice(b"ok");
    let mut builder = BatchBuilder::new(schema);
    builder.append_bytes(0, &nan);
    builder.append_bytes(1, &array);
    builder.append_null(0);
    builder.append_null(1);
    let ipc = builder.finish().unwrap();
    let stream = encode_all(
        &ipc,
        vec![Encoding::Native, Encoding::NativeArray { element_oid: 16_500 }],
    );
    let rows = read_copy(&stream);
    assert_eq!(rows[0][0].as_deref(), Some(&nan[..]));
    let written = rows[0][1].clone().unwrap();
    assert_eq!(written.len(), array.len());
    assert_eq!(&written[..8], &array[..8]);
    assert_eq!(&written[8..12], &16_500u32.to_be_bytes());
    assert_eq!(&written[12..], &array[12..]);
    assert_eq!(rows[1], vec![None, None]);

    // Too short to be an array: a data error, not a panic.
    let mut builder = BatchBuilder::new(Schema::new(vec![field("a", DataType::Binary)]));
    builder.append_bytes(0, b"short");
    let ipc = builder.finish().unwrap();
    let batch = IpcBatch::parse(&ipc).unwrap();
    let mut encoder = CopyEncoder::new(vec![Encoding::NativeArray { element_oid: 1 }]);
    let error = encoder.encode(&batch, 0, &mut BytesMut::new(), 1 << 20).unwrap_err();
    assert!(error.message.contains("5 bytes"), "{}", error.message);
}

#[test]
fn whole_rows_go_out_as_they_came_in_pieces_of_at_most_the_size_asked() {
    // Three rows of two columns, each as binary COPY sends a tuple.
    let rows: Vec<Vec<u8>> = [&b"a"[..], &b"bbbbbbbbbb"[..], &b"cc"[..]]
        .iter()
        .map(|text| {
            let mut tuple = 2i16.to_be_bytes().to_vec();
            tuple.extend_from_slice(&(-1i32).to_be_bytes());
            tuple.extend_from_slice(&(text.len() as i32).to_be_bytes());
            tuple.extend_from_slice(text);
            tuple
        })
        .collect();
    let mut builder = BatchBuilder::new(Schema::new(vec![Field::new(
        "rapidbyte.row",
        DataType::Binary,
        false,
    )]));
    for row in &rows {
        builder.append_bytes(0, row);
    }
    let ipc = builder.finish().unwrap();
    let batch = IpcBatch::parse(&ipc).unwrap();
    let encoder = CopyEncoder::whole_rows(vec![Encoding::Native, Encoding::Native]);
    let all = rows.concat();

    // All at once, borrowed from the batch.
    let pieces: Vec<&[u8]> = encoder.whole_row_pieces(&batch, 1 << 20).unwrap().collect();
    assert_eq!(pieces, vec![&all[..]]);
    let within = ipc.as_ptr_range();
    assert!(within.contains(&pieces[0].as_ptr()), "a copy, not the batch's bytes");

    // In pieces of 12 bytes, cut inside rows: the same bytes in order.
    let pieces: Vec<&[u8]> = encoder.whole_row_pieces(&batch, 12).unwrap().collect();
    assert_eq!(pieces.iter().map(|p| p.len()).collect::<Vec<_>>(), vec![12, 12, 12, 7]);
    assert_eq!(pieces.concat(), all);

    // An encoder of columns has no pieces.
    let columns = CopyEncoder::new(vec![Encoding::Native]);
    assert!(columns.whole_row_pieces(&batch, 12).is_none());
}

#[test]
fn only_values_taken_untouched_may_travel_in_whole_rows() {
    assert!(Encoding::Native.takes_untouched());
    assert!(Encoding::NativeArray { element_oid: 23 }.takes_untouched());
    assert!(!Encoding::NativeArray { element_oid: 16_500 }.takes_untouched());
    assert!(!Encoding::Int32.takes_untouched());
    assert!(!Encoding::Text.takes_untouched());
}
