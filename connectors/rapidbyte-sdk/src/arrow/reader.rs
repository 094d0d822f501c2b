//! Zero-copy reading of one batch stream (Schema, one RecordBatch, end-of-stream).
//!
//! `IpcBatch::parse` validates everything a reader could trip over (metadata offsets,
//! buffer ranges, bitmap sizes, null counts, offsets, UTF-8) before returning, so the
//! accessors afterwards only index memory already known to be in range.

use super::flatbuf::{Table, Vector};
use super::format::{self, field, key_value, message, record_batch, schema, types, CONTINUATION};
use super::schema::{DataType, Field, Kind, Layout, Schema};
use super::ArrowError;

const END_OF_STREAM: [u8; 8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

/// A parsed batch borrowing the stream bytes.
#[derive(Debug)]
pub struct IpcBatch<'a> {
    schema: Schema,
    num_rows: usize,
    columns: Vec<Column<'a>>,
}

/// One column of an [`IpcBatch`]. Use the accessor matching the column's
/// [`DataType`]; calling another one, or passing a row `>= len()`, is a programming error
/// and panics (input data can never cause a panic: `parse` rejected bad input).
/// The value at a null row is unspecified (zero or empty from our writer; `str` gives "").
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    kind: Kind,
    layout: Layout,
    len: usize,
    null_count: usize,
    /// Present only when the column has nulls.
    validity: Option<&'a [u8]>,
    /// Exactly the bytes of `len` values (bit-packed for booleans, `len * width` for
    /// fixed-width types); for utf8/binary the data buffer the offsets point into.
    values: &'a [u8],
    /// utf8/binary: `len + 1` monotonic offsets, all within `values` (empty when len = 0).
    offsets: &'a [u8],
}

/// A message located in the stream: its header table and its body.
struct Message<'a> {
    header_type: u8,
    header: Table<'a>,
    body: &'a [u8],
    end: usize,
}

impl<'a> IpcBatch<'a> {
    /// Parses a stream of exactly: Schema message, RecordBatch message, end-of-stream
    /// marker. Any deviation, truncation or inconsistency is an error naming what is wrong.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ArrowError> {
        let first = read_message(bytes, 0).map_err(|e| e.context("schema message"))?;
        if first.header_type != message::SCHEMA {
            return Err(ArrowError::new(format!(
                "the stream must start with a Schema message, found message type {}",
                first.header_type
            )));
        }
        let schema = read_schema(first.header).map_err(|e| e.context("schema message"))?;

        let second =
            read_message(bytes, first.end).map_err(|e| e.context("record batch message"))?;
        if second.header_type != message::RECORD_BATCH {
            return Err(ArrowError::new(format!(
                "expected a RecordBatch message after the schema, found message type {} (dictionaries are not supported)",
                second.header_type
            )));
        }
        let (num_rows, columns) = read_record_batch(&schema, second.header, second.body)
            .map_err(|e| e.context("record batch"))?;

        let rest = &bytes[second.end..];
        if rest != END_OF_STREAM {
            let why = if rest.len() < 8 && END_OF_STREAM.starts_with(rest) {
                "stream truncated: the end-of-stream marker is missing".to_string()
            } else if rest.starts_with(&END_OF_STREAM) {
                format!(
                    "{} unexpected bytes after the end-of-stream marker",
                    rest.len() - 8
                )
            } else {
                "expected the end-of-stream marker after the record batch (a stream carries exactly one batch)"
                    .to_string()
            };
            return Err(ArrowError::new(why));
        }
        Ok(IpcBatch {
            schema,
            num_rows,
            columns,
        })
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    pub fn num_rows(&self) -> usize {
        self.num_rows
    }

    pub fn num_columns(&self) -> usize {
        self.columns.len()
    }

    /// Column `i` in schema order; panics if `i >= num_columns()`.
    pub fn column(&self, i: usize) -> &Column<'a> {
        &self.columns[i]
    }

    pub fn columns(&self) -> &[Column<'a>] {
        &self.columns
    }
}

