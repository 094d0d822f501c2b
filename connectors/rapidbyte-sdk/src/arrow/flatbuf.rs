//! The slice of the FlatBuffers binary format Arrow metadata needs.
//!
//! Layout reminders: a buffer starts with a u32 offset to its root table. A table starts
//! with an i32 `soffset`; its vtable sits at `table - soffset` and holds u16s: vtable size,
//! table size, then per field id the field's offset inside the table (0 = absent, use the
//! default). Fields referring to tables, strings or vectors hold a u32 offset relative to
//! the field's own position, so the target always lies after the field. Vectors and strings
//! are a u32 element count followed by the elements (strings also by a NUL).
//!
//! The writer works front to back (unlike the reference builders): it writes a table with
//! placeholder offsets, then the objects it points to, and patches the offsets. Every
//! scalar sits at a multiple of its size from the buffer start, because the C++ verifier
//! behind pyarrow checks that.

use super::ArrowError;

/// Most fields any table we write declares (Field uses ids 0..=6).
const MAX_SLOTS: usize = 8;

/// The value of one table field, given in field-id order.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot {
    /// Not written: readers use the schema default.
    Absent,
    Bool(bool),
    U8(u8),
    I16(i16),
    I32(i32),
    I64(i64),
    /// A u32 offset to an object written later; fill it with [`FbWriter::patch`].
    Offset,
}

impl Slot {
    fn size(self) -> usize {
        match self {
            Slot::Absent => 0,
            Slot::Bool(_) | Slot::U8(_) => 1,
            Slot::I16(_) => 2,
            Slot::I32(_) | Slot::Offset => 4,
            Slot::I64(_) => 8,
        }
    }
}

/// Where a written table and its fields ended up, for patching its offset fields.
pub(crate) struct TableRef {
    pub(crate) pos: usize,
    fields: [usize; MAX_SLOTS],
}

impl TableRef {
    /// Buffer position of field `id` (only meaningful for fields that were written).
    pub(crate) fn field(&self, id: usize) -> usize {
        self.fields[id]
    }
}

/// Appends one flatbuffer to `out`; positions are relative to where it starts.
pub(crate) struct FbWriter<'o> {
    out: &'o mut Vec<u8>,
    base: usize,
}

impl<'o> FbWriter<'o> {
    /// Starts a buffer at the end of `out`, which must be 8-aligned relative to whatever
    /// alignment the caller needs (the IPC stream start).
    pub(crate) fn new(out: &'o mut Vec<u8>) -> Self {
        let base = out.len();
        out.extend_from_slice(&[0; 4]); // root offset, set by `set_root`
        FbWriter { out, base }
    }

    pub(crate) fn pos(&self) -> usize {
        self.out.len() - self.base
    }

    /// Pads with zeros until `pos() + ahead` is a multiple of `align`.
    pub(crate) fn align(&mut self, ahead: usize, align: usize) {
        let misalign = (self.pos() + ahead) % align;
        if misalign != 0 {
            let len = self.out.len() + align - misalign;
            self.out.resize(len, 0);
        }
    }

    fn put(&mut self, at: usize, bytes: &[u8]) {
        let at = self.base + at;
        self.out[at..at + bytes.len()].copy_from_slice(bytes);
    }

    pub(crate) fn set_root(&mut self, table: usize) {
        self.patch(0, table);
    }

    /// Points the offset field at `at` to the object at `target`.
    pub(crate) fn patch(&mut self, at: usize, target: usize) {
        debug_assert!(target > at, "flatbuffer offsets must point forward");
        self.put(at, &((target - at) as u32).to_le_bytes());
    }

    /// Writes a vtable and then the table it describes; returns the table's position.
    pub(crate) fn table(&mut self, slots: &[Slot]) -> TableRef {
        assert!(
            slots.len() <= MAX_SLOTS,
            "table with more than {} fields",
            MAX_SLOTS
        );
        // Place fields widest first so each lands aligned; the table itself starts 8-aligned.
        let mut offsets = [0usize; MAX_SLOTS];
        let mut size = 4; // the soffset
        for &width in &[8, 4, 2, 1] {
            for (id, slot) in slots.iter().enumerate() {
                if slot.size() == width {
                    size = (size + width - 1) / width * width;
                    offsets[id] = size;
                    size += width;
                }
            }
        }

        self.align(0, 2);
        let vtable = self.pos();
        self.out
            .extend_from_slice(&((4 + 2 * slots.len()) as u16).to_le_bytes());
        self.out.extend_from_slice(&(size as u16).to_le_bytes());
        for (id, slot) in slots.iter().enumerate() {
            let off = if slot.size() == 0 {
                0
            } else {
                offsets[id] as u16
            };
            self.out.extend_from_slice(&off.to_le_bytes());
        }

        self.align(0, 8);
        let pos = self.pos();
        self.out.resize(self.base + pos + size, 0);
        self.put(pos, &((pos - vtable) as i32).to_le_bytes());
        let mut fields = [0usize; MAX_SLOTS];
        for (id, slot) in slots.iter().enumerate() {
            fields[id] = pos + offsets[id];
            match *slot {
                Slot::Absent | Slot::Offset => {}
                Slot::Bool(v) => self.put(fields[id], &[v as u8]),
                Slot::U8(v) => self.put(fields[id], &[v]),
                Slot::I16(v) => self.put(fields[id], &v.to_le_bytes()),
                Slot::I32(v) => self.put(fields[id], &v.to_le_bytes()),
                Slot::I64(v) => self.put(fields[id], &v.to_le_bytes()),
            }
        }
        TableRef { pos, fields }
    }

