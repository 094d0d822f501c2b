//! The binary COPY stream decoded straight into Arrow column buffers.
//!
//! Format (PostgreSQL docs, "COPY", binary format; integers big-endian): an 11-byte
//! signature `PGCOPY\n\377\r\n\0`, an i32 flags field, an i32 header-extension length and
//! that many bytes; then per tuple an i16 field count and per field an i32 length (-1 =
//! NULL) and that many bytes; finally the trailer, a field count of -1.
//!
//! The stream arrives in chunks (one CopyData message each; PostgreSQL sends one per row,
//! the header with the first). Chunk boundaries may fall anywhere: the decoder works on
//! the chunk in place and keeps only a straddling unit (header or tuple) in a small
//! carry-over buffer, topped up with exactly the bytes that unit still needs. A tuple is
//! appended to the builder only once it is complete, so a batch never holds half a row.
//! No value is ever allocated on its own: bytes go from the chunk into the column buffers.

use rapidbyte_postgres::types::BinaryFormat;
use rapidbyte_postgres::types::BinaryFormat as F;
use rapidbyte_postgres::wire::{self, NumericError, COPY_SIGNATURE};
use rapidbyte_sdk::arrow::BatchBuilder;
use rapidbyte_sdk::ConnectorError;

/// How one COPY field is decoded: a value in the binary format the shared type mapping
/// chose (`Text` also for a column read as `::text`), or the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    Value(BinaryFormat),
    /// The cursor's `::text`, kept as the last row's cursor value and not emitted.
    Cursor,
    /// The row's key as a JSON array of texts (after `Cursor`), kept for the rows that share
    /// the last cursor value and not emitted.
    CursorKey,
}

impl Decode {
    /// Bytes the value takes in Arrow buffers (offsets for variable-width values; their
    /// data is counted per value).
    fn arrow_width(self) -> usize {
        match self {
            Decode::Value(format) => match format {
                F::Bool => 1,
                F::Int2 => 2,
                F::Int4 | F::Float4 | F::Date => 4,
                F::Int8 | F::Float8 | F::Time | F::Timestamp => 8,
                F::Numeric { .. } | F::Interval | F::Uuid => 16,
                F::Text | F::Bytea | F::Char | F::Native => 4,
            },
            Decode::Cursor | Decode::CursorKey => 0,
        }
    }
}

/// One field of the COPY tuples, in SELECT order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPlan {
    pub decode: Decode,
    /// The Arrow column it fills (unused for `Cursor`).
    pub column: usize,
    /// Column name and PostgreSQL type, for error messages.
    pub name: String,
    pub native_type: String,
}

/// When the batch being built is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_rows: usize,
    pub max_bytes: usize,
}

/// How much smaller than a full batch a stream's first batch is.
pub const FIRST_BATCH_FRACTION: usize = 16;

impl Limits {
    /// A stream's first batch: 1/[`FIRST_BATCH_FRACTION`] of these limits, so the
    /// destination has rows to load (and starts its load) that much sooner; the batches
    /// after it double ([`Limits::grown`]) up to the full limits.
    pub fn first(self) -> Limits {
        Limits {
            max_rows: (self.max_rows / FIRST_BATCH_FRACTION).max(1),
            max_bytes: (self.max_bytes / FIRST_BATCH_FRACTION).max(1),
        }
    }

    /// The next batch's limits after a batch of these: twice as large, at most `full`.
    pub fn grown(self, full: Limits) -> Limits {
        Limits {
            max_rows: self.max_rows.saturating_mul(2).min(full.max_rows),
            max_bytes: self.max_bytes.saturating_mul(2).min(full.max_bytes),
        }
    }
}

/// Why [`CopyDecoder::decode`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The input is used up (a partial unit is carried over): feed the next chunk.
    NeedInput,
    /// The builder holds a full batch: emit it, call [`CopyDecoder::start_batch`], then
    /// call `decode` again with the rest of the input.
    BatchFull,
    /// The trailer was read: the stream is complete.
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Tuples,
    Done,
}

/// A unit's length if the buffer holds all of it, else how many more bytes are needed at
/// least before it can be measured further.
enum Unit {
    Complete(usize),
    Need(usize),
}

