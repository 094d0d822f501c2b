//! Row-by-row construction of record batches into column buffers that are reused from one
//! batch to the next.

use super::schema::{Kind, Layout, Schema};
use super::writer::{self, ColumnParts};
use super::ArrowError;

/// Builds Arrow IPC streams (Schema, one RecordBatch, end-of-stream) one value at a time.
///
/// Values are appended per column, addressed by column index, straight into that column's
/// little-endian buffers: no allocation per value once the buffers have grown to the batch
/// size. [`BatchBuilder::finish`] emits the stream and empties the buffers, keeping their
/// capacity for the next batch.
///
/// Rows: a row is complete when every column has received a value or a null, in any order.
/// [`BatchBuilder::rows`] is the length of column 0; `finish` fails if any column's length
/// differs from it.
///
/// Misuse (an append whose type does not match the column, or a column index out of
/// range) is a programming error: it fails a `debug_assert`, and in release builds the
/// value is dropped and the next `finish` returns the error, so a wrong batch is never
/// emitted. Data errors (a null in a non-nullable column, more than 2 GiB of text in one
/// column) never panic: they are likewise reported by `finish`.
pub struct BatchBuilder {
    schema: Schema,
    /// The Schema message is the same for every batch, so it is encoded once.
    schema_message: Vec<u8>,
    schema_error: Option<ArrowError>,
    columns: Vec<ColumnBuffer>,
    /// The first error of the current batch; reported and cleared by `finish`.
    error: Option<ArrowError>,
}

/// One column's buffers. Invariants: `values`/`offsets` hold exactly `len` entries (plus
/// the leading 0 offset), and `validity` is empty while `null_count == 0` and holds
/// exactly `ceil(len / 8)` bytes otherwise.
struct ColumnBuffer {
    kind: Kind,
    layout: Layout,
    nullable: bool,
    len: usize,
    null_count: usize,
    /// Bit `i` set = row `i` is valid. Materialised at the first null, so a column without
    /// nulls costs nothing and is written without a bitmap.
    validity: Vec<u8>,
    /// Fixed-width values (fixed-size binary included), the bit-packed booleans, or the
    /// concatenated utf8/binary bytes.
    values: Vec<u8>,
    /// utf8/binary only: `len + 1` little-endian i32 offsets into `values`.
    offsets: Vec<u8>,
}