fn read_message(bytes: &[u8], pos: usize) -> Result<Message<'_>, ArrowError> {
    let rest = &bytes[pos..];
    if rest.len() < 8 {
        return Err(ArrowError::new(format!(
            "stream truncated: needs an 8-byte message prefix at byte {}, {} bytes present",
            pos,
            rest.len()
        )));
    }
    if rest[..4] != CONTINUATION {
        return Err(ArrowError::new(format!(
            "expected the continuation marker ffffffff at byte {}, found {:02x?}",
            pos,
            &rest[..4]
        )));
    }
    let meta_len = i32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    if meta_len <= 0 {
        let why = if meta_len == 0 {
            "the stream ended early (end-of-stream marker)"
        } else {
            "negative metadata length"
        };
        return Err(ArrowError::new(format!("{} at byte {}", why, pos + 4)));
    }
    let meta_len = meta_len as usize;
    if meta_len > rest.len() - 8 {
        return Err(ArrowError::new(format!(
            "stream truncated: metadata needs {} bytes, {} present",
            meta_len,
            rest.len() - 8
        )));
    }
    let meta_end = pos + 8 + meta_len;
    let root = Table::root(&bytes[pos + 8..meta_end])?;
    let version = root.i16(message::VERSION, 0)?;
    if version != format::METADATA_V4 && version != format::METADATA_V5 {
        return Err(ArrowError::new(format!(
            "metadata version {} is not supported (V4 = 3 or V5 = 4 expected)",
            version
        )));
    }
    let header_type = root.u8(message::HEADER_TYPE, 0)?;
    let header = root
        .table(message::HEADER)?
        .ok_or_else(|| ArrowError::new("the message has no header"))?;
    let body_len = root.i64(message::BODY_LENGTH, 0)?;
    let present = bytes.len() - meta_end;
    if body_len < 0 || body_len as u64 > present as u64 {
        return Err(ArrowError::new(format!(
            "batch truncated: body needs {} bytes, {} present",
            body_len, present
        )));
    }
    let end = meta_end + body_len as usize;
    Ok(Message {
        header_type,
        header,
        body: &bytes[meta_end..end],
        end,
    })
}

fn read_schema(table: Table<'_>) -> Result<Schema, ArrowError> {
    if table.i16(schema::ENDIANNESS, schema::LITTLE_ENDIAN)? != schema::LITTLE_ENDIAN {
        return Err(ArrowError::new("big-endian batches are not supported"));
    }
    let fields = match table.vector(schema::FIELDS, 4)? {
        Some(v) => v,
        None => return Ok(Schema::default()),
    };
    let mut out = Vec::with_capacity(fields.len());
    for i in 0..fields.len() {
        let f = fields.table(i)?;
        let name = f.string(field::NAME)?.unwrap_or("").to_string();
        let column = |e: ArrowError| e.context(&format!("column {} ('{}')", i, name));
        if f.has(field::DICTIONARY)? {
            return Err(column(ArrowError::new(
                "dictionary-encoded columns are not supported",
            )));
        }
        if f.vector(field::CHILDREN, 4)?.map_or(0, |c| c.len()) > 0 {
            return Err(column(ArrowError::new("nested types are not supported")));
        }
        let type_table = f
            .table(field::TYPE)?
            .ok_or_else(|| column(ArrowError::new("the field has no type")))?;
        let data_type = read_type(f.u8(field::TYPE_TYPE, 0)?, type_table).map_err(column)?;
        let metadata = read_metadata(f).map_err(column)?;
        let mut field = Field::new(name, data_type, f.bool(field::NULLABLE, false)?);
        field.metadata = metadata;
        field.validate()?;
        out.push(field);
    }
    Ok(Schema::new(out))
}

/// A field's `custom_metadata`, in order; every entry must have a key and a value.
fn read_metadata(f: Table<'_>) -> Result<Vec<(String, String)>, ArrowError> {
    let entries = match f.vector(field::CUSTOM_METADATA, 4)? {
        Some(v) => v,
        None => return Ok(Vec::new()),
    };
    let mut out = Vec::with_capacity(entries.len());
    for i in 0..entries.len() {
        let kv = entries.table(i)?;
        let missing =
            |what: &str| ArrowError::new(format!("custom metadata entry {} has no {}", i, what));
        let key = kv.string(key_value::KEY)?.ok_or_else(|| missing("key"))?;
        let value = kv
            .string(key_value::VALUE)?
            .ok_or_else(|| missing("value"))?;
        out.push((key.to_string(), value.to_string()));
    }
    Ok(out)
}