pub struct CopyDecoder {
    fields: Vec<FieldPlan>,
    /// Whole rows ([`rapidbyte_postgres::types::POSTGRESQL_BINARY_ROWS`]): each tuple's
    /// emitted fields go into column 0 as one value, behind this field count (big-endian).
    whole_rows: Option<[u8; 2]>,
    state: State,
    carry: Vec<u8>,
    rows: u64,
    batch_bytes: usize,
    /// Arrow bytes of a row apart from its variable-width data.
    fixed_row_bytes: usize,
    cursor: Vec<u8>,
    has_cursor: bool,
    /// The keys of the rows read at the cursor value `cursor`.
    seen: SeenKeys,
}

/// Keys back to back, and where each ends; `full` once more than `MAX_SEEN_KEYS` came.
#[derive(Default)]
struct SeenKeys {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    full: bool,
}

impl SeenKeys {
    fn push(&mut self, key: &[u8]) {
        if self.full {
            return;
        }
        if self.ends.len() == crate::plan::MAX_SEEN_KEYS {
            self.full = true;
            self.bytes.clear();
            self.ends.clear();
            return;
        }
        self.bytes.extend_from_slice(key);
        self.ends.push(self.bytes.len());
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.full = false;
    }
}

/// Keeps a hidden field: the cursor's text as the last row's cursor value (the keys seen at
/// the previous value forgotten when it changes), a key among those read at it.
#[inline]
fn keep_hidden(decode: Decode, v: &[u8], cursor: &mut Vec<u8>, seen: &mut SeenKeys) {
    match decode {
        Decode::Cursor => {
            if cursor != v {
                cursor.clear();
                cursor.extend_from_slice(v);
                seen.clear();
            }
        }
        Decode::CursorKey => seen.push(v),
        Decode::Value(_) => unreachable!("not a hidden field"),
    }
}

impl CopyDecoder {
    /// `whole_rows`: append each tuple's emitted fields as one value of column 0 (see
    /// [`CopyDecoder`]), else each field to its own column.
    pub fn new(fields: Vec<FieldPlan>, whole_rows: bool) -> Self {
        let fixed_row_bytes = fields.iter().map(|f| f.decode.arrow_width()).sum();
        let has_cursor = fields.iter().any(|f| f.decode == Decode::Cursor);
        let emitted = fields
            .iter()
            .filter(|f| matches!(f.decode, Decode::Value(_)))
            .count() as i16;
        CopyDecoder {
            whole_rows: whole_rows.then(|| emitted.to_be_bytes()),
            fields,
            state: State::Header,
            carry: Vec::new(),
            rows: 0,
            batch_bytes: 0,
            fixed_row_bytes,
            cursor: Vec::new(),
            has_cursor,
            seen: SeenKeys::default(),
        }
    }

    /// Starts from a checkpoint's value and the keys already read at it: rows of that value
    /// add to those keys.
    pub fn seed(&mut self, cursor: &str, seen: &[Vec<String>]) {
        self.cursor.clear();
        self.cursor.extend_from_slice(cursor.as_bytes());
        for key in seen {
            let text = serde_json::to_vec(key).expect("texts serialize");
            self.seen.push(&text);
        }
    }

    /// The keys (JSON arrays of texts) of the rows read at the last cursor value, the seeded
    /// ones included; `None` when there were more than `MAX_SEEN_KEYS`.
    pub fn seen(&self) -> Option<impl Iterator<Item = &[u8]>> {
        if self.seen.full {
            return None;
        }
        let mut start = 0;
        Some(self.seen.ends.iter().map(move |&end| {
            let key = &self.seen.bytes[start..end];
            start = end;
            key
        }))
    }

    /// Rows decoded so far, all batches.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Approximate Arrow bytes of the batch being built.
    pub fn batch_bytes(&self) -> usize {
        self.batch_bytes
    }

    /// The batch was emitted: count bytes afresh.
    pub fn start_batch(&mut self) {
        self.batch_bytes = 0;
    }

    /// The cursor text of the last row decoded (rows come in cursor order).
    pub fn cursor(&self) -> Option<&[u8]> {
        if self.has_cursor && self.rows > 0 {
            Some(&self.cursor)
        } else {
            None
        }
    }