impl BatchBuilder {
    /// A schema Arrow readers would reject (a decimal precision outside 1..=38, a
    /// fixed-size binary width below 1, a metadata key repeated within a field) makes every
    /// `finish` fail with the reason, rather than making construction fallible.
    pub fn new(schema: Schema) -> Self {
        let mut schema_message = Vec::new();
        writer::schema_message(&schema, &mut schema_message);
        let schema_error = schema
            .fields
            .iter()
            .map(|f| f.validate())
            .find_map(Result::err);
        let columns = schema
            .fields
            .iter()
            .map(|f| ColumnBuffer::new(f.data_type.kind(), f.data_type.layout(), f.nullable))
            .collect();
        BatchBuilder {
            schema,
            schema_message,
            schema_error,
            columns,
            error: None,
        }
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Rows appended so far: the number of values (or nulls) in column 0.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.len)
    }

    /// Approximate size of the buffered batch in bytes (column buffers, without metadata
    /// and padding), for batch-size limits.
    pub fn byte_size(&self) -> usize {
        self.columns
            .iter()
            .map(|c| c.validity.len() + c.values.len() + c.offsets.len())
            .sum()
    }

    /// A null in column `col`; in a non-nullable column that is an error `finish` reports.
    #[inline]
    pub fn append_null(&mut self, col: usize) {
        let not_nullable = match self.columns.get_mut(col) {
            Some(c) => {
                c.push_null();
                !c.nullable
            }
            None => {
                self.misuse(col, "append_null");
                return;
            }
        };
        if not_nullable {
            let f = &self.schema.fields[col];
            let row = self.columns[col].len - 1;
            self.record(format!(
                "column '{}' is not nullable but row {} is null",
                f.name, row
            ));
        }
    }

    #[inline]
    pub fn append_bool(&mut self, col: usize, v: bool) {
        if let Some(c) = self.column(col, Kind::Boolean, "append_bool") {
            push_bit(&mut c.values, c.len, v);
            c.push_valid();
        }
    }

    #[inline]
    pub fn append_i16(&mut self, col: usize, v: i16) {
        self.fixed(col, Kind::Int16, "append_i16", v.to_le_bytes());
    }

    #[inline]
    pub fn append_i32(&mut self, col: usize, v: i32) {
        self.fixed(col, Kind::Int32, "append_i32", v.to_le_bytes());
    }

    #[inline]
    pub fn append_i64(&mut self, col: usize, v: i64) {
        self.fixed(col, Kind::Int64, "append_i64", v.to_le_bytes());
    }

    /// Stored bit for bit: NaN payloads and -0.0 survive.
    #[inline]
    pub fn append_f32(&mut self, col: usize, v: f32) {
        self.fixed(col, Kind::Float32, "append_f32", v.to_le_bytes());
    }

    /// Stored bit for bit: NaN payloads and -0.0 survive.
    #[inline]
    pub fn append_f64(&mut self, col: usize, v: f64) {
        self.fixed(col, Kind::Float64, "append_f64", v.to_le_bytes());
    }

    /// Days since 1970-01-01.
    #[inline]
    pub fn append_date32(&mut self, col: usize, days: i32) {
        self.fixed(col, Kind::Date32, "append_date32", days.to_le_bytes());
    }

    /// Microseconds since 1970-01-01T00:00:00 (UTC for a column with a time zone).
    #[inline]
    pub fn append_timestamp_micros(&mut self, col: usize, micros: i64) {
        self.fixed(
            col,
            Kind::Timestamp,
            "append_timestamp_micros",
            micros.to_le_bytes(),
        );
    }

    /// The unscaled value (`12.34` at scale 2 is `1234`).
    #[inline]
    pub fn append_decimal128(&mut self, col: usize, unscaled: i128) {
        self.fixed(
            col,
            Kind::Decimal128,
            "append_decimal128",
            unscaled.to_le_bytes(),
        );
    }

    /// Microseconds since midnight, for a Time64Microsecond column.
    #[inline]
    pub fn append_time64_micros(&mut self, col: usize, micros: i64) {
        self.fixed(
            col,
            Kind::Time64,
            "append_time64_micros",
            micros.to_le_bytes(),
        );
    }

    /// An IntervalMonthDayNano value: its three independent signed parts.
    #[inline]
    pub fn append_interval_mdn(&mut self, col: usize, months: i32, days: i32, nanos: i64) {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&months.to_le_bytes());
        bytes[4..8].copy_from_slice(&days.to_le_bytes());
        bytes[8..].copy_from_slice(&nanos.to_le_bytes());
        self.fixed(
            col,
            Kind::IntervalMonthDayNano,
            "append_interval_mdn",
            bytes,
        );
    }

    /// Appends to a FixedSizeBinary column. A value whose length differs from the column's
    /// width is a data error `finish` reports (the row still gets a zero-filled slot, so the
    /// column lengths stay in step).
    #[inline]
    pub fn append_fixed_bytes(&mut self, col: usize, v: &[u8]) {
        let width = match self.column(col, Kind::FixedSizeBinary, "append_fixed_bytes") {
            Some(c) => {
                let width = match c.layout {
                    Layout::Fixed(width) => width,
                    Layout::Bits | Layout::Var => unreachable!("fixed-size binary is fixed-width"),
                };
                if v.len() == width {
                    c.values.extend_from_slice(v);
                } else {
                    let len = c.values.len() + width;
                    c.values.resize(len, 0);
                }
                c.push_valid();
                width
            }
            None => return,
        };
        if v.len() != width {
            let f = &self.schema.fields[col];
            let row = self.columns[col].len - 1;
            self.record(format!(
                "column '{}': row {} has {} bytes, the fixed-size binary width is {}",
                f.name,
                row,
                v.len(),
                width
            ));
        }
    }

    /// Appends to a Binary or Utf8 column. For Utf8 the bytes are NOT validated (this is
    /// the hot path for text already known to be UTF-8, such as PostgreSQL text in a UTF8
    /// database): the caller guarantees they are UTF-8, or readers will reject the batch.
    #[inline]
    pub fn append_bytes(&mut self, col: usize, v: &[u8]) {
        self.append_var(col, &[], v, "append_bytes");
    }

    /// Appends one value made of `head` then `tail` to a Binary (or Utf8) column, as
    /// [`BatchBuilder::append_bytes`] of their concatenation would.
    #[inline]
    pub fn append_bytes_parts(&mut self, col: usize, head: &[u8], tail: &[u8]) {
        self.append_var(col, head, tail, "append_bytes_parts");
    }

    #[inline(always)]
    fn append_var(&mut self, col: usize, head: &[u8], tail: &[u8], method: &'static str) {
        let fits = match self.column(col, Kind::Binary, method) {
            Some(c) => c.push_var(head, tail),
            None => return,
        };
        if !fits {
            let f = &self.schema.fields[col];
            self.record(format!(
                "column '{}': more than 2 GiB of {:?} data in one batch; lower the batch size",
                f.name, f.data_type
            ));
        }
    }

    /// Appends to a Utf8 (or Binary) column.
    #[inline]
    pub fn append_str(&mut self, col: usize, v: &str) {
        self.append_bytes(col, v.as_bytes());
    }

    /// Writes the IPC stream of the rows appended since the last finish, then empties the
    /// builder for the next batch (keeping its buffers). Also empties it on error: the
    /// erroneous batch is dropped.
    pub fn finish(&mut self) -> Result<Vec<u8>, ArrowError> {
        let mut out = Vec::new();
        self.finish_into(&mut out)?;
        Ok(out)
    }

    /// Like [`BatchBuilder::finish`], appending the stream to `out` (left unchanged on
    /// error) so the caller can reuse one output buffer too.
    pub fn finish_into(&mut self, out: &mut Vec<u8>) -> Result<(), ArrowError> {
        // The same pieces a source emits, joined here.
        let mut head = Vec::new();
        let result = self.pieces(&mut head).map(|pieces| {
            for piece in pieces {
                out.extend_from_slice(piece);
            }
        });
        self.clear();
        result
    }

    /// The IPC stream of the rows appended since the last [`BatchBuilder::clear`] as pieces
    /// for [`crate::emit_batch`]: its messages' metadata, written into `head`, and the
    /// builder's own buffers, which are not copied together first. Emit them, then `clear`
    /// the builder for the next batch (also after an error: the erroneous batch is dropped).
    pub fn pieces<'b>(&'b self, head: &'b mut Vec<u8>) -> Result<Vec<&'b [u8]>, ArrowError> {
        let rows = self.rows_to_write()?;
        let parts: Vec<ColumnParts<'b>> = self.columns.iter().map(ColumnBuffer::parts).collect();
        head.clear();
        head.extend_from_slice(&self.schema_message);
        writer::record_batch_head(rows, &parts, head);
        let head: &'b [u8] = head;
        let mut pieces = Vec::with_capacity(2 + 2 * 3 * parts.len());
        pieces.push(head);
        writer::body_pieces(&parts, &mut pieces);
        pieces.push(&writer::END_OF_STREAM);
        Ok(pieces)
    }

    /// Empties the builder for the next batch, keeping its buffers.
    pub fn clear(&mut self) {
        for c in &mut self.columns {
            c.reset();
        }
        self.error = None;
    }

    /// The rows of the batch, when every column has one value or null per row and nothing
    /// appended failed.
    fn rows_to_write(&self) -> Result<usize, ArrowError> {
        if let Some(e) = self.schema_error.as_ref().or(self.error.as_ref()) {
            return Err(e.clone());
        }
        let rows = self.rows();
        for (c, f) in self.columns.iter().zip(&self.schema.fields) {
            if c.len != rows {
                return Err(ArrowError::new(format!(
                    "column '{}' has {} values but column '{}' has {}: every row needs a value or a null in every column",
                    f.name, c.len, self.schema.fields[0].name, rows
                )));
            }
        }
        Ok(rows)
    }

    #[inline]
    fn fixed<const N: usize>(
        &mut self,
        col: usize,
        kind: Kind,
        method: &'static str,
        bytes: [u8; N],
    ) {
        if let Some(c) = self.column(col, kind, method) {
            c.values.extend_from_slice(&bytes);
            c.push_valid();
        }
    }

    /// The column if it exists and takes `want` values. Utf8 and Binary share a layout, and
    /// `append_bytes`/`append_str` serve either.
    #[inline]
    fn column(
        &mut self,
        col: usize,
        want: Kind,
        method: &'static str,
    ) -> Option<&mut ColumnBuffer> {
        let ok = match self.columns.get(col) {
            Some(c) => {
                c.kind == want
                    || (c.layout == Layout::Var && matches!(want, Kind::Utf8 | Kind::Binary))
            }
            None => false,
        };
        if ok {
            Some(&mut self.columns[col])
        } else {
            self.misuse(col, method);
            None
        }
    }

    #[cold]
    fn misuse(&mut self, col: usize, method: &str) {
        let message = match self.schema.fields.get(col) {
            Some(f) => format!(
                "{} on column {} ('{}', {:?}): wrong type for the column",
                method, col, f.name, f.data_type
            ),
            None => format!(
                "{}: column {} does not exist (the schema has {})",
                method,
                col,
                self.columns.len()
            ),
        };
        self.record(message.clone());
        debug_assert!(false, "{}", message);
    }

    #[cold]
    fn record(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(ArrowError::new(message));
        }
    }
}

