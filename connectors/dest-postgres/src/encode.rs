//! Arrow batches → PostgreSQL binary COPY (`COPY ... FROM STDIN (FORMAT binary)`).
//!
//! The stream is the `PGCOPY` signature and header, then per row an `i16` field count and
//! per field an `i32` length (`-1` = NULL) and the value in PostgreSQL's binary
//! ("send/recv") format, big-endian, then the `i16 -1` trailer. Values are read straight
//! from the batch's column buffers ([`IpcBatch`] accessors) into one reused [`BytesMut`]:
//! nothing is allocated per value (text-carried numerics parse into a reused scratch
//! vector).
//!
//! Which binary form a column gets is decided once per stream ([`Encoding`], chosen by
//! `plan` from the Arrow type and the target column's type); the encoder only executes it.

use bytes::{BufMut, BytesMut};
use rapidbyte_sdk::arrow::{Column, IpcBatch};
use std::fmt;

/// Days from 1970-01-01 (Arrow) to 2000-01-01 (PostgreSQL).
pub const DATE_EPOCH_SHIFT_DAYS: i32 = 10_957;
/// Microseconds from 1970-01-01 (Arrow) to 2000-01-01 (PostgreSQL).
pub const TIMESTAMP_EPOCH_SHIFT_MICROS: i64 = 946_684_800_000_000;

/// The PGCOPY signature, flags (no OIDs) and an empty header extension.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// Numeric sign words of PostgreSQL's binary `numeric`.
pub const NUMERIC_POS: u16 = 0x0000;
pub const NUMERIC_NEG: u16 = 0x4000;
pub const NUMERIC_NAN: u16 = 0xC000;
pub const NUMERIC_PINF: u16 = 0xD000;
pub const NUMERIC_NINF: u16 = 0xF000;

/// How one Arrow column becomes one PostgreSQL binary value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Boolean → `bool`.
    Bool,
    /// Int16 → `int2`.
    Int16,
    /// Int16 → `int4` (a wider existing column).
    Int16AsInt32,
    /// Int16 → `int8`.
    Int16AsInt64,
    /// Int32 → `int4`.
    Int32,
    /// Int32 → `int8`.
    Int32AsInt64,
    /// Int64 → `int8`.
    Int64,
    /// Int16 → `numeric` (scale 0).
    Int16AsNumeric,
    /// Int32 → `numeric`.
    Int32AsNumeric,
    /// Int64 → `numeric`.
    Int64AsNumeric,
    /// Float32 → `float4` (bit for bit: NaN, ±Infinity, -0).
    Float32,
    /// Float32 → `float8` (exact widening).
    Float32AsFloat64,
    /// Float64 → `float8` (bit for bit).
    Float64,
    /// Decimal128(_, scale) → `numeric`, exact.
    Decimal { scale: i8 },
    /// Utf8 → the UTF-8 bytes: `text`, `varchar`, `bpchar`, `name`, `json`, enums, and any
    /// `text` column of a staging table.
    Text,
    /// Utf8 → `jsonb` (version byte 1, then the text).
    Jsonb,
    /// Utf8 holding a number's text (`-1.50`, `NaN`, `Infinity`, `1e-5`) → `numeric`.
    NumericText,
    /// Binary → `bytea`.
    Bytes,
    /// FixedSizeBinary → `uuid` (width 16) or `bytea`.
    FixedBytes,
    /// Date32 → `date` (±infinity kept).
    Date,
    /// Time64(µs) → `time`.
    Time,
    /// Timestamp(µs, any zone) → `timestamp` / `timestamptz` (±infinity kept).
    Timestamp,
    /// IntervalMonthDayNano → `interval` (nanoseconds rounded to microseconds).
    Interval,
}

/// A value PostgreSQL's binary format cannot carry; the writer reports it as a data error
/// naming the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError {
    pub column: usize,
    pub row: usize,
    pub message: String,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.row, self.message)
    }
}

/// Writes the PGCOPY signature and header.
pub fn put_header(buf: &mut BytesMut) {
    buf.extend_from_slice(HEADER);
}

/// Writes the end-of-data trailer.
pub fn put_trailer(buf: &mut BytesMut) {
    buf.put_i16(-1);
}

/// Encodes rows of batches whose columns follow one list of encodings.
pub struct CopyEncoder {
    encodings: Vec<Encoding>,
    /// Base-10000 digits of a text-carried numeric, reused from value to value.
    digits: Vec<u16>,
}

impl CopyEncoder {
    pub fn new(encodings: Vec<Encoding>) -> Self {
        CopyEncoder {
            encodings,
            digits: Vec::new(),
        }
    }

    pub fn encodings(&self) -> &[Encoding] {
        &self.encodings
    }

