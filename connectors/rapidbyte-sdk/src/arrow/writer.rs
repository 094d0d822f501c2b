//! Encapsulated IPC messages: `0xFFFFFFFF`, i32 metadata length, a `Message` flatbuffer
//! padded so the body starts 8-aligned, then the body (8-aligned, 8-padded buffers).
//! Every message length is a multiple of 8, so alignment relative to the stream start holds
//! wherever the stream begins in the output vector.

use super::flatbuf::{FbWriter, Slot};
use super::format::{
    field, key_value, message, record_batch, schema, types, CONTINUATION, METADATA_V5,
};
use super::schema::{DataType, Schema};

/// One column's contribution to a record batch: its FieldNode and its body buffers in
/// Arrow's order (validity, then values, or validity, offsets, data). A column without
/// nulls passes an empty validity buffer.
pub(crate) struct ColumnParts<'c> {
    pub(crate) len: usize,
    pub(crate) null_count: usize,
    buffers: [&'c [u8]; 3],
    buffer_count: usize,
}

impl<'c> ColumnParts<'c> {
    pub(crate) fn new(len: usize, null_count: usize, buffers: &[&'c [u8]]) -> Self {
        let mut b: [&'c [u8]; 3] = [&[]; 3];
        b[..buffers.len()].copy_from_slice(buffers);
        ColumnParts {
            len,
            null_count,
            buffers: b,
            buffer_count: buffers.len(),
        }
    }

    fn buffers(&self) -> &[&'c [u8]] {
        &self.buffers[..self.buffer_count]
    }
}

fn padded(len: usize) -> usize {
    (len + 7) & !7
}

fn body_len(columns: &[ColumnParts<'_>]) -> usize {
    columns
        .iter()
        .flat_map(|c| c.buffers().iter())
        .map(|b| padded(b.len()))
        .sum()
}

/// Writes the continuation marker, the Message metadata (with the header `write_header`
/// produces) and the padding; the caller appends a body of `body_len` bytes after it.
pub(crate) fn message(
    out: &mut Vec<u8>,
    header_type: u8,
    body_len: usize,
    write_header: impl FnOnce(&mut FbWriter<'_>) -> usize,
) {
    let start = out.len();
    out.extend_from_slice(&CONTINUATION);
    out.extend_from_slice(&[0; 4]); // metadata length, set below
    let mut fb = FbWriter::new(out);
    let msg = fb.table(&[
        Slot::I16(METADATA_V5),
        Slot::U8(header_type),
        Slot::Offset,
        Slot::I64(body_len as i64),
    ]);
    fb.set_root(msg.pos);
    let header = write_header(&mut fb);
    fb.patch(msg.field(message::HEADER), header);
    fb.align(0, 8);
    let meta_len = (out.len() - start - 8) as i32;
    out[start + 4..start + 8].copy_from_slice(&meta_len.to_le_bytes());
}

/// The Schema message (no body).
pub(crate) fn schema_message(s: &Schema, out: &mut Vec<u8>) {
    message(out, message::SCHEMA, 0, |fb| {
        let table = fb.table(&[Slot::I16(schema::LITTLE_ENDIAN), Slot::Offset]);
        let fields = fb.offset_vector(s.fields.len());
        fb.patch(table.field(schema::FIELDS), fields);
        for (i, f) in s.fields.iter().enumerate() {
            let (type_tag, type_slots) = type_table(&f.data_type);
            let field_slots = [
                Slot::Offset,
                Slot::Bool(f.nullable),
                Slot::U8(type_tag),
                Slot::Offset,
                Slot::Absent,
                // Arrow C++ before 4.0 rejects a Field without a children vector.
                Slot::Offset,
                Slot::Offset, // custom_metadata, only written when there is some
            ];
            let with_metadata = !f.metadata.is_empty();
            let ft = fb.table(&field_slots[..if with_metadata { 7 } else { 6 }]);
            fb.patch(fields + 4 + 4 * i, ft.pos);
            let name = fb.string(&f.name);
            fb.patch(ft.field(field::NAME), name);
            let tt = fb.table(&type_slots);
            fb.patch(ft.field(field::TYPE), tt.pos);
            if let DataType::Timestamp { timezone: Some(tz) } = &f.data_type {
                let tz = fb.string(tz);
                fb.patch(tt.field(types::TIMESTAMP_TIMEZONE), tz);
            }
            let children = fb.offset_vector(0);
            fb.patch(ft.field(field::CHILDREN), children);
            if with_metadata {
                let entries = fb.offset_vector(f.metadata.len());
                fb.patch(ft.field(field::CUSTOM_METADATA), entries);
                for (j, (key, value)) in f.metadata.iter().enumerate() {
                    let kv = fb.table(&[Slot::Offset, Slot::Offset]);
                    fb.patch(entries + 4 + 4 * j, kv.pos);
                    let key = fb.string(key);
                    fb.patch(kv.field(key_value::KEY), key);
                    let value = fb.string(value);
                    fb.patch(kv.field(key_value::VALUE), value);
                }
            }
        }
        table.pos
    });
}

/// The `Type` union tag of a data type and the fields of its type table. Every field is
/// written explicitly, defaults included, so no reader depends on default handling.
fn type_table(t: &DataType) -> (u8, Vec<Slot>) {
    match t {
        DataType::Boolean => (types::BOOL, vec![]),
        DataType::Int16 => (types::INT, vec![Slot::I32(16), Slot::Bool(true)]),
        DataType::Int32 => (types::INT, vec![Slot::I32(32), Slot::Bool(true)]),
        DataType::Int64 => (types::INT, vec![Slot::I32(64), Slot::Bool(true)]),
        DataType::Float32 => (
            types::FLOATING_POINT,
            vec![Slot::I16(types::PRECISION_SINGLE)],
        ),
        DataType::Float64 => (
            types::FLOATING_POINT,
            vec![Slot::I16(types::PRECISION_DOUBLE)],
        ),
        DataType::Utf8 => (types::UTF8, vec![]),
        DataType::Binary => (types::BINARY, vec![]),
        DataType::Date32 => (types::DATE, vec![Slot::I16(types::DATE_UNIT_DAY)]),
        DataType::Timestamp { timezone } => {
            let tz = if timezone.is_some() {
                Slot::Offset
            } else {
                Slot::Absent
            };
            (
                types::TIMESTAMP,
                vec![Slot::I16(types::TIME_UNIT_MICROSECOND), tz],
            )
        }
        DataType::Decimal128 { precision, scale } => (
            types::DECIMAL,
            vec![
                Slot::I32(*precision as i32),
                Slot::I32(*scale as i32),
                Slot::I32(128),
            ],
        ),
        DataType::Time64Microsecond => (
            types::TIME,
            vec![Slot::I16(types::TIME_UNIT_MICROSECOND), Slot::I32(64)],
        ),
        DataType::IntervalMonthDayNano => (
            types::INTERVAL,
            vec![Slot::I16(types::INTERVAL_UNIT_MONTH_DAY_NANO)],
        ),
        DataType::FixedSizeBinary(width) => (types::FIXED_SIZE_BINARY, vec![Slot::I32(*width)]),
    }
}

/// Zeros that pad a body buffer to a multiple of 8 bytes.
static PADDING: [u8; 8] = [0; 8];

/// The end-of-stream marker: a continuation with a zero metadata length.
pub(crate) const END_OF_STREAM: [u8; 8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

/// The RecordBatch message without its body, which [`body_pieces`] gives.
pub(crate) fn record_batch_head(rows: usize, columns: &[ColumnParts<'_>], out: &mut Vec<u8>) {
    let body_len = body_len(columns);
    let buffers: usize = columns.iter().map(|c| c.buffers().len()).sum();
    // The Message and RecordBatch tables (under 96 bytes) and 16 bytes per FieldNode and Buffer.
    out.reserve(96 + 16 * (columns.len() + buffers));
    message(out, message::RECORD_BATCH, body_len, |fb| {
        let table = fb.table(&[Slot::I64(rows as i64), Slot::Offset, Slot::Offset]);
        let nodes = fb.i64_struct_vector(columns.len());
        for c in columns {
            fb.push_i64(c.len as i64);
            fb.push_i64(c.null_count as i64);
        }
        fb.patch(table.field(record_batch::NODES), nodes);
        let buffer_list = fb.i64_struct_vector(buffers);
        let mut offset = 0;
        for b in columns.iter().flat_map(|c| c.buffers().iter()) {
            fb.push_i64(offset as i64);
            fb.push_i64(b.len() as i64);
            offset += padded(b.len());
        }
        fb.patch(table.field(record_batch::BUFFERS), buffer_list);
        table.pos
    });
}

/// A record batch's body as it follows its head: each buffer, then the zeros that pad it.
pub(crate) fn body_pieces<'c>(columns: &[ColumnParts<'c>], pieces: &mut Vec<&'c [u8]>) {
    for &b in columns.iter().flat_map(|c| c.buffers().iter()) {
        if !b.is_empty() {
            pieces.push(b);
        }
        let padding = padded(b.len()) - b.len();
        if padding > 0 {
            pieces.push(&PADDING[..padding]);
        }
    }
}