impl ColumnBuffer {
    fn new(kind: Kind, layout: Layout, nullable: bool) -> Self {
        let mut c = ColumnBuffer {
            kind,
            layout,
            nullable,
            len: 0,
            null_count: 0,
            validity: Vec::new(),
            values: Vec::new(),
            offsets: Vec::new(),
        };
        c.reset();
        c
    }

    fn reset(&mut self) {
        self.len = 0;
        self.null_count = 0;
        self.validity.clear();
        self.values.clear();
        self.offsets.clear();
        if self.layout == Layout::Var {
            self.offsets.extend_from_slice(&0i32.to_le_bytes());
        }
    }

    /// Completes a non-null value whose bytes are already in `values`.
    #[inline]
    fn push_valid(&mut self) {
        if self.null_count > 0 {
            push_bit(&mut self.validity, self.len, true);
        }
        self.len += 1;
    }

    fn push_null(&mut self) {
        if self.null_count == 0 {
            // First null: the rows so far were all valid.
            self.validity.clear();
            self.validity.resize(self.len / 8, 0xFF);
            if self.len % 8 != 0 {
                self.validity.push((1u8 << (self.len % 8)) - 1);
            }
        }
        push_bit(&mut self.validity, self.len, false);
        self.null_count += 1;
        // A null still occupies a slot: zero bytes, a clear bit, or an empty value.
        match self.layout {
            Layout::Bits => push_bit(&mut self.values, self.len, false),
            Layout::Fixed(width) => {
                let len = self.values.len() + width;
                self.values.resize(len, 0);
            }
            Layout::Var => {
                let end = self.values.len() as i32;
                self.offsets.extend_from_slice(&end.to_le_bytes());
            }
        }
        self.len += 1;
    }

