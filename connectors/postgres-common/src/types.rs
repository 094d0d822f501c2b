//! The PostgreSQL <-> Arrow type mapping, in one place (the table is in the crate docs).
//!
//! Source side: [`map_type`] turns a column's catalog entry ([`PgType`], read by
//! [`crate::catalog`]) into its Arrow type, how to read it ([`ReadAs`]) and the field
//! metadata. Destination side: [`pg_type_for_field`] turns an Arrow field back into a
//! PostgreSQL column type; [`map_type`] on the destination table's own catalog entries
//! says which of its columns take binary COPY values, and in which format.

use rapidbyte_sdk::arrow::{DataType, Field};

/// Field metadata: PostgreSQL's `format_type` text for the column.
pub const NATIVE_TYPE_KEY: &str = "rapidbyte.native_type";
/// Field metadata of enums (and arrays of enums): JSON array of labels in sort order.
pub const ENUM_LABELS_KEY: &str = "rapidbyte.enum_labels";
/// Field metadata of a column of a user-defined composite or range type (or an array of
/// one): its definition as JSON, for a destination to create the type where it is
/// missing: `{"composite": [["attribute", "type"], ...]}` or `{"range": "subtype"}`.
pub const TYPE_DEFINITION_KEY: &str = "rapidbyte.type_definition";
/// Field metadata of a column declared with a domain (its values are the base type's, which
/// [`NATIVE_TYPE_KEY`] names), or with an array of a domain ([`NATIVE_TYPE_KEY`] then names
/// that array type): the domain and every domain under it, innermost first, as a
/// JSON array of `{"name", "base", "not_null", "default", "collation", "checks": [[name,
/// definition], ...]}` (`format_type` names; `default` the expression's text; `collation` a
/// quoted qualified name, only where it is not the base type's; `checks` as
/// `pg_get_constraintdef` gives them), for a destination to create the domains it lacks.
pub const DOMAINS_KEY: &str = "rapidbyte.domains";
/// Field metadata of a column whose values travel in a native encoding instead of the Arrow
/// mapping (an Arrow `binary` column): the encoding's name, [`POSTGRESQL_BINARY`].
pub const NATIVE_ENCODING_KEY: &str = "rapidbyte.native_encoding";
/// The native encoding of the PostgreSQL connectors: each value exactly as binary `COPY`
/// sends and takes it (the type's send/recv form), without its length word.
pub const POSTGRESQL_BINARY: &str = "postgresql-binary";
/// The PostgreSQL connectors' whole-row native encoding: a batch of one Arrow `binary`
/// column, [`ROWS_FIELD`], whose every value is one row exactly as binary `COPY` sends and
/// takes it (the `i16` field count, then per field an `i32` length, `-1` for NULL, and the
/// value in [`POSTGRESQL_BINARY`]). The row's columns are described in the field's
/// [`ROW_COLUMNS_KEY`] metadata, each as the column's own field would be in
/// [`POSTGRESQL_BINARY`]. Neither side touches a value: the source appends each row once,
/// the destination writes it once. Used when every column travels in
/// [`POSTGRESQL_BINARY`] and no value names a type by an OID the other database may not
/// share ([`PgType::travels_in_rows`]); a connector that takes it takes
/// [`POSTGRESQL_BINARY`] too.
pub const POSTGRESQL_BINARY_ROWS: &str = "postgresql-binary-rows";
/// The name of the one column of a [`POSTGRESQL_BINARY_ROWS`] batch.
pub const ROWS_FIELD: &str = "rapidbyte.row";
/// Field metadata of [`ROWS_FIELD`]: the row's columns as a JSON array of
/// `{"name", "nullable", "metadata": [[key, value], ...]}` (each an Arrow `binary` field).
pub const ROW_COLUMNS_KEY: &str = "rapidbyte.row_columns";
/// The first OID PostgreSQL gives to objects created after `initdb`: below it, a type is
/// built in and has the same OID in every database of every version.
pub const FIRST_NORMAL_OID: u32 = 16384;
/// Arrow's extension-type metadata keys.
pub const EXTENSION_NAME_KEY: &str = "ARROW:extension:name";
pub const EXTENSION_METADATA_KEY: &str = "ARROW:extension:metadata";
/// The canonical extension name of a UUID (FixedSizeBinary(16)).
pub const UUID_EXTENSION: &str = "arrow.uuid";

/// Built-in type OIDs (stable across PostgreSQL versions: `pg_type.dat`).
pub mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const JSON: u32 = 114;
    pub const CIDR: u32 = 650;
    pub const INET: u32 = 869;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const TIMETZ: u32 = 1266;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