fn read_type(tag: u8, t: Table<'_>) -> Result<DataType, ArrowError> {
    let unsupported = |what: String| ArrowError::new(format!("unsupported type {}", what));
    Ok(match tag {
        types::BOOL => DataType::Boolean,
        types::UTF8 => DataType::Utf8,
        types::BINARY => DataType::Binary,
        types::INT => {
            let bits = t.i32(types::INT_BIT_WIDTH, 0)?;
            match (bits, t.bool(types::INT_IS_SIGNED, false)?) {
                (16, true) => DataType::Int16,
                (32, true) => DataType::Int32,
                (64, true) => DataType::Int64,
                (_, signed) => {
                    return Err(unsupported(format!(
                        "{}int{}",
                        if signed { "" } else { "u" },
                        bits
                    )))
                }
            }
        }
        types::FLOATING_POINT => match t.i16(types::FLOAT_PRECISION, 0)? {
            types::PRECISION_SINGLE => DataType::Float32,
            types::PRECISION_DOUBLE => DataType::Float64,
            p => {
                return Err(unsupported(format!(
                    "floating point of precision {} (half)",
                    p
                )))
            }
        },
        types::DATE => match t.i16(types::DATE_UNIT, types::DATE_UNIT_DEFAULT)? {
            types::DATE_UNIT_DAY => DataType::Date32,
            _ => return Err(unsupported("date64 (milliseconds)".to_string())),
        },
        types::TIMESTAMP => {
            let unit = t.i16(types::TIMESTAMP_UNIT, 0)?;
            if unit != types::TIME_UNIT_MICROSECOND {
                return Err(unsupported(format!(
                    "timestamp in {} (microseconds expected)",
                    time_unit_name(unit)
                )));
            }
            let tz = t
                .string(types::TIMESTAMP_TIMEZONE)?
                .filter(|s| !s.is_empty());
            DataType::Timestamp {
                timezone: tz.map(str::to_string),
            }
        }
        types::DECIMAL => {
            let bits = t.i32(types::DECIMAL_BIT_WIDTH, 128)?;
            if bits != 128 {
                return Err(unsupported(format!("decimal{}", bits)));
            }
            let precision = t.i32(types::DECIMAL_PRECISION, 0)?;
            let scale = t.i32(types::DECIMAL_SCALE, 0)?;
            match (u8::try_from(precision), i8::try_from(scale)) {
                (Ok(precision), Ok(scale)) => DataType::Decimal128 { precision, scale },
                _ => return Err(unsupported(format!("decimal128({}, {})", precision, scale))),
            }
        }
        types::TIME => {
            let unit = t.i16(types::TIME_UNIT, types::TIME_UNIT_DEFAULT)?;
            let bits = t.i32(types::TIME_BIT_WIDTH, types::TIME_BIT_WIDTH_DEFAULT)?;
            if unit != types::TIME_UNIT_MICROSECOND || bits != 64 {
                return Err(unsupported(format!(
                    "time{} in {} (time64 in microseconds expected)",
                    bits,
                    time_unit_name(unit)
                )));
            }
            DataType::Time64Microsecond
        }
        types::INTERVAL => match t.i16(types::INTERVAL_UNIT, 0)? {
            types::INTERVAL_UNIT_MONTH_DAY_NANO => DataType::IntervalMonthDayNano,
            unit => {
                let name = types::INTERVAL_UNIT_NAMES
                    .get(unit as usize)
                    .copied()
                    .unwrap_or("an unknown unit");
                return Err(unsupported(format!(
                    "interval of {} (month_day_nano expected)",
                    name
                )));
            }
        },
        types::FIXED_SIZE_BINARY => {
            DataType::FixedSizeBinary(t.i32(types::FIXED_SIZE_BINARY_WIDTH, 0)?)
        }
        other => {
            let name = format::TYPE_NAMES
                .get(other as usize)
                .copied()
                .unwrap_or("unknown");
            return Err(unsupported(format!("{} (Type union tag {})", name, other)));
        }
    })
}

