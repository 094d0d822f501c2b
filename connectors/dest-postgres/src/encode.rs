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
use rapidbyte_postgres::wire::{self, NumericDigits, COPY_SIGNATURE};
use rapidbyte_sdk::arrow::{Column, IpcBatch};
use std::fmt;

/// PostgreSQL's binary `numeric` sign words.
pub use rapidbyte_postgres::wire::{
    NUMERIC_NAN, NUMERIC_NEG, NUMERIC_NINF, NUMERIC_PINF, NUMERIC_POS,
};

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
    /// Binary holding values in `postgresql-binary` (the column's own binary COPY form) →
    /// the column, untouched.
    Native,
    /// `postgresql-binary` arrays → an array column whose element type has this OID here:
    /// written untouched but for the element type OID every array value names (the
    /// source database's, which differs for an enum or an extension's type).
    NativeArray { element_oid: u32 },
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
    buf.extend_from_slice(COPY_SIGNATURE);
    // Flags (no OIDs) and an empty header extension.
    buf.put_u32(0);
    buf.put_u32(0);
}

/// Writes the end-of-data trailer.
pub fn put_trailer(buf: &mut BytesMut) {
    buf.put_i16(-1);
}

/// Encodes rows of batches whose columns follow one list of encodings, or whose one column
/// holds whole rows.
pub struct CopyEncoder {
    encodings: Vec<Encoding>,
    /// Batches of whole rows in `postgresql-binary-rows`: written as they are.
    whole_rows: bool,
    /// Base-10000 digits of a text-carried numeric, reused from value to value.
    digits: Vec<u16>,
}

impl CopyEncoder {
    pub fn new(encodings: Vec<Encoding>) -> Self {
        CopyEncoder {
            encodings,
            whole_rows: false,
            digits: Vec::new(),
        }
    }

    /// For batches of one binary column whose values are whole binary COPY rows of columns
    /// with these encodings, each of which takes its value as it is
    /// ([`Encoding::takes_untouched`]).
    pub fn whole_rows(encodings: Vec<Encoding>) -> Self {
        debug_assert!(encodings.iter().all(|e| e.takes_untouched()));
        CopyEncoder {
            encodings,
            whole_rows: true,
            digits: Vec::new(),
        }
    }

    pub fn encodings(&self) -> &[Encoding] {
        &self.encodings
    }

    /// For an encoder of whole rows, the bytes of `batch` as the COPY takes them: its rows
    /// (binary COPY tuples) back to back, borrowed from the batch, in pieces of at most
    /// `piece` bytes cut anywhere (a COPY's data messages need not end at rows); `None` for
    /// an encoder of columns ([`CopyEncoder::encode`]).
    pub fn whole_row_pieces<'a>(
        &self,
        batch: &IpcBatch<'a>,
        piece: usize,
    ) -> Option<std::slice::Chunks<'a, u8>> {
        self.whole_rows.then(|| {
            batch
                .column(0)
                .bytes_of_rows(0..batch.num_rows())
                .chunks(piece)
        })
    }

    /// Encodes rows `from..` of `batch` into `buf` and stops after the row that brings
    /// `buf` to `flush_at` bytes or more, or at the end of the batch; returns the next
    /// row to encode. The batch's columns must match the encodings (the writer checks
    /// every batch's schema against the first one's). Not for whole rows.
    pub fn encode(
        &mut self,
        batch: &IpcBatch<'_>,
        from: usize,
        buf: &mut BytesMut,
        flush_at: usize,
    ) -> Result<usize, EncodeError> {
        assert!(
            !self.whole_rows,
            "batches of whole rows go to the COPY as they are (whole_row_pieces)"
        );
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

impl Encoding {
    /// Whether a value in this encoding goes into the COPY exactly as it came (with its
    /// length word): what a whole row needs of each of its columns. An array's element OID
    /// is left as it came only when it names a built-in type, the same in every database.
    pub fn takes_untouched(self) -> bool {
        match self {
            Encoding::Native => true,
            Encoding::NativeArray { element_oid } => {
                element_oid < rapidbyte_postgres::types::FIRST_NORMAL_OID
            }
            _ => false,
        }
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
        Encoding::Native => rapidbyte_sdk::copy::with_constant_len(column.bytes(row), |bytes| {
            buf.put_i32(bytes.len() as i32);
            buf.extend_from_slice(bytes);
        }),
        Encoding::NativeArray { element_oid } => {
            // ndim (i32), has-nulls flag (i32), element type OID (u32), then the rest.
            let bytes = column.bytes(row);
            if bytes.len() < 12 {
                return Err(format!(
                    "a binary array value of {} bytes (at least 12: dimensions, flags, element type)",
                    bytes.len()
                ));
            }
            buf.put_i32(bytes.len() as i32);
            buf.extend_from_slice(&bytes[..8]);
            buf.put_u32(element_oid);
            buf.extend_from_slice(&bytes[12..]);
        }
        Encoding::FixedBytes => {
            let bytes = column.fixed_bytes(row);
            buf.put_i32(bytes.len() as i32);
            buf.extend_from_slice(bytes);
        }
        Encoding::Date => {
            let days = column.date32(row);
            let pg = wire::date_from_arrow(days)
                .ok_or_else(|| format!("date {} days from 1970-01-01 is out of range", days))?;
            buf.put_i32(4);
            buf.put_i32(pg);
        }
        Encoding::Time => {
            buf.put_i32(8);
            buf.put_i64(column.time64_micros(row));
        }
        Encoding::Timestamp => {
            let micros = column.timestamp_micros(row);
            let pg = wire::timestamp_from_arrow(micros).ok_or_else(|| {
                format!("timestamp {} µs from 1970-01-01 is out of range", micros)
            })?;
            buf.put_i32(8);
            buf.put_i64(pg);
        }
        Encoding::Interval => {
            let (months, days, nanos) = column.interval_mdn(row);
            // PostgreSQL 17's ±infinity intervals arrive with every field at MAX / MIN
            // (the shared mapping) and go back the same way.
            let (micros, days, months) = wire::interval_from_arrow_rounded(months, days, nanos);
            buf.put_i32(16);
            buf.put_i64(micros);
            buf.put_i32(days);
            buf.put_i32(months);
        }
    }
    Ok(())
}

pub use rapidbyte_postgres::wire::nanos_to_micros;

/// Writes `unscaled / 10^scale` as a binary `numeric` with its length prefix, exactly.
/// `scale` may be negative (the value is then `unscaled * 10^-scale`); the display scale
/// is `max(scale, 0)`.
#[inline]
pub fn put_decimal(buf: &mut BytesMut, unscaled: i128, scale: i32) {
    let numeric = NumericDigits::from_i128(unscaled, scale);
    buf.put_i32(numeric.encoded_len() as i32);
    numeric.for_each_word(|word| buf.put_u16(word));
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