/// A column's type as the catalog describes it. For a domain, everything here is about
/// its base type (a domain's values are its base type's on the wire).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgType {
    pub oid: u32,
    /// `atttypmod` (for a domain: the domain's `typtypmod`); -1 when none.
    pub typmod: i32,
    /// `pg_type.typtype`: `b` base, `e` enum, `c` composite, `r` range, `m` multirange,
    /// `p` pseudo.
    pub typtype: char,
    /// `format_type(oid, typmod)`, e.g. `numeric(12,2)`, `character varying(20)`,
    /// `timestamp(3) with time zone`, `integer[]`, `mood`.
    pub format_type: String,
    /// For an array type: its element type.
    pub element: Option<PgElement>,
    /// For an enum, or an array of an enum: the labels in sort order.
    pub enum_labels: Option<Vec<String>>,
    /// For a user-defined composite or range type, or an array of one: its definition
    /// (JSON, see [`TYPE_DEFINITION_KEY`]).
    pub definition: Option<String>,
    /// For a column of a domain or of an array of one: the domains' definitions (JSON, see
    /// [`DOMAINS_KEY`]).
    pub domains: Option<String>,
    /// Whether the type (and an array's element type) has binary send and receive
    /// functions, so binary COPY can carry it.
    pub binary_io: bool,
}

/// The element type of an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgElement {
    pub oid: u32,
    pub typtype: char,
}

impl PgType {
    /// A built-in type without modifier; mostly for tests.
    pub fn builtin(oid: u32, format_type: &str) -> Self {
        PgType {
            oid,
            typmod: -1,
            typtype: 'b',
            format_type: format_type.to_string(),
            element: None,
            enum_labels: None,
            definition: None,
            domains: None,
            binary_io: true,
        }
    }

    /// Whether values of this type can travel from one PostgreSQL database to another in
    /// [`POSTGRESQL_BINARY`], untouched: every type with binary send and receive functions
    /// but pseudo-types (`record`) and arrays of them. The binary forms of arrays and
    /// composites name their element and field types by OID, which differ between databases
    /// for user-defined types: the destination sets an array's element OID to its own, and
    /// PostgreSQL 14 and later ignore a user-defined type's OID inside a composite (older
    /// destinations refuse such columns by name). The destination must have the type.
    pub fn travels_native(&self) -> bool {
        if !self.binary_io {
            return false;
        }
        match (self.typtype, self.element) {
            (_, Some(element)) => element.typtype != 'p',
            (typtype, None) => typtype != 'p',
        }
    }

    /// Whether values of this type can travel in whole rows ([`POSTGRESQL_BINARY_ROWS`]):
    /// they travel natively, and their binary form names no type by an OID that may differ
    /// in another database (an array's element type is built in; not a composite, whose
    /// values name their attributes' types).
    pub fn travels_in_rows(&self) -> bool {
        if !self.travels_native() {
            return false;
        }
        match self.element {
            Some(element) => element.oid < FIRST_NORMAL_OID && element.typtype != 'c',
            None => self.typtype != 'c',
        }
    }

    /// `numeric(p,s)`'s precision and scale, or `None` when unconstrained.
    pub fn numeric_precision_scale(&self) -> Option<(i32, i32)> {
        if self.oid != oid::NUMERIC || self.typmod < 4 {
            return None;
        }
        let t = self.typmod - 4;
        // PostgreSQL 15 packs the scale as 11-bit two's complement (it may be negative).
        let scale = ((t & 0x7ff) ^ 1024) - 1024;
        Some(((t >> 16) & 0xffff, scale))
    }
}

/// How a column is read from PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAs {
    /// Its binary COPY value, in this format.
    Binary(BinaryFormat),
    /// `<column>::text` in the SELECT; its binary COPY value is then the UTF-8 text.
    Text,
}

/// The binary wire formats the mapping reads (see [`crate::wire`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryFormat {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    /// Binary numeric, as decimal128(precision, scale).
    Numeric {
        precision: u8,
        scale: u8,
    },
    /// UTF-8 bytes as they are (text, varchar, bpchar, name; and any `::text` column).
    Text,
    /// One byte, see [`crate::wire::char_to_text`].
    Char,
    Bytea,
    /// i32 days since 2000-01-01.
    Date,
    /// i64 µs since midnight.
    Time,
    /// i64 µs since 2000-01-01 (timestamp and timestamptz alike).
    Timestamp,
    /// i64 µs, i32 days, i32 months.
    Interval,
    /// 16 bytes.
    Uuid,
    /// The value's bytes as they are ([`POSTGRESQL_BINARY`]), into an Arrow `binary` column.
    Native,
}

