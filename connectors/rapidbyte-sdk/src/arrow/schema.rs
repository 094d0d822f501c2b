//! Logical schema of a batch: the column types connectors exchange.

use super::ArrowError;

/// A column type. Only the types in wit/LOWERING.md ("Arrow batches") exist; anything else
/// a reader meets is rejected as unsupported.
#[derive(Debug, Clone, PartialEq)]
pub enum DataType {
    Boolean,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    /// UTF-8 text with 32-bit offsets (at most 2 GiB of text per column per batch).
    Utf8,
    /// Opaque bytes with 32-bit offsets (at most 2 GiB per column per batch).
    Binary,
    /// Days since 1970-01-01.
    Date32,
    /// Microseconds since 1970-01-01T00:00:00. `None` is a time-zone-naive timestamp (shown
    /// as is); `Some("UTC")` or another IANA name/`+HH:MM` offset makes it an instant. Arrow
    /// treats an empty time zone as naive, so a reader returns `Some("")` as `None`.
    Timestamp {
        timezone: Option<String>,
    },
    /// 128-bit two's complement unscaled value; the number is `value / 10^scale`.
    /// `precision` must be 1..=38. Values are not checked against the precision.
    Decimal128 {
        precision: u8,
        scale: i8,
    },
}

/// A type without its parameters, cheap to copy and compare on the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Boolean,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Utf8,
    Binary,
    Date32,
    Timestamp,
    Decimal128,
}

/// How a column's values are laid out in the body after its validity bitmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// One bit per value.
    Bits,
    /// One little-endian value of this many bytes per row.
    Fixed(usize),
    /// `rows + 1` little-endian i32 offsets, then the concatenated values.
    Var,
}

impl DataType {
    pub(crate) fn kind(&self) -> Kind {
        match self {
            DataType::Boolean => Kind::Boolean,
            DataType::Int16 => Kind::Int16,
            DataType::Int32 => Kind::Int32,
            DataType::Int64 => Kind::Int64,
            DataType::Float32 => Kind::Float32,
            DataType::Float64 => Kind::Float64,
            DataType::Utf8 => Kind::Utf8,
            DataType::Binary => Kind::Binary,
            DataType::Date32 => Kind::Date32,
            DataType::Timestamp { .. } => Kind::Timestamp,
            DataType::Decimal128 { .. } => Kind::Decimal128,
        }
    }
}

impl Kind {
    pub(crate) fn layout(self) -> Layout {
        match self {
            Kind::Boolean => Layout::Bits,
            Kind::Int16 => Layout::Fixed(2),
            Kind::Int32 | Kind::Float32 | Kind::Date32 => Layout::Fixed(4),
            Kind::Int64 | Kind::Float64 | Kind::Timestamp => Layout::Fixed(8),
            Kind::Decimal128 => Layout::Fixed(16),
            Kind::Utf8 | Kind::Binary => Layout::Var,
        }
    }
}

/// A named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub data_type: DataType,
    /// Whether the column may hold nulls; appending a null to a non-nullable column is an
    /// error, and a reader rejects a batch whose non-nullable column has nulls.
    pub nullable: bool,
}

impl Field {
    pub fn new(name: impl Into<String>, data_type: DataType, nullable: bool) -> Self {
        Field {
            name: name.into(),
            data_type,
            nullable,
        }
    }

    /// Checks the type parameters Arrow readers reject; shared by writer and reader so both
    /// sides agree on what a valid schema is.
    pub(crate) fn validate(&self) -> Result<(), ArrowError> {
        if let DataType::Decimal128 { precision, .. } = self.data_type {
            if precision == 0 || precision > 38 {
                return Err(ArrowError::new(format!(
                    "column '{}': decimal128 precision {} is outside 1..=38",
                    self.name, precision
                )));
            }
        }
        Ok(())
    }
}

/// The columns of a batch, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub fields: Vec<Field>,
}

impl Schema {
    pub fn new(fields: Vec<Field>) -> Self {
        Schema { fields }
    }

    /// Index of the first column with this name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}
