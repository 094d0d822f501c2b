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
    /// Time of day in microseconds since midnight (Arrow `time64[us]`). Arrow specifies
    /// `0..86_400_000_000`; values are not checked against that range.
    Time64Microsecond,
    /// A calendar interval (Arrow `interval[month_day_nano]`): months, days and
    /// nanoseconds, each signed and independent of the others.
    IntervalMonthDayNano,
    /// Values of exactly this many bytes each (Arrow `fixed_size_binary[w]`), such as a
    /// 16-byte UUID. The width must be at least 1 (Apache.Arrow C# rejects 0).
    FixedSizeBinary(i32),
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
    Time64,
    IntervalMonthDayNano,
    FixedSizeBinary,
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
            DataType::Time64Microsecond => Kind::Time64,
            DataType::IntervalMonthDayNano => Kind::IntervalMonthDayNano,
            DataType::FixedSizeBinary(_) => Kind::FixedSizeBinary,
        }
    }

    /// The buffer layout; only meaningful for a type that passed [`Field::validate`] (a
    /// negative fixed-size binary width, which it rejects, counts as 0 here).
    pub(crate) fn layout(&self) -> Layout {
        match self {
            DataType::Boolean => Layout::Bits,
            DataType::Int16 => Layout::Fixed(2),
            DataType::Int32 | DataType::Float32 | DataType::Date32 => Layout::Fixed(4),
            DataType::Int64
            | DataType::Float64
            | DataType::Timestamp { .. }
            | DataType::Time64Microsecond => Layout::Fixed(8),
            DataType::Decimal128 { .. } | DataType::IntervalMonthDayNano => Layout::Fixed(16),
            DataType::FixedSizeBinary(width) => Layout::Fixed((*width).max(0) as usize),
            DataType::Utf8 | DataType::Binary => Layout::Var,
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
    /// Arrow's field-level `custom_metadata`: key/value pairs in order, e.g.
    /// `rapidbyte.native_type` or the `ARROW:extension:name`/`ARROW:extension:metadata`
    /// pair of an extension type (a reader keeps those as plain metadata on the storage
    /// type). Keys must be unique: Apache.Arrow C# loads them into a dictionary, keeping
    /// only the last value of a repeated key, so writer and reader reject a repeat.
    pub metadata: Vec<(String, String)>,
}

impl Field {
    /// A field without metadata.
    pub fn new(name: impl Into<String>, data_type: DataType, nullable: bool) -> Self {
        Field {
            name: name.into(),
            data_type,
            nullable,
            metadata: Vec::new(),
        }
    }

    /// Sets metadata `key` to `value`: replaces the value in place if the key is present,
    /// appends the pair otherwise.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Field {
        let key = key.into();
        let value = value.into();
        match self.metadata.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.metadata.push((key, value)),
        }
        self
    }

    /// The value of the first metadata entry with this key.
    pub fn metadata_value(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Checks the type parameters Arrow readers reject and the metadata they would lose;
    /// shared by writer and reader so both sides agree on what a valid schema is.
    pub(crate) fn validate(&self) -> Result<(), ArrowError> {
        if let DataType::Decimal128 { precision, .. } = self.data_type {
            if precision == 0 || precision > 38 {
                return Err(ArrowError::new(format!(
                    "column '{}': decimal128 precision {} is outside 1..=38",
                    self.name, precision
                )));
            }
        }
        if let DataType::FixedSizeBinary(width) = self.data_type {
            // Arrow C++ allows width 0, Apache.Arrow C# rejects it (and so the host would).
            if width < 1 {
                return Err(ArrowError::new(format!(
                    "column '{}': fixed-size binary width {} is not positive",
                    self.name, width
                )));
            }
        }
        let mut seen = std::collections::HashSet::with_capacity(self.metadata.len());
        for (key, _) in &self.metadata {
            if !seen.insert(key.as_str()) {
                return Err(ArrowError::new(format!(
                    "column '{}': metadata key '{}' appears more than once",
                    self.name, key
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