    /// Decodes whole tuples from `input` into `builder` (advancing `input` past what it
    /// used) until the input is used up, the batch is full, or the trailer is read.
    pub fn decode(
        &mut self,
        input: &mut &[u8],
        builder: &mut BatchBuilder,
        limits: Limits,
    ) -> Result<Progress, ConnectorError> {
        loop {
            if !self.carry.is_empty() {
                // Top the carried unit up with exactly what it still needs.
                loop {
                    match self.unit_len(&self.carry)? {
                        Unit::Complete(_) => break,
                        Unit::Need(more) => {
                            if input.is_empty() {
                                return Ok(Progress::NeedInput);
                            }
                            let take = more.min(input.len());
                            self.carry.extend_from_slice(&input[..take]);
                            *input = &input[take..];
                        }
                    }
                }
                let unit = std::mem::take(&mut self.carry);
                let result = self.unit(&unit, builder);
                // Give the buffer back (emptied) so its capacity is reused.
                self.carry = unit;
                self.carry.clear();
                result?;
            } else {
                if input.is_empty() {
                    return Ok(if self.state == State::Done {
                        Progress::Finished
                    } else {
                        Progress::NeedInput
                    });
                }
                match self.unit_len(input)? {
                    Unit::Complete(n) => {
                        let (unit, rest) = input.split_at(n);
                        *input = rest;
                        self.unit(unit, builder)?;
                    }
                    Unit::Need(_) => {
                        self.carry.extend_from_slice(input);
                        *input = &[];
                        return Ok(Progress::NeedInput);
                    }
                }
            }
            match self.state {
                State::Done => {
                    if !input.is_empty() {
                        return Err(ConnectorError::data(format!(
                            "binary COPY stream: {} bytes after the trailer",
                            input.len()
                        )));
                    }
                    return Ok(Progress::Finished);
                }
                State::Tuples
                    if builder.rows() >= limits.max_rows
                        || self.batch_bytes >= limits.max_bytes =>
                {
                    return Ok(Progress::BatchFull);
                }
                _ => {}
            }
        }
    }

    /// The stream ended (CopyDone): it must have ended with the trailer.
    pub fn finish(&self) -> Result<(), ConnectorError> {
        if self.state == State::Done && self.carry.is_empty() {
            Ok(())
        } else {
            Err(ConnectorError::data(format!(
                "binary COPY stream ended early, after {} rows and without its trailer",
                self.rows
            )))
        }
    }

    fn unit_len(&self, buf: &[u8]) -> Result<Unit, ConnectorError> {
        match self.state {
            State::Header => header_len(buf),
            State::Tuples => tuple_len(buf, self.fields.len()),
            State::Done => Err(ConnectorError::data(
                "binary COPY stream: data after the trailer",
            )),
        }
    }

    /// Processes one complete unit.
    fn unit(&mut self, unit: &[u8], builder: &mut BatchBuilder) -> Result<(), ConnectorError> {
        match self.state {
            State::Header => {
                self.state = State::Tuples;
                Ok(())
            }
            State::Tuples if unit.len() == 2 && unit == [0xff, 0xff] => {
                self.state = State::Done;
                Ok(())
            }
            State::Tuples => self.tuple(unit, builder),
            State::Done => Err(ConnectorError::data(
                "binary COPY stream: data after the trailer",
            )),
        }
    }