    pub(crate) fn string(&mut self, s: &str) -> usize {
        self.align(0, 4);
        let pos = self.pos();
        self.out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.out.extend_from_slice(s.as_bytes());
        self.out.push(0);
        pos
    }

    /// Starts a vector of `count` offsets (to tables); returns its position. Element `i`
    /// is the offset field at `pos + 4 + 4 * i`, to be patched.
    pub(crate) fn offset_vector(&mut self, count: usize) -> usize {
        self.align(0, 4);
        let pos = self.pos();
        self.out.extend_from_slice(&(count as u32).to_le_bytes());
        let len = self.out.len() + 4 * count;
        self.out.resize(len, 0);
        pos
    }

    /// Starts a vector of `count` structs made of i64s; the caller then pushes exactly
    /// the structs' i64 fields with [`FbWriter::push_i64`].
    pub(crate) fn i64_struct_vector(&mut self, count: usize) -> usize {
        self.align(4, 8); // the elements, after the u32 count, must be 8-aligned
        let pos = self.pos();
        self.out.extend_from_slice(&(count as u32).to_le_bytes());
        pos
    }

    pub(crate) fn push_i64(&mut self, v: i64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
}

fn corrupt(what: impl std::fmt::Display) -> ArrowError {
    ArrowError::new(format!("corrupt metadata: {}", what))
}

fn read<const N: usize>(buf: &[u8], at: usize) -> Result<[u8; N], ArrowError> {
    let end = at.checked_add(N).filter(|&end| end <= buf.len());
    match end {
        Some(end) => {
            let mut a = [0u8; N];
            a.copy_from_slice(&buf[at..end]);
            Ok(a)
        }
        None => Err(corrupt(format_args!(
            "{}-byte read at byte {} is outside the {}-byte flatbuffer",
            N,
            at,
            buf.len()
        ))),
    }
}

/// Follows the u32 offset stored at `at`.
fn deref(buf: &[u8], at: usize) -> Result<usize, ArrowError> {
    let rel = u32::from_le_bytes(read(buf, at)?) as usize;
    match at.checked_add(rel).filter(|&t| rel > 0 && t < buf.len()) {
        Some(target) => Ok(target),
        None => Err(corrupt(format_args!(
            "offset {} at byte {} points outside the {}-byte flatbuffer",
            rel,
            at,
            buf.len()
        ))),
    }
}

/// A bounds-checked view of one table. Every accessor checks what it reads lies inside
/// the buffer, so corrupt metadata yields an error, never a panic.
#[derive(Clone, Copy)]
pub(crate) struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
    table_len: usize,
}

impl<'a> Table<'a> {
    pub(crate) fn root(buf: &'a [u8]) -> Result<Self, ArrowError> {
        Table::at(buf, deref(buf, 0)?)
    }

    fn at(buf: &'a [u8], pos: usize) -> Result<Self, ArrowError> {
        let soffset = i32::from_le_bytes(read(buf, pos)?) as i64;
        let vtable = pos as i64 - soffset;
        if vtable < 0 || vtable as usize >= buf.len() {
            return Err(corrupt(format_args!(
                "table at byte {} has its vtable out of range",
                pos
            )));
        }
        let vtable = vtable as usize;
        let vtable_len = u16::from_le_bytes(read(buf, vtable)?) as usize;
        let table_len = u16::from_le_bytes(read(buf, vtable + 2)?) as usize;
        if vtable_len < 4 || vtable_len % 2 != 0 || vtable + vtable_len > buf.len() {
            return Err(corrupt(format_args!(
                "vtable at byte {} has bad size {}",
                vtable, vtable_len
            )));
        }
        if table_len < 4 || pos + table_len > buf.len() {
            return Err(corrupt(format_args!(
                "table at byte {} has bad size {}",
                pos, table_len
            )));
        }
        Ok(Table {
            buf,
            pos,
            vtable,
            vtable_len,
            table_len,
        })
    }