/// What a column becomes in Arrow.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeMapping {
    pub data_type: DataType,
    pub read_as: ReadAs,
    /// Field metadata: always `rapidbyte.native_type`; uuid's extension keys; enum labels.
    pub metadata: Vec<(String, String)>,
    /// False for a type outside the mapping table, read as text: warn, or with
    /// `strict_types` refuse.
    pub recognized: bool,
}

impl TypeMapping {
    /// The Arrow field for a column of this type.
    pub fn field(&self, name: &str, nullable: bool) -> Field {
        let mut field = Field::new(name, self.data_type.clone(), nullable);
        for (key, value) in &self.metadata {
            field = field.with_metadata(key.clone(), value.clone());
        }
        field
    }
}

/// Whether values of this (element) type have a mapping of their own.
fn is_recognized_scalar(type_oid: u32, typtype: char) -> bool {
    use oid::*;
    typtype == 'e'
        || matches!(
            type_oid,
            BOOL | INT2
                | INT4
                | INT8
                | FLOAT4
                | FLOAT8
                | NUMERIC
                | TEXT
                | VARCHAR
                | BPCHAR
                | NAME
                | CHAR
                | BYTEA
                | DATE
                | TIME
                | TIMESTAMP
                | TIMESTAMPTZ
                | INTERVAL
                | UUID
                | JSON
                | JSONB
                | INET
                | CIDR
                | TIMETZ
        )
}

/// The mapping of one column type (the table in the crate docs).
pub fn map_type(t: &PgType) -> TypeMapping {
    use oid::*;
    let binary =
        |data_type: DataType, format: BinaryFormat| (data_type, ReadAs::Binary(format), true);
    let (data_type, read_as, recognized) = match t.oid {
        BOOL => binary(DataType::Boolean, BinaryFormat::Bool),
        INT2 => binary(DataType::Int16, BinaryFormat::Int2),
        INT4 => binary(DataType::Int32, BinaryFormat::Int4),
        INT8 => binary(DataType::Int64, BinaryFormat::Int8),
        FLOAT4 => binary(DataType::Float32, BinaryFormat::Float4),
        FLOAT8 => binary(DataType::Float64, BinaryFormat::Float8),
        NUMERIC => match t.numeric_precision_scale() {
            Some((p, s)) if (1..=38).contains(&p) && (0..=p).contains(&s) => binary(
                DataType::Decimal128 {
                    precision: p as u8,
                    scale: s as i8,
                },
                BinaryFormat::Numeric {
                    precision: p as u8,
                    scale: s as u8,
                },
            ),
            _ => (DataType::Utf8, ReadAs::Text, true),
        },
        TEXT | VARCHAR | BPCHAR | NAME => binary(DataType::Utf8, BinaryFormat::Text),
        CHAR => binary(DataType::Utf8, BinaryFormat::Char),
        BYTEA => binary(DataType::Binary, BinaryFormat::Bytea),
        DATE => binary(DataType::Date32, BinaryFormat::Date),
        TIME => binary(DataType::Time64Microsecond, BinaryFormat::Time),
        TIMESTAMP => binary(
            DataType::Timestamp { timezone: None },
            BinaryFormat::Timestamp,
        ),
        TIMESTAMPTZ => binary(
            DataType::Timestamp {
                timezone: Some("UTC".to_string()),
            },
            BinaryFormat::Timestamp,
        ),
        INTERVAL => binary(DataType::IntervalMonthDayNano, BinaryFormat::Interval),
        UUID => binary(DataType::FixedSizeBinary(16), BinaryFormat::Uuid),
        JSON | JSONB | INET | CIDR | TIMETZ => (DataType::Utf8, ReadAs::Text, true),
        _ => {
            let recognized = match t.element {
                Some(element) => is_recognized_scalar(element.oid, element.typtype),
                None => t.typtype == 'e',
            };
            (DataType::Utf8, ReadAs::Text, recognized)
        }
    };
    let mut metadata = vec![(NATIVE_TYPE_KEY.to_string(), t.format_type.clone())];
    if t.oid == UUID {
        metadata.push((EXTENSION_NAME_KEY.to_string(), UUID_EXTENSION.to_string()));
        metadata.push((EXTENSION_METADATA_KEY.to_string(), String::new()));
    }
    if let Some(labels) = &t.enum_labels {
        let is_enum = t.typtype == 'e' || t.element.map_or(false, |e| e.typtype == 'e');
        if is_enum {
            metadata.push((
                ENUM_LABELS_KEY.to_string(),
                serde_json::to_string(labels).expect("strings serialize"),
            ));
        }
    }
    if let Some(definition) = &t.definition {
        metadata.push((TYPE_DEFINITION_KEY.to_string(), definition.clone()));
    }
    if let Some(domains) = &t.domains {
        metadata.push((DOMAINS_KEY.to_string(), domains.clone()));
    }
    TypeMapping {
        data_type,
        read_as,
        metadata,
        recognized,
    }
}