    /// Appends one complete tuple (already measured by `tuple_len`, so every length is in
    /// bounds) to the builder.
    #[inline]
    fn tuple(&mut self, t: &[u8], builder: &mut BatchBuilder) -> Result<(), ConnectorError> {
        if let Some(count) = self.whole_rows {
            return self.whole_row(t, count, builder);
        }
        let mut pos = 2;
        let mut var_bytes = 0usize;
        for f in self.fields.iter() {
            let len = be_i32(t, pos);
            pos += 4;
            if len < 0 {
                if f.decode == Decode::Cursor {
                    return Err(self.value_error(f, t, "the cursor value is NULL".into()));
                }
                builder.append_null(f.column);
                continue;
            }
            let len = len as usize;
            let v = &t[pos..pos + len];
            pos += len;
            let col = f.column;
            match f.decode {
                Decode::Value(F::Text | F::Bytea | F::Native) => {
                    var_bytes += len;
                    builder.append_bytes(col, v);
                }
                Decode::Value(F::Int4) => {
                    builder.append_i32(col, i32::from_be_bytes(fixed(self, f, t, v)?))
                }
                Decode::Value(F::Int8) => {
                    builder.append_i64(col, i64::from_be_bytes(fixed(self, f, t, v)?))
                }
                Decode::Value(F::Int2) => {
                    builder.append_i16(col, i16::from_be_bytes(fixed(self, f, t, v)?))
                }
                Decode::Value(F::Float8) => {
                    builder.append_f64(col, f64::from_be_bytes(fixed(self, f, t, v)?))
                }
                Decode::Value(F::Float4) => {
                    builder.append_f32(col, f32::from_be_bytes(fixed(self, f, t, v)?))
                }
                Decode::Value(F::Bool) => {
                    builder.append_bool(col, fixed::<1>(self, f, t, v)?[0] != 0)
                }
                Decode::Value(F::Numeric { scale, .. }) => match wire::numeric_to_i128(v, scale) {
                    Ok(unscaled) => builder.append_decimal128(col, unscaled),
                    Err(e) => return Err(self.numeric_error(f, t, e)),
                },
                Decode::Value(F::Date) => {
                    let days = i32::from_be_bytes(fixed(self, f, t, v)?);
                    match wire::date_to_arrow(days) {
                        Some(d) => builder.append_date32(col, d),
                        None => {
                            return Err(self.value_error(
                                f,
                                t,
                                format!("date {} days from 2000-01-01 is out of range", days),
                            ))
                        }
                    }
                }
                Decode::Value(F::Timestamp) => {
                    let micros = i64::from_be_bytes(fixed(self, f, t, v)?);
                    match wire::timestamp_to_arrow(micros) {
                        Some(us) => builder.append_timestamp_micros(col, us),
                        None => {
                            return Err(self.value_error(
                                f,
                                t,
                                "the timestamp is after year 294246, beyond Arrow's microsecond timestamps".into(),
                            ))
                        }
                    }
                }
                Decode::Value(F::Time) => {
                    builder.append_time64_micros(col, i64::from_be_bytes(fixed(self, f, t, v)?))
                }
                Decode::Value(F::Interval) => {
                    let b: [u8; 16] = fixed(self, f, t, v)?;
                    let micros =
                        i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                    let days = i32::from_be_bytes([b[8], b[9], b[10], b[11]]);
                    let months = i32::from_be_bytes([b[12], b[13], b[14], b[15]]);
                    match wire::interval_to_arrow(micros, days, months) {
                        Some((m, d, nanos)) => builder.append_interval_mdn(col, m, d, nanos),
                        None => {
                            return Err(self.value_error(
                                f,
                                t,
                                "the interval does not fit Arrow's month-day-nanosecond interval (its time part, beyond ±292 years, moved into days overflows the day count)".into(),
                            ))
                        }
                    }
                }
                Decode::Value(F::Uuid) => {
                    builder.append_fixed_bytes(col, &fixed::<16>(self, f, t, v)?)
                }
                Decode::Value(F::Char) => {
                    let (text, n) = wire::char_to_text(fixed::<1>(self, f, t, v)?[0]);
                    var_bytes += n;
                    builder.append_bytes(col, &text[..n]);
                }
                Decode::Cursor | Decode::CursorKey => {
                    keep_hidden(f.decode, v, &mut self.cursor, &mut self.seen)
                }
            }
        }
        self.rows += 1;
        self.batch_bytes += self.fixed_row_bytes + var_bytes;
        Ok(())
    }

    /// Appends a tuple's emitted fields, untouched, as one value: the tuple itself when it
    /// has no hidden fields, else its emitted fields (which come first) behind their count.
    #[inline]
    fn whole_row(
        &mut self,
        t: &[u8],
        count: [u8; 2],
        builder: &mut BatchBuilder,
    ) -> Result<(), ConnectorError> {
        if !self.has_cursor {
            builder.append_bytes(0, t);
        } else {
            let mut pos = 2;
            let mut emitted_end = 2;
            for f in self.fields.iter() {
                let len = be_i32(t, pos);
                pos += 4;
                if f.decode == Decode::Cursor && len < 0 {
                    return Err(self.value_error(f, t, "the cursor value is NULL".into()));
                }
                let len = len.max(0) as usize;
                let v = &t[pos..pos + len];
                pos += len;
                match f.decode {
                    Decode::Value(_) => emitted_end = pos,
                    hidden => keep_hidden(hidden, v, &mut self.cursor, &mut self.seen),
                }
            }
            builder.append_bytes_parts(0, &count, &t[2..emitted_end]);
        }
        self.rows += 1;
        self.batch_bytes += 4 + t.len();
        Ok(())
    }

    /// "row N" of the stream, with the row's cursor value when there is one.
    #[cold]
    fn row_label(&self, t: &[u8]) -> String {
        let mut label = format!("row {}", self.rows + 1);
        let mut pos = 2;
        for f in &self.fields {
            let len = be_i32(t, pos);
            pos += 4;
            if len < 0 {
                continue;
            }
            if f.decode == Decode::Cursor {
                let value = String::from_utf8_lossy(&t[pos..pos + len as usize]);
                label.push_str(&format!(" (cursor value '{}')", value));
            }
            pos += len as usize;
        }
        label
    }