fn time_unit_name(unit: i16) -> &'static str {
    types::TIME_UNIT_NAMES
        .get(unit as usize)
        .copied()
        .unwrap_or("an unknown unit")
}

fn read_record_batch<'a>(
    s: &Schema,
    t: Table<'a>,
    body: &'a [u8],
) -> Result<(usize, Vec<Column<'a>>), ArrowError> {
    if t.has(record_batch::COMPRESSION)? {
        return Err(ArrowError::new(
            "compressed bodies are not supported: write uncompressed IPC",
        ));
    }
    let length = t.i64(record_batch::LENGTH, 0)?;
    let rows = usize::try_from(length)
        .map_err(|_| ArrowError::new(format!("invalid row count {}", length)))?;
    let nodes = struct_vector(t, record_batch::NODES)?;
    if nodes.as_ref().map_or(0, Vector::len) != s.fields.len() {
        return Err(ArrowError::new(format!(
            "{} field nodes for {} columns",
            nodes.as_ref().map_or(0, Vector::len),
            s.fields.len()
        )));
    }
    let wanted: usize = s
        .fields
        .iter()
        .map(|f| buffer_count(f.data_type.layout()))
        .sum();
    let buffers = struct_vector(t, record_batch::BUFFERS)?;
    if buffers.as_ref().map_or(0, Vector::len) != wanted {
        return Err(ArrowError::new(format!(
            "{} buffers where the schema needs {}",
            buffers.as_ref().map_or(0, Vector::len),
            wanted
        )));
    }
    let (nodes, buffers) = match (nodes, buffers) {
        (Some(n), Some(b)) => (n, b),
        _ => return Ok((rows, Vec::new())), // no columns
    };

    let mut columns = Vec::with_capacity(s.fields.len());
    let mut next = 0;
    for (i, f) in s.fields.iter().enumerate() {
        let column = |e: ArrowError| e.context(&format!("column '{}'", f.name));
        let node_len = nodes.struct_i64(i, 0);
        let null_count = nodes.struct_i64(i, 1);
        if node_len != length {
            return Err(column(ArrowError::new(format!(
                "{} values in a batch of {} rows",
                node_len, length
            ))));
        }
        if null_count < 0 || null_count > length {
            return Err(column(ArrowError::new(format!(
                "invalid null count {}",
                null_count
            ))));
        }
        if null_count > 0 && !f.nullable {
            return Err(column(ArrowError::new(format!(
                "not nullable but has {} nulls",
                null_count
            ))));
        }
        let (kind, layout) = (f.data_type.kind(), f.data_type.layout());
        let mut slices = [&body[..0]; 3];
        for slot in slices.iter_mut().take(buffer_count(layout)) {
            *slot = body_slice(&buffers, next, body).map_err(column)?;
            next += 1;
        }
        let c = check_column(kind, layout, rows, null_count as usize, slices).map_err(column)?;
        columns.push(c);
    }
    Ok((rows, columns))
}

fn struct_vector<'a>(t: Table<'a>, id: usize) -> Result<Option<Vector<'a>>, ArrowError> {
    t.vector(id, record_batch::STRUCT_SIZE)
}

fn buffer_count(layout: Layout) -> usize {
    match layout {
        Layout::Var => 3,
        Layout::Bits | Layout::Fixed(_) => 2,
    }
}

/// The body bytes Buffer `i` describes, checked to lie within the body.
fn body_slice<'a>(buffers: &Vector<'_>, i: usize, body: &'a [u8]) -> Result<&'a [u8], ArrowError> {
    let offset = buffers.struct_i64(i, 0);
    let len = buffers.struct_i64(i, 1);
    let end = offset.checked_add(len);
    match end {
        Some(end) if offset >= 0 && len >= 0 && end as u64 <= body.len() as u64 => {
            Ok(&body[offset as usize..end as usize])
        }
        _ => Err(ArrowError::new(format!(
            "buffer {} (offset {}, length {}) lies outside the {}-byte body",
            i,
            offset,
            len,
            body.len()
        ))),
    }
}