/// What a column of type `t` becomes when it travels in [`POSTGRESQL_BINARY`] (only for
/// [`PgType::travels_native`] types): an Arrow `binary` column of the values' binary COPY
/// bytes, with `rapidbyte.native_type`, `rapidbyte.native_encoding` and (enums) the labels.
pub fn native_mapping(t: &PgType) -> TypeMapping {
    let mut mapping = map_type(t);
    mapping.data_type = DataType::Binary;
    mapping.read_as = ReadAs::Binary(BinaryFormat::Native);
    mapping.recognized = true;
    mapping
        .metadata
        .retain(|(key, _)| key != EXTENSION_NAME_KEY && key != EXTENSION_METADATA_KEY);
    mapping
        .metadata
        .push((NATIVE_ENCODING_KEY.to_string(), POSTGRESQL_BINARY.to_string()));
    mapping
}

/// The one field of a [`POSTGRESQL_BINARY_ROWS`] batch whose rows have these columns
/// (each a [`native_mapping`] field).
pub fn rows_field(columns: &[Field]) -> Field {
    let described: Vec<serde_json::Value> = columns
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name,
                "nullable": c.nullable,
                "metadata": c.metadata,
            })
        })
        .collect();
    Field::new(ROWS_FIELD, DataType::Binary, false)
        .with_metadata(NATIVE_ENCODING_KEY, POSTGRESQL_BINARY_ROWS)
        .with_metadata(
            ROW_COLUMNS_KEY,
            serde_json::Value::Array(described).to_string(),
        )
}

/// The columns of a [`POSTGRESQL_BINARY_ROWS`] field, as [`rows_field`] described them; an
/// error says what is malformed.
pub fn row_columns(field: &Field) -> Result<Vec<Field>, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Column {
        name: String,
        nullable: bool,
        metadata: Vec<(String, String)>,
    }
    if field.data_type != DataType::Binary {
        return Err(format!(
            "a {} column must be binary, and \"{}\" is {}",
            POSTGRESQL_BINARY_ROWS,
            field.name,
            arrow_type_name(&field.data_type)
        ));
    }
    let text = field.metadata_value(ROW_COLUMNS_KEY).ok_or_else(|| {
        format!(
            "the {} column \"{}\" has no {} metadata",
            POSTGRESQL_BINARY_ROWS, field.name, ROW_COLUMNS_KEY
        )
    })?;
    let columns: Vec<Column> = serde_json::from_str(text)
        .map_err(|e| format!("its {} metadata is malformed: {}", ROW_COLUMNS_KEY, e))?;
    if columns.is_empty() || columns.len() > i16::MAX as usize {
        return Err(format!(
            "its {} metadata describes {} columns",
            ROW_COLUMNS_KEY,
            columns.len()
        ));
    }
    Ok(columns
        .into_iter()
        .map(|c| Field {
            name: c.name,
            data_type: DataType::Binary,
            nullable: c.nullable,
            metadata: c.metadata,
        })
        .collect())
}

/// A readable name of an Arrow type, as in discover's `arrow_type`: `int64`,
/// `decimal128(12,2)`, `timestamp[us, tz=UTC]`, `utf8`, ...
pub fn arrow_type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Boolean => "bool".into(),
        DataType::Int16 => "int16".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::Float32 => "float32".into(),
        DataType::Float64 => "float64".into(),
        DataType::Utf8 => "utf8".into(),
        DataType::Binary => "binary".into(),
        DataType::Date32 => "date32".into(),
        DataType::Time64Microsecond => "time64[us]".into(),
        DataType::Timestamp { timezone: None } => "timestamp[us]".into(),
        DataType::Timestamp { timezone: Some(tz) } => format!("timestamp[us, tz={}]", tz),
        DataType::Decimal128 { precision, scale } => format!("decimal128({},{})", precision, scale),
        DataType::IntervalMonthDayNano => "interval[month_day_nano]".into(),
        DataType::FixedSizeBinary(width) => format!("fixed_size_binary[{}]", width),
        #[allow(unreachable_patterns)]
        other => format!("{:?}", other).to_lowercase(),
    }
}