    /// Encodes rows `from..` of `batch` into `buf` and stops after the row that brings
    /// `buf` to `flush_at` bytes or more, or at the end of the batch; returns the next
    /// row to encode. The batch's columns must match the encodings (the writer checks
    /// every batch's schema against the first one's).
    pub fn encode(
        &mut self,
        batch: &IpcBatch<'_>,
        from: usize,
        buf: &mut BytesMut,
        flush_at: usize,
    ) -> Result<usize, EncodeError> {
        let rows = batch.num_rows();
        let columns = batch.columns();
        assert_eq!(
            columns.len(),
            self.encodings.len(),
            "a batch with {} columns for {} encodings",
            columns.len(),
            self.encodings.len()
        );
        let field_count = columns.len() as i16;
        let mut row = from;
        while row < rows {
            buf.put_i16(field_count);
            for (index, (column, encoding)) in columns.iter().zip(&self.encodings).enumerate() {
                if column.null_count() > 0 && column.is_null(row) {
                    buf.put_i32(-1);
                    continue;
                }
                if let Err(message) = put_value(buf, column, *encoding, row, &mut self.digits) {
                    return Err(EncodeError {
                        column: index,
                        row,
                        message,
                    });
                }
            }
            row += 1;
            if buf.len() >= flush_at {
                break;
            }
        }
        Ok(row)
    }
}

/// One non-null value with its length prefix.
#[inline(always)]
fn put_value(
    buf: &mut BytesMut,
    column: &Column<'_>,
    encoding: Encoding,
    row: usize,
    digits: &mut Vec<u16>,
) -> Result<(), String> {
    match encoding {
        Encoding::Bool => {
            buf.put_i32(1);
            buf.put_u8(column.bool(row) as u8);
        }
        Encoding::Int16 => {
            buf.put_i32(2);
            buf.put_i16(column.i16(row));
        }
        Encoding::Int16AsInt32 => {
            buf.put_i32(4);
            buf.put_i32(i32::from(column.i16(row)));
        }
        Encoding::Int16AsInt64 => {
            buf.put_i32(8);
            buf.put_i64(i64::from(column.i16(row)));
        }
        Encoding::Int32 => {
            buf.put_i32(4);
            buf.put_i32(column.i32(row));
        }
        Encoding::Int32AsInt64 => {
            buf.put_i32(8);
            buf.put_i64(i64::from(column.i32(row)));
        }
        Encoding::Int64 => {
            buf.put_i32(8);
            buf.put_i64(column.i64(row));
        }
        Encoding::Int16AsNumeric => put_decimal(buf, i128::from(column.i16(row)), 0),
        Encoding::Int32AsNumeric => put_decimal(buf, i128::from(column.i32(row)), 0),
        Encoding::Int64AsNumeric => put_decimal(buf, i128::from(column.i64(row)), 0),
        Encoding::Float32 => {
            buf.put_i32(4);
            buf.put_u32(column.f32(row).to_bits());
        }
        Encoding::Float32AsFloat64 => {
            buf.put_i32(8);
            buf.put_u64(f64::from(column.f32(row)).to_bits());
        }
        Encoding::Float64 => {
            buf.put_i32(8);
            buf.put_u64(column.f64(row).to_bits());
        }
        Encoding::Decimal { scale } => put_decimal(buf, column.decimal128(row), i32::from(scale)),
        Encoding::Text => {
            let bytes = column.bytes(row);
            buf.put_i32(bytes.len() as i32);
            buf.extend_from_slice(bytes);
        }
        Encoding::Jsonb => {
            let bytes = column.bytes(row);
            if bytes.len() >= i32::MAX as usize {
                return Err("a jsonb value of 2 GiB or more".to_string());
            }
            buf.put_i32(bytes.len() as i32 + 1);
            buf.put_u8(1);
            buf.extend_from_slice(bytes);
        }
        Encoding::NumericText => put_numeric_text(buf, column.bytes(row), digits)?,
        Encoding::Bytes => {
            let bytes = column.bytes(row);
            buf.put_i32(bytes.len() as i32);
            buf.extend_from_slice(bytes);
        }
        Encoding::FixedBytes => {
            let bytes = column.fixed_bytes(row);
            buf.put_i32(bytes.len() as i32);
            buf.extend_from_slice(bytes);
        }
        Encoding::Date => {
            let days = column.date32(row);
            let pg = match days {
                i32::MAX | i32::MIN => days,
                _ => days
                    .checked_sub(DATE_EPOCH_SHIFT_DAYS)
                    .ok_or_else(|| format!("date {} days from 1970-01-01 is out of range", days))?,
            };
            buf.put_i32(4);
            buf.put_i32(pg);
        }
        Encoding::Time => {
            buf.put_i32(8);
            buf.put_i64(column.time64_micros(row));
        }
        Encoding::Timestamp => {
            let micros = column.timestamp_micros(row);
            let pg = match micros {
                i64::MAX | i64::MIN => micros,
                _ => micros
                    .checked_sub(TIMESTAMP_EPOCH_SHIFT_MICROS)
                    .ok_or_else(|| {
                        format!("timestamp {} µs from 1970-01-01 is out of range", micros)
                    })?,
            };
            buf.put_i32(8);
            buf.put_i64(pg);
        }
        Encoding::Interval => {
            let (months, days, nanos) = column.interval_mdn(row);
            // PostgreSQL 17's ±infinity intervals arrive with every field at MAX / MIN
            // (the shared mapping) and go back the same way.
            let infinite = (months == i32::MAX && days == i32::MAX && nanos == i64::MAX)
                || (months == i32::MIN && days == i32::MIN && nanos == i64::MIN);
            let micros = if infinite {
                nanos
            } else {
                nanos_to_micros(nanos)
            };
            buf.put_i32(16);
            buf.put_i64(micros);
            buf.put_i32(days);
            buf.put_i32(months);
        }
    }
    Ok(())
}