fn bitmap_len(rows: usize) -> usize {
    rows / 8 + (rows % 8 != 0) as usize
}

/// Validates a column's buffers (validity, then values or offsets and data) against its
/// row and null counts.
fn check_column<'a>(
    kind: Kind,
    layout: Layout,
    rows: usize,
    null_count: usize,
    b: [&'a [u8]; 3],
) -> Result<Column<'a>, ArrowError> {
    let validity = if b[0].is_empty() {
        if null_count > 0 {
            return Err(ArrowError::new(format!(
                "{} nulls but no validity bitmap",
                null_count
            )));
        }
        None
    } else {
        if b[0].len() < bitmap_len(rows) {
            return Err(ArrowError::new(format!(
                "validity bitmap has {} bytes, {} rows need {}",
                b[0].len(),
                rows,
                bitmap_len(rows)
            )));
        }
        let nulls = rows - count_set_bits(b[0], rows);
        if nulls != null_count {
            return Err(ArrowError::new(format!(
                "validity bitmap marks {} nulls, the field node says {}",
                nulls, null_count
            )));
        }
        if null_count > 0 {
            Some(&b[0][..bitmap_len(rows)])
        } else {
            None
        }
    };
    let mut c = Column {
        kind,
        layout,
        len: rows,
        null_count,
        validity,
        values: b[1],
        offsets: &[],
    };
    match layout {
        Layout::Bits => c.values = prefix(b[1], bitmap_len(rows), "value bitmap")?,
        Layout::Fixed(width) => {
            let need = rows
                .checked_mul(width)
                .ok_or_else(|| ArrowError::new("row count overflows"))?;
            c.values = prefix(b[1], need, "value buffer")?;
        }
        // A writer may omit the offsets of an empty column altogether.
        Layout::Var if rows == 0 && b[1].is_empty() => c.values = &[],
        Layout::Var => {
            let need = rows.checked_add(1).and_then(|n| n.checked_mul(4));
            c.offsets = prefix(
                b[1],
                need.ok_or_else(|| ArrowError::new("row count overflows"))?,
                "offsets buffer",
            )?;
            c.values = b[2];
            check_offsets(&c)?;
        }
    }
    Ok(c)
}

/// The first `need` bytes of a buffer that must hold at least that many.
fn prefix<'a>(buf: &'a [u8], need: usize, what: &str) -> Result<&'a [u8], ArrowError> {
    buf.get(..need)
        .ok_or_else(|| ArrowError::new(format!("{} has {} bytes, needs {}", what, buf.len(), need)))
}

/// Offsets must start at or after 0, never decrease and stay within the data; utf8 values
/// (except nulls, whose bytes Arrow leaves unspecified) must be UTF-8.
fn check_offsets(c: &Column<'_>) -> Result<(), ArrowError> {
    check_offset_bounds(c)?;
    if c.kind == Kind::Utf8 {
        check_utf8(c)?;
    }
    Ok(())
}

fn check_offset_bounds(c: &Column<'_>) -> Result<(), ArrowError> {
    let mut start = offset_at(c.offsets, 0);
    if start < 0 || start as usize > c.values.len() {
        return Err(ArrowError::new(format!(
            "first offset {} is outside the data",
            start
        )));
    }
    for row in 0..c.len {
        let end = offset_at(c.offsets, row + 1);
        if end < start {
            return Err(ArrowError::new(format!(
                "offsets not monotonic at row {}",
                row
            )));
        }
        if end as usize > c.values.len() {
            return Err(ArrowError::new(format!(
                "row {} ends at byte {}, past the {}-byte data buffer",
                row,
                end,
                c.values.len()
            )));
        }
        start = end;
    }
    Ok(())
}

