//! Field ids and enum values of Arrow's `Message.fbs`/`Schema.fbs`, the only tables this
//! module reads or writes. A field id is the field's position in its table declaration; a
//! union takes two ids (its type tag, then its value).

/// First word of every encapsulated message; a zero length after it ends the stream.
pub(crate) const CONTINUATION: [u8; 4] = [0xFF; 4];

/// `MetadataVersion`: V4 = 3, V5 = 4. V5 only changed union layout, which we never use, so
/// V4 metadata is read too.
pub(crate) const METADATA_V4: i16 = 3;
pub(crate) const METADATA_V5: i16 = 4;

pub(crate) mod message {
    pub(crate) const VERSION: usize = 0;
    pub(crate) const HEADER_TYPE: usize = 1;
    pub(crate) const HEADER: usize = 2;
    pub(crate) const BODY_LENGTH: usize = 3;

    // `MessageHeader` union tags.
    pub(crate) const SCHEMA: u8 = 1;
    pub(crate) const RECORD_BATCH: u8 = 3;
}

pub(crate) mod schema {
    pub(crate) const ENDIANNESS: usize = 0;
    pub(crate) const FIELDS: usize = 1;
    pub(crate) const LITTLE_ENDIAN: i16 = 0;
}

pub(crate) mod field {
    pub(crate) const NAME: usize = 0;
    pub(crate) const NULLABLE: usize = 1;
    pub(crate) const TYPE_TYPE: usize = 2;
    pub(crate) const TYPE: usize = 3;
    pub(crate) const DICTIONARY: usize = 4;
    pub(crate) const CHILDREN: usize = 5;
    pub(crate) const CUSTOM_METADATA: usize = 6;
}

/// `KeyValue { key: string; value: string }`, the elements of `custom_metadata`.
pub(crate) mod key_value {
    pub(crate) const KEY: usize = 0;
    pub(crate) const VALUE: usize = 1;
}

pub(crate) mod record_batch {
    pub(crate) const LENGTH: usize = 0;
    pub(crate) const NODES: usize = 1;
    pub(crate) const BUFFERS: usize = 2;
    pub(crate) const COMPRESSION: usize = 3;
    /// `FieldNode { length: long, null_count: long }` and `Buffer { offset: long,
    /// length: long }` are both 16-byte structs.
    pub(crate) const STRUCT_SIZE: usize = 16;
}

/// `Type` union tags and the fields of the type tables we use.
pub(crate) mod types {
    pub(crate) const INT: u8 = 2;
    pub(crate) const FLOATING_POINT: u8 = 3;
    pub(crate) const BINARY: u8 = 4;
    pub(crate) const UTF8: u8 = 5;
    pub(crate) const BOOL: u8 = 6;
    pub(crate) const DECIMAL: u8 = 7;
    pub(crate) const DATE: u8 = 8;
    pub(crate) const TIME: u8 = 9;
    pub(crate) const TIMESTAMP: u8 = 10;
    pub(crate) const INTERVAL: u8 = 11;
    pub(crate) const FIXED_SIZE_BINARY: u8 = 15;

    // Int { bitWidth: int; is_signed: bool }
    pub(crate) const INT_BIT_WIDTH: usize = 0;
    pub(crate) const INT_IS_SIGNED: usize = 1;
    // FloatingPoint { precision: Precision (HALF, SINGLE, DOUBLE) }
    pub(crate) const FLOAT_PRECISION: usize = 0;
    pub(crate) const PRECISION_SINGLE: i16 = 1;
    pub(crate) const PRECISION_DOUBLE: i16 = 2;
    // Decimal { precision: int; scale: int; bitWidth: int = 128 }
    pub(crate) const DECIMAL_PRECISION: usize = 0;
    pub(crate) const DECIMAL_SCALE: usize = 1;
    pub(crate) const DECIMAL_BIT_WIDTH: usize = 2;
    // Date { unit: DateUnit = MILLISECOND }: DAY = 0, MILLISECOND = 1
    pub(crate) const DATE_UNIT: usize = 0;
    pub(crate) const DATE_UNIT_DAY: i16 = 0;
    pub(crate) const DATE_UNIT_DEFAULT: i16 = 1;
    // Timestamp { unit: TimeUnit (SECOND, MILLISECOND, MICROSECOND, NANOSECOND); timezone: string }
    pub(crate) const TIMESTAMP_UNIT: usize = 0;
    pub(crate) const TIMESTAMP_TIMEZONE: usize = 1;
    pub(crate) const TIME_UNIT_MICROSECOND: i16 = 2;
    pub(crate) const TIME_UNIT_NAMES: [&str; 4] =
        ["seconds", "milliseconds", "microseconds", "nanoseconds"];
    // Time { unit: TimeUnit = MILLISECOND; bitWidth: int = 32 }
    pub(crate) const TIME_UNIT: usize = 0;
    pub(crate) const TIME_BIT_WIDTH: usize = 1;
    pub(crate) const TIME_UNIT_DEFAULT: i16 = 1;
    pub(crate) const TIME_BIT_WIDTH_DEFAULT: i32 = 32;
    // Interval { unit: IntervalUnit }: YEAR_MONTH = 0 (the default), DAY_TIME = 1,
    // MONTH_DAY_NANO = 2
    pub(crate) const INTERVAL_UNIT: usize = 0;
    pub(crate) const INTERVAL_UNIT_MONTH_DAY_NANO: i16 = 2;
    pub(crate) const INTERVAL_UNIT_NAMES: [&str; 3] = ["year_month", "day_time", "month_day_nano"];
    // FixedSizeBinary { byteWidth: int }
    pub(crate) const FIXED_SIZE_BINARY_WIDTH: usize = 0;
}

/// Names of the `Type` union tags, for telling a user which type arrived unsupported.
pub(crate) const TYPE_NAMES: [&str; 27] = [
    "NONE",
    "Null",
    "Int",
    "FloatingPoint",
    "Binary",
    "Utf8",
    "Bool",
    "Decimal",
    "Date",
    "Time",
    "Timestamp",
    "Interval",
    "List",
    "Struct",
    "Union",
    "FixedSizeBinary",
    "FixedSizeList",
    "Map",
    "Duration",
    "LargeBinary",
    "LargeUtf8",
    "LargeList",
    "RunEndEncoded",
    "BinaryView",
    "Utf8View",
    "ListView",
    "LargeListView",
];