    /// Appends a utf8/binary value, `head` then `tail`; false (and nothing appended) if the
    /// column's data would pass the 2 GiB that i32 offsets can address.
    #[inline]
    fn push_var(&mut self, head: &[u8], tail: &[u8]) -> bool {
        let end = self.values.len() + head.len() + tail.len();
        if end > i32::MAX as usize {
            return false;
        }
        if !head.is_empty() {
            self.values.extend_from_slice(head);
        }
        crate::copy::with_constant_len(tail, |v| self.values.extend_from_slice(v));
        self.offsets.extend_from_slice(&(end as i32).to_le_bytes());
        self.push_valid();
        true
    }

    fn parts(&self) -> ColumnParts<'_> {
        let validity: &[u8] = if self.null_count > 0 {
            &self.validity
        } else {
            &[]
        };
        match self.layout {
            Layout::Var => ColumnParts::new(
                self.len,
                self.null_count,
                &[validity, &self.offsets, &self.values],
            ),
            Layout::Bits | Layout::Fixed(_) => {
                ColumnParts::new(self.len, self.null_count, &[validity, &self.values])
            }
        }
    }
}

/// Sets bit `i` of a bitmap that holds exactly `i` bits so far.
#[inline]
fn push_bit(bits: &mut Vec<u8>, i: usize, set: bool) {
    if i % 8 == 0 {
        bits.push(0);
    }
    if set {
        let last = bits.len() - 1;
        bits[last] |= 1 << (i % 8);
    }
}