/// Every non-null value of a utf8 column (offsets already checked) is UTF-8.
///
/// One pass over all the bytes the offsets span, plus a check that each offset falls on a
/// character boundary (a valid string cut at character boundaries gives valid pieces),
/// costs a fraction of one `from_utf8` call per value: most values are a few dozen
/// bytes, and the per-call overhead dominates. Only when that fails (a bad value, or
/// just the unspecified bytes under a null) are the values checked one by one, which
/// also names the row.
fn check_utf8(c: &Column<'_>) -> Result<(), ArrowError> {
    if c.len == 0 {
        return Ok(());
    }
    let first = offset_at(c.offsets, 0) as usize;
    let last = offset_at(c.offsets, c.len) as usize;
    let whole_is_valid = std::str::from_utf8(&c.values[first..last]).is_ok()
        && (1..c.len).all(|row| {
            let at = offset_at(c.offsets, row) as usize;
            // A UTF-8 continuation byte is 0b10xx_xxxx; anything else starts a character.
            at == last || c.values[at] & 0xC0 != 0x80
        });
    if whole_is_valid {
        return Ok(());
    }
    for row in 0..c.len {
        if c.validity.map_or(false, |v| !bit(v, row)) {
            continue;
        }
        let start = offset_at(c.offsets, row) as usize;
        let end = offset_at(c.offsets, row + 1) as usize;
        if std::str::from_utf8(&c.values[start..end]).is_err() {
            return Err(ArrowError::new(format!("row {} is not valid UTF-8", row)));
        }
    }
    Ok(())
}

#[inline]
fn offset_at(offsets: &[u8], i: usize) -> i32 {
    let at = 4 * i;
    i32::from_le_bytes([
        offsets[at],
        offsets[at + 1],
        offsets[at + 2],
        offsets[at + 3],
    ])
}

#[inline]
fn bit(bits: &[u8], i: usize) -> bool {
    bits[i / 8] & (1 << (i % 8)) != 0
}

fn count_set_bits(bits: &[u8], n: usize) -> usize {
    let full: usize = bits[..n / 8].iter().map(|b| b.count_ones() as usize).sum();
    let rest = n % 8;
    if rest == 0 {
        full
    } else {
        full + (bits[n / 8] & ((1u8 << rest) - 1)).count_ones() as usize
    }
}

impl<'a> Column<'a> {
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn null_count(&self) -> usize {
        self.null_count
    }

    #[inline]
    pub fn is_null(&self, row: usize) -> bool {
        self.check_row(row);
        self.validity.map_or(false, |v| !bit(v, row))
    }

    #[inline]
    pub fn bool(&self, row: usize) -> bool {
        self.expect(Kind::Boolean, "bool", row);
        bit(self.values, row)
    }

    #[inline]
    pub fn i16(&self, row: usize) -> i16 {
        i16::from_le_bytes(self.fixed(Kind::Int16, "i16", row))
    }

    #[inline]
    pub fn i32(&self, row: usize) -> i32 {
        i32::from_le_bytes(self.fixed(Kind::Int32, "i32", row))
    }

    #[inline]
    pub fn i64(&self, row: usize) -> i64 {
        i64::from_le_bytes(self.fixed(Kind::Int64, "i64", row))
    }

    #[inline]
    pub fn f32(&self, row: usize) -> f32 {
        f32::from_le_bytes(self.fixed(Kind::Float32, "f32", row))
    }

    #[inline]
    pub fn f64(&self, row: usize) -> f64 {
        f64::from_le_bytes(self.fixed(Kind::Float64, "f64", row))
    }

    /// Days since 1970-01-01.
    #[inline]
    pub fn date32(&self, row: usize) -> i32 {
        i32::from_le_bytes(self.fixed(Kind::Date32, "date32", row))
    }

    /// Microseconds since 1970-01-01T00:00:00.
    #[inline]
    pub fn timestamp_micros(&self, row: usize) -> i64 {
        i64::from_le_bytes(self.fixed(Kind::Timestamp, "timestamp_micros", row))
    }

    /// The unscaled value; divide by 10^scale for the number.
    #[inline]
    pub fn decimal128(&self, row: usize) -> i128 {
        i128::from_le_bytes(self.fixed(Kind::Decimal128, "decimal128", row))
    }

    /// Microseconds since midnight.
    #[inline]
    pub fn time64_micros(&self, row: usize) -> i64 {
        i64::from_le_bytes(self.fixed(Kind::Time64, "time64_micros", row))
    }