    /// Position of field `id` if present, checked to hold `width` bytes inside the table.
    fn field(&self, id: usize, width: usize) -> Result<Option<usize>, ArrowError> {
        let slot = 4 + 2 * id;
        if slot + 2 > self.vtable_len {
            return Ok(None);
        }
        let off = u16::from_le_bytes(read(self.buf, self.vtable + slot)?) as usize;
        if off == 0 {
            return Ok(None);
        }
        if off < 4 || off + width > self.table_len {
            return Err(corrupt(format_args!(
                "field {} of the table at byte {} lies outside the table",
                id, self.pos
            )));
        }
        Ok(Some(self.pos + off))
    }

    /// Buffer position of field `id` if present, for tests that patch metadata in place.
    #[cfg(test)]
    pub(crate) fn field_pos(&self, id: usize) -> Option<usize> {
        self.field(id, 1).ok().flatten()
    }

    pub(crate) fn has(&self, id: usize) -> Result<bool, ArrowError> {
        Ok(self.field(id, 1)?.is_some())
    }

    pub(crate) fn u8(&self, id: usize, default: u8) -> Result<u8, ArrowError> {
        match self.field(id, 1)? {
            Some(at) => Ok(self.buf[at]),
            None => Ok(default),
        }
    }

    pub(crate) fn bool(&self, id: usize, default: bool) -> Result<bool, ArrowError> {
        Ok(self.u8(id, default as u8)? != 0)
    }

    pub(crate) fn i16(&self, id: usize, default: i16) -> Result<i16, ArrowError> {
        match self.field(id, 2)? {
            Some(at) => Ok(i16::from_le_bytes(read(self.buf, at)?)),
            None => Ok(default),
        }
    }

    pub(crate) fn i32(&self, id: usize, default: i32) -> Result<i32, ArrowError> {
        match self.field(id, 4)? {
            Some(at) => Ok(i32::from_le_bytes(read(self.buf, at)?)),
            None => Ok(default),
        }
    }

    pub(crate) fn i64(&self, id: usize, default: i64) -> Result<i64, ArrowError> {
        match self.field(id, 8)? {
            Some(at) => Ok(i64::from_le_bytes(read(self.buf, at)?)),
            None => Ok(default),
        }
    }

    pub(crate) fn table(&self, id: usize) -> Result<Option<Table<'a>>, ArrowError> {
        match self.field(id, 4)? {
            Some(at) => Ok(Some(Table::at(self.buf, deref(self.buf, at)?)?)),
            None => Ok(None),
        }
    }

    /// A vector whose elements are `elem_size` bytes each, checked to fit in the buffer.
    pub(crate) fn vector(
        &self,
        id: usize,
        elem_size: usize,
    ) -> Result<Option<Vector<'a>>, ArrowError> {
        let at = match self.field(id, 4)? {
            Some(at) => deref(self.buf, at)?,
            None => return Ok(None),
        };
        let len = u32::from_le_bytes(read(self.buf, at)?) as usize;
        let start = at + 4;
        let fits = len
            .checked_mul(elem_size)
            .and_then(|n| n.checked_add(start))
            .map_or(false, |end| end <= self.buf.len());
        if !fits {
            return Err(corrupt(format_args!(
                "vector at byte {} claims {} elements, more than the flatbuffer holds",
                at, len
            )));
        }
        Ok(Some(Vector {
            buf: self.buf,
            start,
            len,
            elem_size,
        }))
    }

    pub(crate) fn string(&self, id: usize) -> Result<Option<&'a str>, ArrowError> {
        match self.vector(id, 1)? {
            Some(v) => {
                let bytes = &v.buf[v.start..v.start + v.len];
                std::str::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| corrupt(format_args!("string at byte {} is not UTF-8", v.start)))
            }
            None => Ok(None),
        }
    }
}

/// A bounds-checked vector: `len` elements of `elem_size` bytes, all inside the buffer.
#[derive(Clone, Copy)]
pub(crate) struct Vector<'a> {
    buf: &'a [u8],
    start: usize,
    len: usize,
    elem_size: usize,
}

impl<'a> Vector<'a> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Element `i` of a vector of tables.
    pub(crate) fn table(&self, i: usize) -> Result<Table<'a>, ArrowError> {
        let at = self.start + i * self.elem_size;
        Table::at(self.buf, deref(self.buf, at)?)
    }

    /// The `k`th i64 of struct `i` (for FieldNode and Buffer).
    pub(crate) fn struct_i64(&self, i: usize, k: usize) -> i64 {
        debug_assert!(i < self.len && 8 * (k + 1) <= self.elem_size);
        let at = self.start + i * self.elem_size + 8 * k;
        let mut a = [0u8; 8];
        a.copy_from_slice(&self.buf[at..at + 8]);
        i64::from_le_bytes(a)
    }
}