/// Like [`arrow_type_name`], naming an extension type by its extension:
/// `extension<arrow.uuid>`.
pub fn field_type_name(field: &Field) -> String {
    match field.metadata_value(EXTENSION_NAME_KEY) {
        Some(name) if !name.is_empty() => format!("extension<{}>", name),
        _ => arrow_type_name(&field.data_type),
    }
}

/// The PostgreSQL column type for an Arrow field (for CREATE TABLE / ALTER TABLE ADD):
/// `rapidbyte.native_type` when the field has it, else from the Arrow type.
pub fn pg_type_for_field(field: &Field) -> String {
    if let Some(native) = field.metadata_value(NATIVE_TYPE_KEY) {
        if !native.trim().is_empty() {
            return native.to_string();
        }
    }
    match &field.data_type {
        DataType::Boolean => "boolean".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "integer".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Float32 => "real".into(),
        DataType::Float64 => "double precision".into(),
        DataType::Utf8 => "text".into(),
        DataType::Binary => "bytea".into(),
        DataType::Date32 => "date".into(),
        DataType::Time64Microsecond => "time without time zone".into(),
        DataType::Timestamp { timezone: None } => "timestamp without time zone".into(),
        DataType::Timestamp { timezone: Some(_) } => "timestamp with time zone".into(),
        DataType::Decimal128 { precision, scale }
            if *scale >= 0 && i32::from(*scale) <= i32::from(*precision) =>
        {
            format!("numeric({},{})", precision, scale)
        }
        DataType::Decimal128 { .. } => "numeric".into(),
        DataType::IntervalMonthDayNano => "interval".into(),
        DataType::FixedSizeBinary(16)
            if field.metadata_value(EXTENSION_NAME_KEY) == Some(UUID_EXTENSION) =>
        {
            "uuid".into()
        }
        DataType::FixedSizeBinary(_) => "bytea".into(),
        #[allow(unreachable_patterns)]
        _ => "text".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(p: i32, s: i32) -> PgType {
        PgType {
            typmod: ((p << 16) | (s & 0x7ff)) + 4,
            ..PgType::builtin(oid::NUMERIC, &format!("numeric({},{})", p, s))
        }
    }

    fn native(m: &TypeMapping) -> &str {
        &m.metadata
            .iter()
            .find(|(k, _)| k == NATIVE_TYPE_KEY)
            .unwrap()
            .1
    }

    #[test]
    fn scalars_map_to_their_arrow_types_read_binary() {
        let cases = [
            (oid::BOOL, "boolean", DataType::Boolean, BinaryFormat::Bool),
            (oid::INT2, "smallint", DataType::Int16, BinaryFormat::Int2),
            (oid::INT4, "integer", DataType::Int32, BinaryFormat::Int4),
            (oid::INT8, "bigint", DataType::Int64, BinaryFormat::Int8),
            (oid::FLOAT4, "real", DataType::Float32, BinaryFormat::Float4),
            (
                oid::FLOAT8,
                "double precision",
                DataType::Float64,
                BinaryFormat::Float8,
            ),
            (oid::TEXT, "text", DataType::Utf8, BinaryFormat::Text),
            (
                oid::VARCHAR,
                "character varying(20)",
                DataType::Utf8,
                BinaryFormat::Text,
            ),
            (
                oid::BPCHAR,
                "character(3)",
                DataType::Utf8,
                BinaryFormat::Text,
            ),
            (oid::NAME, "name", DataType::Utf8, BinaryFormat::Text),
            (oid::CHAR, "\"char\"", DataType::Utf8, BinaryFormat::Char),
            (oid::BYTEA, "bytea", DataType::Binary, BinaryFormat::Bytea),
            (oid::DATE, "date", DataType::Date32, BinaryFormat::Date),
            (
                oid::TIME,
                "time without time zone",
                DataType::Time64Microsecond,
                BinaryFormat::Time,
            ),
            (
                oid::TIMESTAMP,
                "timestamp without time zone",
                DataType::Timestamp { timezone: None },
                BinaryFormat::Timestamp,
            ),
            (
                oid::TIMESTAMPTZ,
                "timestamp(3) with time zone",
                DataType::Timestamp {
                    timezone: Some("UTC".into()),
                },
                BinaryFormat::Timestamp,
            ),
            (
                oid::INTERVAL,
                "interval",
                DataType::IntervalMonthDayNano,
                BinaryFormat::Interval,
            ),
            (
                oid::UUID,
                "uuid",
                DataType::FixedSizeBinary(16),
                BinaryFormat::Uuid,
            ),
        ];
        for (type_oid, text, data_type, format) in cases {
            let m = map_type(&PgType::builtin(type_oid, text));
            assert_eq!(m.data_type, data_type, "{}", text);
            assert_eq!(m.read_as, ReadAs::Binary(format), "{}", text);
            assert!(m.recognized);
            assert_eq!(native(&m), text);
        }
    }

    #[test]
    fn uuid_carries_the_arrow_extension() {
        let m = map_type(&PgType::builtin(oid::UUID, "uuid"));
        let field = m.field("id", false);
        assert_eq!(field.metadata_value(EXTENSION_NAME_KEY), Some("arrow.uuid"));
        assert_eq!(field.metadata_value(EXTENSION_METADATA_KEY), Some(""));
        assert_eq!(field.metadata_value(NATIVE_TYPE_KEY), Some("uuid"));
        assert_eq!(field_type_name(&field), "extension<arrow.uuid>");
        assert_eq!(
            pg_type_for_field(
                &Field::new("id", DataType::FixedSizeBinary(16), true)
                    .with_metadata(EXTENSION_NAME_KEY, UUID_EXTENSION)
            ),
            "uuid"
        );
    }

    #[test]
    fn numeric_is_decimal_only_when_it_fits() {
        let m = map_type(&numeric(12, 2));
        assert_eq!(
            m.data_type,
            DataType::Decimal128 {
                precision: 12,
                scale: 2
            }
        );
        assert_eq!(
            m.read_as,
            ReadAs::Binary(BinaryFormat::Numeric {
                precision: 12,
                scale: 2
            })
        );
        let m = map_type(&numeric(38, 38));
        assert_eq!(
            m.data_type,
            DataType::Decimal128 {
                precision: 38,
                scale: 38
            }
        );
        let m = map_type(&numeric(1, 0));
        assert_eq!(
            m.data_type,
            DataType::Decimal128 {
                precision: 1,
                scale: 0
            }
        );
        for (p, s) in [(39, 0), (1000, 10), (5, -2), (2, 5)] {
            let m = map_type(&numeric(p, s));
            assert_eq!(
                (m.data_type.clone(), m.read_as),
                (DataType::Utf8, ReadAs::Text),
                "({},{})",
                p,
                s
            );
            assert!(m.recognized);
        }
        let m = map_type(&PgType::builtin(oid::NUMERIC, "numeric"));
        assert_eq!((m.data_type, m.read_as), (DataType::Utf8, ReadAs::Text));
        assert_eq!(numeric(5, -2).numeric_precision_scale(), Some((5, -2)));
        assert_eq!(
            numeric(1000, 1000).numeric_precision_scale(),
            Some((1000, 1000))
        );
    }

    #[test]
    fn text_carried_types_are_recognized() {
        for (type_oid, text) in [
            (oid::JSON, "json"),
            (oid::JSONB, "jsonb"),
            (oid::INET, "inet"),
            (oid::CIDR, "cidr"),
            (oid::TIMETZ, "time with time zone"),
        ] {
            let m = map_type(&PgType::builtin(type_oid, text));
            assert_eq!(
                (m.data_type.clone(), m.read_as, m.recognized),
                (DataType::Utf8, ReadAs::Text, true)
            );
            assert_eq!(native(&m), text);
        }
    }

    #[test]
    fn enums_and_arrays_carry_labels_and_element_types() {
        let mood = PgType {
            oid: 90_001,
            typtype: 'e',
            enum_labels: Some(vec!["sad".into(), "ok".into(), "it's \"great\"".into()]),
            ..PgType::builtin(90_001, "mood")
        };
        let m = map_type(&mood);
        assert_eq!(
            (m.data_type.clone(), m.read_as, m.recognized),
            (DataType::Utf8, ReadAs::Text, true)
        );
        let field = m.field("feeling", true);
        assert_eq!(
            field.metadata_value(ENUM_LABELS_KEY),
            Some(r#"["sad","ok","it's \"great\""]"#)
        );
        assert_eq!(pg_type_for_field(&field), "mood");

        let moods = PgType {
            oid: 90_002,
            element: Some(PgElement {
                oid: 90_001,
                typtype: 'e',
            }),
            enum_labels: Some(vec!["sad".into()]),
            ..PgType::builtin(90_002, "mood[]")
        };
        let m = map_type(&moods);
        assert!(m.recognized);
        assert_eq!(
            m.field("f", true).metadata_value(ENUM_LABELS_KEY),
            Some(r#"["sad"]"#)
        );

        let ints = PgType {
            element: Some(PgElement {
                oid: oid::INT4,
                typtype: 'b',
            }),
            ..PgType::builtin(1007, "integer[]")
        };
        let m = map_type(&ints);
        assert_eq!(
            (m.data_type, m.read_as, m.recognized),
            (DataType::Utf8, ReadAs::Text, true)
        );
        assert_eq!(native(&map_type(&ints)), "integer[]");

        let points = PgType {
            element: Some(PgElement {
                oid: 600,
                typtype: 'b',
            }),
            ..PgType::builtin(1017, "point[]")
        };
        assert!(!map_type(&points).recognized);
    }

    #[test]
    fn other_types_are_text_and_unrecognized() {
        for (type_oid, typtype, text) in [
            (790, 'b', "money"),
            (600, 'b', "point"),
            (3904, 'r', "int4range"),
            (142, 'b', "xml"),
            (91_000, 'c', "address"),
        ] {
            let t = PgType {
                typtype,
                ..PgType::builtin(type_oid, text)
            };
            let m = map_type(&t);
            assert_eq!(
                (m.data_type.clone(), m.read_as, m.recognized),
                (DataType::Utf8, ReadAs::Text, false),
                "{}",
                text
            );
            assert_eq!(native(&m), text);
        }
    }

    #[test]
    fn arrow_type_names_are_readable() {
        assert_eq!(arrow_type_name(&DataType::Int64), "int64");
        assert_eq!(
            arrow_type_name(&DataType::Decimal128 {
                precision: 12,
                scale: 2
            }),
            "decimal128(12,2)"
        );
        assert_eq!(
            arrow_type_name(&DataType::Timestamp {
                timezone: Some("UTC".into())
            }),
            "timestamp[us, tz=UTC]"
        );
        assert_eq!(
            arrow_type_name(&DataType::Timestamp { timezone: None }),
            "timestamp[us]"
        );
        assert_eq!(arrow_type_name(&DataType::Utf8), "utf8");
        assert_eq!(arrow_type_name(&DataType::Time64Microsecond), "time64[us]");
        assert_eq!(
            arrow_type_name(&DataType::IntervalMonthDayNano),
            "interval[month_day_nano]"
        );
        assert_eq!(
            arrow_type_name(&DataType::FixedSizeBinary(16)),
            "fixed_size_binary[16]"
        );
    }

    #[test]
    fn fields_without_native_type_map_back_from_arrow() {
        let back = |t: DataType| pg_type_for_field(&Field::new("c", t, true));
        assert_eq!(back(DataType::Boolean), "boolean");
        assert_eq!(back(DataType::Int16), "smallint");
        assert_eq!(back(DataType::Int32), "integer");
        assert_eq!(back(DataType::Int64), "bigint");
        assert_eq!(back(DataType::Float32), "real");
        assert_eq!(back(DataType::Float64), "double precision");
        assert_eq!(back(DataType::Utf8), "text");
        assert_eq!(back(DataType::Binary), "bytea");
        assert_eq!(back(DataType::Date32), "date");
        assert_eq!(back(DataType::Time64Microsecond), "time without time zone");
        assert_eq!(
            back(DataType::Timestamp { timezone: None }),
            "timestamp without time zone"
        );
        assert_eq!(
            back(DataType::Timestamp {
                timezone: Some("Europe/Paris".into())
            }),
            "timestamp with time zone"
        );
        assert_eq!(
            back(DataType::Decimal128 {
                precision: 12,
                scale: 2
            }),
            "numeric(12,2)"
        );
        assert_eq!(
            back(DataType::Decimal128 {
                precision: 5,
                scale: -2
            }),
            "numeric"
        );
        assert_eq!(back(DataType::IntervalMonthDayNano), "interval");
        assert_eq!(back(DataType::FixedSizeBinary(16)), "bytea");
    }

    #[test]
    fn the_native_type_wins_when_present() {
        let field = map_type(&numeric(12, 2)).field("amount", false);
        assert_eq!(pg_type_for_field(&field), "numeric(12,2)");
        let field =
            map_type(&PgType::builtin(oid::VARCHAR, "character varying(20)")).field("name", true);
        assert_eq!(pg_type_for_field(&field), "character varying(20)");
        let big = PgType {
            typmod: (50 << 16) + 4,
            ..PgType::builtin(oid::NUMERIC, "numeric(50,0)")
        };
        assert_eq!(
            pg_type_for_field(&map_type(&big).field("n", true)),
            "numeric(50,0)"
        );
    }

    #[test]
    fn which_types_travel_native() {
        let element = |oid: u32, typtype: char| PgType {
            element: Some(PgElement { oid, typtype }),
            ..PgType::builtin(90_000, "x[]")
        };
        let kind = |oid: u32, typtype: char| PgType {
            typtype,
            ..PgType::builtin(oid, "x")
        };
        assert!(PgType::builtin(oid::NUMERIC, "numeric").travels_native());
        assert!(kind(3904, 'r').travels_native(), "int4range");
        assert!(kind(4451, 'm').travels_native(), "int4multirange");
        assert!(kind(70_001, 'e').travels_native(), "an enum: its label");
        assert!(kind(70_002, 'b').travels_native(), "an extension's base type");
        assert!(element(oid::INT4, 'b').travels_native());
        assert!(element(70_001, 'e').travels_native(), "the destination sets its element OID");
        assert!(element(3904, 'r').travels_native());
        assert!(kind(70_003, 'r').travels_native(), "a user-defined range");
        assert!(kind(70_004, 'c').travels_native(), "a composite: PostgreSQL 14+ takes its OIDs");
        assert!(element(70_004, 'c').travels_native());
        assert!(element(70_005, 'd').travels_native(), "an array of a domain");
        assert!(element(70_003, 'r').travels_native());
        assert!(!kind(2249, 'p').travels_native(), "record");
        assert!(!element(2249, 'p').travels_native(), "record[]");
        let no_binary = PgType {
            binary_io: false,
            ..PgType::builtin(1033, "aclitem")
        };
        assert!(!no_binary.travels_native());
    }

    #[test]
    fn the_native_mapping_is_binary_with_type_and_encoding() {
        let m = native_mapping(&PgType::builtin(oid::UUID, "uuid"));
        assert_eq!(m.data_type, DataType::Binary);
        assert_eq!(m.read_as, ReadAs::Binary(BinaryFormat::Native));
        let field = m.field("id", true);
        assert_eq!(field.metadata_value(NATIVE_TYPE_KEY), Some("uuid"));
        assert_eq!(field.metadata_value(NATIVE_ENCODING_KEY), Some(POSTGRESQL_BINARY));
        assert_eq!(field.metadata_value(EXTENSION_NAME_KEY), None);
        let mood = PgType {
            typtype: 'e',
            enum_labels: Some(vec!["sad".into(), "ok".into()]),
            ..PgType::builtin(70_001, "mood")
        };
        let field = native_mapping(&mood).field("m", true);
        assert_eq!(field.metadata_value(ENUM_LABELS_KEY), Some("[\"sad\",\"ok\"]"));
    }

    #[test]
    fn whole_rows_describe_their_columns_and_a_bad_description_is_named() {
        let columns = vec![
            native_mapping(&PgType::builtin(oid::INT8, "bigint")).field("id", false),
            native_mapping(&numeric(10, 2)).field("price \"€\"", true),
        ];
        let field = rows_field(&columns);
        assert_eq!(field.name, ROWS_FIELD);
        assert_eq!(field.data_type, DataType::Binary);
        assert!(!field.nullable);
        assert_eq!(field.metadata_value(NATIVE_ENCODING_KEY), Some(POSTGRESQL_BINARY_ROWS));
        assert_eq!(row_columns(&field).unwrap(), columns);

        let with = |text: &str| field.clone().with_metadata(ROW_COLUMNS_KEY, text);
        for (text, expected) in [
            ("[", "metadata is malformed"),
            ("[]", "describes 0 columns"),
            ("[{\"name\": \"a\", \"nullable\": true}]", "missing field `metadata`"),
            (
                "[{\"name\": \"a\", \"nullable\": true, \"metadata\": [], \"type\": 1}]",
                "unknown field `type`",
            ),
        ] {
            let error = row_columns(&with(text)).unwrap_err();
            assert!(error.contains(expected), "{}: {}", text, error);
        }
        let mut untyped = field.clone();
        untyped.metadata.retain(|(k, _)| k != ROW_COLUMNS_KEY);
        assert!(row_columns(&untyped).unwrap_err().contains("has no rapidbyte.row_columns"));
        let mut text = field;
        text.data_type = DataType::Utf8;
        assert!(row_columns(&text).unwrap_err().contains("must be binary"));
    }
}