    /// An IntervalMonthDayNano value as (months, days, nanoseconds).
    #[inline]
    pub fn interval_mdn(&self, row: usize) -> (i32, i32, i64) {
        let b: [u8; 16] = self.fixed(Kind::IntervalMonthDayNano, "interval_mdn", row);
        let mut months = [0u8; 4];
        let mut days = [0u8; 4];
        let mut nanos = [0u8; 8];
        months.copy_from_slice(&b[..4]);
        days.copy_from_slice(&b[4..8]);
        nanos.copy_from_slice(&b[8..]);
        (
            i32::from_le_bytes(months),
            i32::from_le_bytes(days),
            i64::from_le_bytes(nanos),
        )
    }

    /// The bytes of a FixedSizeBinary value (exactly the column's width), borrowed from
    /// the stream; zeros at a null row from our writer, unspecified from others.
    #[inline]
    pub fn fixed_bytes(&self, row: usize) -> &'a [u8] {
        self.expect(Kind::FixedSizeBinary, "fixed_bytes", row);
        let width = match self.layout {
            Layout::Fixed(width) => width,
            Layout::Bits | Layout::Var => unreachable!("fixed-size binary is fixed-width"),
        };
        &self.values[row * width..row * width + width]
    }

    /// The bytes of a Binary or Utf8 value, borrowed from the stream.
    #[inline]
    pub fn bytes(&self, row: usize) -> &'a [u8] {
        self.check_row(row);
        assert!(
            self.layout == Layout::Var,
            "Column::bytes called on a {:?} column",
            self.kind
        );
        let start = offset_at(self.offsets, row) as usize;
        let end = offset_at(self.offsets, row + 1) as usize;
        &self.values[start..end]
    }

    /// The bytes of the Binary or Utf8 values of `rows`, back to back as the stream holds
    /// them (the offsets were checked to ascend when the batch was parsed).
    #[inline]
    pub fn bytes_of_rows(&self, rows: std::ops::Range<usize>) -> &'a [u8] {
        assert!(
            rows.start <= rows.end && rows.end <= self.len,
            "rows {:?} of a column of {} values",
            rows,
            self.len
        );
        assert!(
            self.layout == Layout::Var,
            "Column::bytes_of_rows called on a {:?} column",
            self.kind
        );
        let start = offset_at(self.offsets, rows.start) as usize;
        let end = offset_at(self.offsets, rows.end) as usize;
        &self.values[start..end]
    }

    /// Where the value of `row` ends in the column's data, counted from the start of the
    /// first value (so the bytes of rows `0..=row`).
    #[inline]
    pub fn bytes_end(&self, row: usize) -> usize {
        self.check_row(row);
        assert!(
            self.layout == Layout::Var,
            "Column::bytes_end called on a {:?} column",
            self.kind
        );
        (offset_at(self.offsets, row + 1) - offset_at(self.offsets, 0)) as usize
    }

    /// The text of a Utf8 value, borrowed from the stream; "" at a null row.
    #[inline]
    pub fn str(&self, row: usize) -> &'a str {
        self.expect(Kind::Utf8, "str", row);
        if self.is_null(row) {
            return "";
        }
        let bytes = self.bytes(row);
        // SAFETY: `check_offsets` verified at parse time that every non-null value of a
        // Utf8 column is valid UTF-8, and the column's slices are immutable borrows.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    #[inline]
    fn check_row(&self, row: usize) {
        assert!(
            row < self.len,
            "row {} out of range for a column of {} rows",
            row,
            self.len
        );
    }

    #[inline]
    fn expect(&self, kind: Kind, accessor: &str, row: usize) {
        assert!(
            self.kind == kind,
            "Column::{} called on a {:?} column",
            accessor,
            self.kind
        );
        self.check_row(row);
    }

    #[inline]
    fn fixed<const N: usize>(&self, kind: Kind, accessor: &str, row: usize) -> [u8; N] {
        self.expect(kind, accessor, row);
        let mut a = [0u8; N];
        a.copy_from_slice(&self.values[row * N..row * N + N]);
        a
    }
}