/// Nanoseconds to microseconds, rounding half away from zero (PostgreSQL keeps µs).
#[inline]
pub fn nanos_to_micros(nanos: i64) -> i64 {
    let micros = nanos / 1000;
    let rest = nanos % 1000;
    if rest >= 500 {
        micros + 1
    } else if rest <= -500 {
        micros - 1
    } else {
        micros
    }
}

/// Writes `unscaled / 10^scale` as a binary `numeric` with its length prefix, exactly.
/// `scale` may be negative (the value is then `unscaled * 10^-scale`); the display scale
/// is `max(scale, 0)`.
pub fn put_decimal(buf: &mut BytesMut, unscaled: i128, scale: i32) {
    let dscale = scale.max(0) as u16;
    if unscaled == 0 {
        put_numeric_head(buf, 0, 0, NUMERIC_POS, dscale);
        return;
    }
    let sign = if unscaled < 0 {
        NUMERIC_NEG
    } else {
        NUMERIC_POS
    };
    let magnitude = unscaled.unsigned_abs();
    // value = magnitude * 10^e = (magnitude * 10^r) * 10000^w0, with 0 <= r < 4.
    let e = -scale;
    let r = e.rem_euclid(4) as u32;
    let w0 = e.div_euclid(4);
    // Base-10000 groups of magnitude * 10^r, least significant first. The lowest group
    // is split off first so that multiplying by 10^r cannot overflow.
    let mut groups = [0u16; 12];
    let mut n = 1;
    let split = 10u64.pow(4 - r);
    let scale_low = 10u64.pow(r);
    if magnitude <= u64::MAX as u128 {
        let m = magnitude as u64;
        groups[0] = ((m % split) * scale_low) as u16;
        let mut rest = m / split;
        while rest > 0 {
            groups[n] = (rest % 10_000) as u16;
            rest /= 10_000;
            n += 1;
        }
    } else {
        groups[0] = ((magnitude % u128::from(split)) as u64 * scale_low) as u16;
        let mut rest = magnitude / u128::from(split);
        // Peel 10^16 at a time with u128 divisions, the rest with u64 arithmetic.
        while rest > u128::from(u64::MAX) {
            let mut chunk = (rest % 10_000_000_000_000_000) as u64;
            rest /= 10_000_000_000_000_000;
            for _ in 0..4 {
                groups[n] = (chunk % 10_000) as u16;
                chunk /= 10_000;
                n += 1;
            }
        }
        let mut rest = rest as u64;
        while rest > 0 {
            groups[n] = (rest % 10_000) as u16;
            rest /= 10_000;
            n += 1;
        }
    }
    // The top group is non-zero; drop trailing zero groups.
    let mut low = 0;
    while groups[low] == 0 {
        low += 1;
    }
    let ndigits = n - low;
    let weight = w0 + (n as i32 - 1);
    put_numeric_head(buf, ndigits as u16, weight as i16, sign, dscale);
    for &group in groups[low..n].iter().rev() {
        buf.put_u16(group);
    }
}

/// Length prefix and the four header words of a binary numeric with `ndigits` digits.
#[inline]
fn put_numeric_head(buf: &mut BytesMut, ndigits: u16, weight: i16, sign: u16, dscale: u16) {
    buf.put_i32(8 + 2 * i32::from(ndigits));
    buf.put_u16(ndigits);
    buf.put_i16(weight);
    buf.put_u16(sign);
    buf.put_u16(dscale);
}

/// A number's text parsed into PostgreSQL's numeric form; the digits are in the vector
/// passed to [`parse_numeric`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumericHead {
    pub sign: u16,
    pub weight: i16,
    pub dscale: u16,
}