    #[cold]
    fn value_error(&self, f: &FieldPlan, t: &[u8], what: String) -> ConnectorError {
        ConnectorError::data(format!(
            "column \"{}\" ({}), {}: {}",
            f.name,
            f.native_type,
            self.row_label(t),
            what
        ))
    }

    #[cold]
    fn numeric_error(&self, f: &FieldPlan, t: &[u8], error: NumericError) -> ConnectorError {
        let (precision, scale) = match f.decode {
            Decode::Value(F::Numeric { precision, scale }) => (precision, scale),
            _ => (0, 0),
        };
        let advice = match error {
            NumericError::NaN | NumericError::Infinity | NumericError::NegativeInfinity => {
                "read the table through a view that casts the column (to text, double precision or unconstrained numeric, which is read exactly as text) or filters those rows out"
            }
            NumericError::Malformed => "the server sent a value this connector cannot read",
            _ => "widen the column (unconstrained numeric is read exactly as text) or read it through a view that casts it",
        };
        self.value_error(
            f,
            t,
            format!(
                "{} cannot be represented as decimal128({},{}); {}",
                error.describe(),
                precision,
                scale,
                advice
            ),
        )
    }
}

/// The value as an array of exactly N bytes, or a data error naming the column.
#[inline(always)]
fn fixed<const N: usize>(
    decoder: &CopyDecoder,
    f: &FieldPlan,
    t: &[u8],
    v: &[u8],
) -> Result<[u8; N], ConnectorError> {
    match <[u8; N]>::try_from(v) {
        Ok(array) => Ok(array),
        Err(_) => Err(decoder.value_error(
            f,
            t,
            format!("expected a {}-byte binary value, got {} bytes", N, v.len()),
        )),
    }
}

#[inline(always)]
fn be_i32(b: &[u8], at: usize) -> i32 {
    // One bounds check (often elided) instead of four.
    match b.get(at..at + 4) {
        Some(&[b0, b1, b2, b3]) => i32::from_be_bytes([b0, b1, b2, b3]),
        _ => panic!("be_i32 at {} of {}", at, b.len()),
    }
}

fn header_len(buf: &[u8]) -> Result<Unit, ConnectorError> {
    let known = buf.len().min(COPY_SIGNATURE.len());
    if buf[..known] != COPY_SIGNATURE[..known] {
        return Err(ConnectorError::data(
            "the COPY stream does not start with the binary COPY signature",
        ));
    }
    if buf.len() < 19 {
        return Ok(Unit::Need(19 - buf.len()));
    }
    let flags = be_i32(buf, 11);
    if flags & (1 << 16) != 0 {
        return Err(ConnectorError::data(
            "the binary COPY stream includes OIDs, which this connector does not read",
        ));
    }
    let extension = be_i32(buf, 15);
    if extension < 0 {
        return Err(ConnectorError::data(
            "binary COPY header: negative header-extension length",
        ));
    }
    let total = 19 + extension as usize;
    Ok(if buf.len() < total {
        Unit::Need(total - buf.len())
    } else {
        Unit::Complete(total)
    })
}

#[inline]
fn tuple_len(buf: &[u8], fields: usize) -> Result<Unit, ConnectorError> {
    if buf.len() < 2 {
        return Ok(Unit::Need(2 - buf.len()));
    }
    let count = i16::from_be_bytes([buf[0], buf[1]]);
    if count == -1 {
        return Ok(Unit::Complete(2));
    }
    if count < 0 || count as usize != fields {
        return Err(ConnectorError::data(format!(
            "binary COPY stream: a tuple with {} fields where {} were selected",
            count, fields
        )));
    }
    let mut pos = 2usize;
    for _ in 0..fields {
        if buf.len() < pos + 4 {
            return Ok(Unit::Need(pos + 4 - buf.len()));
        }
        let len = be_i32(buf, pos);
        pos += 4;
        if len >= 0 {
            pos += len as usize;
            if buf.len() < pos {
                return Ok(Unit::Need(pos - buf.len()));
            }
        } else if len != -1 {
            return Err(ConnectorError::data(format!(
                "binary COPY stream: field length {}",
                len
            )));
        }
    }
    Ok(Unit::Complete(pos))
}