/// Writes the text of a number as a binary numeric with its length prefix.
fn put_numeric_text(buf: &mut BytesMut, text: &[u8], digits: &mut Vec<u16>) -> Result<(), String> {
    let head = parse_numeric(text, digits).map_err(|why| {
        format!(
            "{:?} is not a numeric value ({})",
            String::from_utf8_lossy(&text[..text.len().min(64)]),
            why
        )
    })?;
    put_numeric_head(
        buf,
        digits.len() as u16,
        head.weight,
        head.sign,
        head.dscale,
    );
    for &group in digits.iter() {
        buf.put_u16(group);
    }
    Ok(())
}

/// Parses what PostgreSQL's `numeric_in` accepts (surrounding whitespace, a sign, digits
/// with at most one point, an exponent of at most ±1000, `NaN`, `[+-]Infinity`, any
/// case) into base-10000 `digits` (most significant first, no leading or trailing zero
/// groups) and the header words.
pub fn parse_numeric(text: &[u8], digits: &mut Vec<u16>) -> Result<NumericHead, &'static str> {
    digits.clear();
    let text = trim_ascii_space(text);
    let special = |sign| {
        Ok(NumericHead {
            sign,
            weight: 0,
            dscale: 0,
        })
    };
    if text.eq_ignore_ascii_case(b"nan") {
        return special(NUMERIC_NAN);
    }
    if text.eq_ignore_ascii_case(b"infinity") || text.eq_ignore_ascii_case(b"+infinity") {
        return special(NUMERIC_PINF);
    }
    if text.eq_ignore_ascii_case(b"-infinity") {
        return special(NUMERIC_NINF);
    }

    let mut at = 0;
    let negative = match text.first() {
        Some(b'-') => {
            at = 1;
            true
        }
        Some(b'+') => {
            at = 1;
            false
        }
        _ => false,
    };
    let mantissa_start = at;
    let mut int_len = 0i64;
    let mut frac_len = 0i64;
    let mut seen_point = false;
    while at < text.len() {
        match text[at] {
            b'0'..=b'9' if seen_point => frac_len += 1,
            b'0'..=b'9' => int_len += 1,
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        at += 1;
    }
    let mantissa = &text[mantissa_start..at];
    if int_len + frac_len == 0 {
        return Err("no digits");
    }
    let mut exponent = 0i64;
    if at < text.len() && (text[at] == b'e' || text[at] == b'E') {
        at += 1;
        let exp_negative = match text.get(at) {
            Some(b'-') => {
                at += 1;
                true
            }
            Some(b'+') => {
                at += 1;
                false
            }
            _ => false,
        };
        let exp_start = at;
        while at < text.len() && text[at].is_ascii_digit() {
            exponent = exponent * 10 + i64::from(text[at] - b'0');
            if exponent > 1000 {
                return Err("exponent out of range");
            }
            at += 1;
        }
        if at == exp_start {
            return Err("exponent has no digits");
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if at != text.len() {
        return Err("unexpected character");
    }

    let dscale = (frac_len - exponent).max(0);
    if dscale > 0x3FFF {
        return Err("display scale over 16383");
    }
    let dscale = dscale as u16;

    // The first non-zero digit and its decimal exponent.
    let mut index = 0i64; // index among digits (the point skipped)
    let mut first = None;
    for (pos, &byte) in mantissa.iter().enumerate() {
        if byte == b'.' {
            continue;
        }
        if byte != b'0' {
            first = Some((pos, index));
            break;
        }
        index += 1;
    }
    let (start, first_index) = match first {
        Some(found) => found,
        None => {
            return Ok(NumericHead {
                sign: NUMERIC_POS,
                weight: 0,
                dscale,
            })
        }
    };
    const POW10: [u16; 4] = [1, 10, 100, 1000];
    let p = int_len - 1 - first_index + exponent;
    let weight = p.div_euclid(4);
    if weight > i64::from(i16::MAX) || weight < i64::from(i16::MIN) {
        return Err("weight out of range");
    }
    let mut pos = p.rem_euclid(4) as usize;
    let mut acc = 0u16;
    for &byte in &mantissa[start..] {
        if byte == b'.' {
            continue;
        }
        acc += u16::from(byte - b'0') * POW10[pos];
        if pos == 0 {
            digits.push(acc);
            acc = 0;
            pos = 3;
        } else {
            pos -= 1;
        }
    }
    if pos != 3 {
        digits.push(acc);
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.len() > 0xFFFF {
        return Err("too many digits");
    }
    Ok(NumericHead {
        sign: if negative { NUMERIC_NEG } else { NUMERIC_POS },
        weight: weight as i16,
        dscale,
    })
}

fn trim_ascii_space(mut text: &[u8]) -> &[u8] {
    fn space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
    }
    while let Some((&first, rest)) = text.split_first() {
        if !space(first) {
            break;
        }
        text = rest;
    }
    while let Some((&last, rest)) = text.split_last() {
        if !space(last) {
            break;
        }
        text = rest;
    }
    text
}
