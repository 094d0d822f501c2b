//! From the stream's Arrow schema and the target table's catalog entry to a load plan:
//! which columns are compatible, which must be added, and how each column's values
//! travel (binary COPY straight into the column, or as text into a staging table and
//! cast there).

use crate::encode::Encoding;
use crate::native::{is_safe_type_name, parse_type_name};
use rapidbyte_postgres::types::{
    field_type_name, oid, pg_type_for_field, PgType, DOMAINS_KEY, ENUM_LABELS_KEY,
    NATIVE_ENCODING_KEY, NATIVE_TYPE_KEY, POSTGRESQL_BINARY, TYPE_DEFINITION_KEY,
};
use rapidbyte_postgres::{ConnectorError, PgRelation};
use rapidbyte_sdk::arrow::{DataType, Field, Schema};

/// How one incoming column reaches its table column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub encoding: Encoding,
    /// The value travels as text into a `text` column of a staging table and is cast to
    /// the column's type there (inet, cidr, arrays, timetz, `"char"`, other types whose
    /// binary form the Arrow value does not have).
    pub cast: bool,
    /// The staging table's column type when the value is cast from something other than
    /// text: a `postgresql-binary` value of a narrower type (an `integer` into a `bigint`
    /// column) staged as its own type and cast by PostgreSQL.
    pub stage_type: Option<String>,
}

impl Choice {
    fn direct(encoding: Encoding) -> Result<Choice, String> {
        Ok(Choice {
            encoding,
            cast: false,
            stage_type: None,
        })
    }
}

/// The stream's type as shown in messages: its native type when it has one, with the
/// Arrow type.
pub fn describe_incoming(field: &Field) -> String {
    match native_type(field) {
        Some(native) => format!("{} ({})", native, field_type_name(field)),
        None => field_type_name(field),
    }
}

/// The native encoding a field's values travel in (`rapidbyte.native_encoding`), if any.
pub fn native_encoding(field: &Field) -> Option<&str> {
    field.metadata_value(NATIVE_ENCODING_KEY)
}

pub fn native_type(field: &Field) -> Option<&str> {
    field
        .metadata_value(NATIVE_TYPE_KEY)
        .filter(|native| !native.trim().is_empty())
}

/// The enum labels a field carries, if any (malformed metadata counts as none).
pub fn enum_labels(field: &Field) -> Option<Vec<String>> {
    field
        .metadata_value(ENUM_LABELS_KEY)
        .and_then(|json| serde_json::from_str(json).ok())
}

/// A user-defined type a field's values belong to, as the source defined it, for the
/// destination to find here or create: an enum (`rapidbyte.enum_labels`), a composite or a
/// range (`rapidbyte.type_definition`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserType {
    Enum(Vec<String>),
    /// Attribute names and types, in order.
    Composite(Vec<(String, String)>),
    /// The subtype.
    Range(String),
}

impl UserType {
    /// `pg_type.typtype` of such a type.
    pub fn typtype(&self) -> char {
        match self {
            UserType::Enum(_) => 'e',
            UserType::Composite(_) => 'c',
            UserType::Range(_) => 'r',
        }
    }

    /// What PostgreSQL calls such a type, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            UserType::Enum(_) => "enum",
            UserType::Composite(_) => "composite",
            UserType::Range(_) => "range",
        }
    }
}

/// The user-defined type a field carries the definition of, if any (malformed metadata
/// counts as none).
pub fn user_type(field: &Field) -> Option<UserType> {
    if let Some(labels) = enum_labels(field) {
        return Some(UserType::Enum(labels));
    }
    let definition: serde_json::Value =
        serde_json::from_str(field.metadata_value(TYPE_DEFINITION_KEY)?).ok()?;
    if let Some(subtype) = definition.get("range") {
        return Some(UserType::Range(subtype.as_str()?.to_string()));
    }
    let attributes = definition.get("composite")?.as_array()?;
    let mut parsed = Vec::with_capacity(attributes.len());
    for attribute in attributes {
        match attribute.as_array()?.as_slice() {
            [name, ty] => parsed.push((name.as_str()?.to_string(), ty.as_str()?.to_string())),
            _ => return None,
        }
    }
    Some(UserType::Composite(parsed))
}

/// A domain a field's column was declared with at the source (`rapidbyte.domains`), for the
/// destination to find here or create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// `format_type`: qualified when its schema is not on the source's search path.
    pub name: String,
    /// The type it is over, as the source names it (for messages: the destination puts its
    /// own name of that type in its place).
    pub base: String,
    pub not_null: bool,
    /// The default's expression.
    pub default: Option<String>,
    /// A quoted qualified collation name, when it is not the base type's.
    pub collation: Option<String>,
    /// Name and `pg_get_constraintdef` of each check.
    pub checks: Vec<(String, String)>,
}

impl Domain {
    /// The checks added after `CREATE DOMAIN`, whose `NOT VALID` it cannot say.
    pub fn not_valid_checks(&self) -> impl Iterator<Item = &(String, String)> {
        self.checks.iter().filter(|(_, check)| is_not_valid(check))
    }

    /// The checks `CREATE DOMAIN` states.
    pub fn valid_checks(&self) -> impl Iterator<Item = &(String, String)> {
        self.checks.iter().filter(|(_, check)| !is_not_valid(check))
    }
}

fn is_not_valid(check: &str) -> bool {
    check.trim_end().ends_with(" NOT VALID")
}

/// The domains a field's column was declared with, innermost first; `None` for none (and
/// for malformed metadata, or a check that is not a `CHECK (...)`).
pub fn domains(field: &Field) -> Option<Vec<Domain>> {
    let list: Vec<serde_json::Value> =
        serde_json::from_str(field.metadata_value(DOMAINS_KEY)?).ok()?;
    let text = |v: &serde_json::Value, key: &str| -> Option<Option<String>> {
        match v.get(key) {
            None | Some(serde_json::Value::Null) => Some(None),
            Some(value) => Some(Some(value.as_str()?.to_string())),
        }
    };
    let mut parsed = Vec::with_capacity(list.len());
    for d in &list {
        let mut checks = Vec::new();
        if let Some(list) = d.get("checks").filter(|c| !c.is_null()) {
            for check in list.as_array()? {
                match check.as_array()?.as_slice() {
                    [name, definition] => {
                        let definition = definition.as_str()?;
                        if !definition.starts_with("CHECK (") {
                            return None;
                        }
                        checks.push((name.as_str()?.to_string(), definition.to_string()))
                    }
                    _ => return None,
                }
            }
        }
        parsed.push(Domain {
            name: text(d, "name")??,
            base: text(d, "base")??,
            not_null: d.get("not_null").and_then(|v| v.as_bool()).unwrap_or(false),
            default: text(d, "default")?,
            collation: text(d, "collation")?,
            checks,
        });
    }
    (!parsed.is_empty()).then_some(parsed)
}

/// For a column of an array of a domain (its native type names the outermost domain, with
/// `[]`s): the domains, innermost first, and the array's dimensions.
pub fn array_of_domain(field: &Field) -> Option<(Vec<Domain>, usize)> {
    let native = parse_type_name(native_type(field)?)?;
    let chain = domains(field)?;
    let outermost = parse_type_name(&chain[chain.len() - 1].name)?;
    let of_outermost = native.schema == outermost.schema && native.name == outermost.name;
    (native.array_dims > 0 && of_outermost).then_some((chain, native.array_dims))
}

/// The column type derived from the Arrow type alone (no native type).
pub fn arrow_derived_type(field: &Field) -> String {
    let mut plain = field.clone();
    plain.metadata.retain(|(key, _)| key != NATIVE_TYPE_KEY);
    pg_type_for_field(&plain)
}

/// How `field`'s values are written into a column of type `target`, or why they cannot
/// be: the column is of another kind of type, or narrower in a way that would silently
/// change values (fewer decimal places, a smaller integer or float).
///
/// Integers and floats widen (int2 → int4/int8/numeric, float4 → float8); text goes into
/// any text-like column (text, varchar, char(n), name, json, jsonb, enums); a decimal
/// into a numeric with at least as many decimal places; anything carried as text into
/// the same type it came from (its native type) by a cast, or into any type when the
/// stream does not say what it came from.
pub fn choose(field: &Field, target: &PgType) -> Result<Choice, String> {
    use oid::*;
    let is_enum = target.typtype == 'e';
    if let Err(why) = enum_labels_fit(field, target) {
        return Err(why);
    }
    if let Some(encoding) = native_encoding(field) {
        return choose_native(field, encoding, target);
    }
    let numeric_scale_ok = |incoming: i32| match target.numeric_precision_scale() {
        None => true,
        Some((_, scale)) => scale >= incoming,
    };
    let mismatch = || {
        Err(format!(
            "the table's column is {} and the stream's is {}",
            target.format_type,
            describe_incoming(field)
        ))
    };
    match (&field.data_type, target.oid) {
        (DataType::Boolean, BOOL) => Choice::direct(Encoding::Bool),
        (DataType::Int16, INT2) => Choice::direct(Encoding::Int16),
        (DataType::Int16, INT4) => Choice::direct(Encoding::Int16AsInt32),
        (DataType::Int16, INT8) => Choice::direct(Encoding::Int16AsInt64),
        (DataType::Int16, NUMERIC) if numeric_scale_ok(0) => Choice::direct(Encoding::Int16AsNumeric),
        (DataType::Int32, INT4) => Choice::direct(Encoding::Int32),
        (DataType::Int32, INT8) => Choice::direct(Encoding::Int32AsInt64),
        (DataType::Int32, NUMERIC) if numeric_scale_ok(0) => Choice::direct(Encoding::Int32AsNumeric),
        (DataType::Int64, INT8) => Choice::direct(Encoding::Int64),
        (DataType::Int64, NUMERIC) if numeric_scale_ok(0) => Choice::direct(Encoding::Int64AsNumeric),
        (DataType::Float32, FLOAT4) => Choice::direct(Encoding::Float32),
        (DataType::Float32, FLOAT8) => Choice::direct(Encoding::Float32AsFloat64),
        (DataType::Float64, FLOAT8) => Choice::direct(Encoding::Float64),
        (DataType::Decimal128 { scale, .. }, NUMERIC) if numeric_scale_ok(i32::from(*scale)) => {
            Choice::direct(Encoding::Decimal { scale: *scale })
        }
        (DataType::Utf8, TEXT | VARCHAR | BPCHAR | NAME | JSON) => Choice::direct(Encoding::Text),
        (DataType::Utf8, JSONB) => Choice::direct(Encoding::Jsonb),
        (DataType::Utf8, _) if is_enum => Choice::direct(Encoding::Text),
        (DataType::Utf8, NUMERIC) if native_matches(field, target) => {
            Choice::direct(Encoding::NumericText)
        }
        (DataType::Utf8, _) if native_matches(field, target) => Ok(Choice {
            encoding: Encoding::Text,
            cast: true,
            stage_type: None,
        }),
        (DataType::Binary, BYTEA) => Choice::direct(Encoding::Bytes),
        (DataType::FixedSizeBinary(16), UUID) => Choice::direct(Encoding::FixedBytes),
        (DataType::FixedSizeBinary(_), BYTEA) => Choice::direct(Encoding::FixedBytes),
        (DataType::Date32, DATE) => Choice::direct(Encoding::Date),
        (DataType::Time64Microsecond, TIME) => Choice::direct(Encoding::Time),
        (DataType::Timestamp { timezone: None }, TIMESTAMP) => Choice::direct(Encoding::Timestamp),
        (DataType::Timestamp { timezone: Some(_) }, TIMESTAMPTZ) => {
            Choice::direct(Encoding::Timestamp)
        }
        (DataType::IntervalMonthDayNano, INTERVAL) => Choice::direct(Encoding::Interval),
        (DataType::Decimal128 { scale, .. }, NUMERIC) => Err(format!(
            "the table's column is {} and the stream's {} has {} decimal places: values would be rounded",
            target.format_type,
            describe_incoming(field),
            scale
        )),
        _ => mismatch(),
    }
}

/// A `postgresql-binary` column goes only into a column of exactly its type (an enum's may
/// live in another schema here): binary COPY would otherwise read its bytes as another
/// type's, or refuse them.
fn choose_native(field: &Field, encoding: &str, target: &PgType) -> Result<Choice, String> {
    if encoding != POSTGRESQL_BINARY {
        return Err(format!(
            "the stream's column travels in native encoding \"{}\", which this connector does not take (it takes \"{}\")",
            encoding, POSTGRESQL_BINARY
        ));
    }
    let native = native_type(field);
    if field.data_type != DataType::Binary || native.is_none() {
        return Err(format!(
            "the stream's column in {} is {} without rapidbyte.native_type (a binary column naming its PostgreSQL type is expected)",
            POSTGRESQL_BINARY,
            field_type_name(field)
        ));
    }
    let native = native.unwrap_or_default();
    if native_matches(field, target) {
        return Choice::direct(match target.element {
            Some(element) => Encoding::NativeArray {
                element_oid: element.oid,
            },
            None => Encoding::Native,
        });
    }
    if widens(native, target) && is_safe_type_name(native) {
        // Staged as its own type, then cast by PostgreSQL (exact: a widening).
        return Ok(Choice {
            encoding: Encoding::Native,
            cast: true,
            stage_type: Some(native.to_string()),
        });
    }
    Err(format!(
        "the table's column is {} and the stream's is {} in PostgreSQL's binary encoding, which goes only into a column of that type or a wider one of its kind (alter the column, or set the source's native_lane: false to carry it through the Arrow mapping)",
        target.format_type, native
    ))
}

/// Whether every value of the built-in type `native` (a `format_type` text) is a value of
/// `target` too, as the Arrow mapping's widenings: integers into wider integers or a numeric,
/// `real` into `double precision`, a `numeric` into one with at least its decimal places,
/// texts into texts. (A value too large for the column fails the load; none is rounded.)
fn widens(native: &str, target: &PgType) -> bool {
    use oid::*;
    let numeric_scale = |scale: i32| match target.numeric_precision_scale() {
        None => true,
        Some((_, target_scale)) => target_scale >= scale,
    };
    let base = native.split('(').next().unwrap_or(native).trim();
    match (base, target.oid) {
        ("smallint", INT4 | INT8) | ("integer", INT8) => true,
        ("smallint" | "integer" | "bigint", NUMERIC) => numeric_scale(0),
        ("real", FLOAT8) => true,
        ("text" | "character varying" | "character" | "name", TEXT | VARCHAR | BPCHAR) => true,
        ("numeric", NUMERIC) => match parse_numeric_type(native) {
            Some((_, scale)) => numeric_scale(scale),
            // Unconstrained: any scale, so only into another unconstrained numeric.
            None => target.numeric_precision_scale().is_none(),
        },
        _ => false,
    }
}

/// `numeric(p,s)`'s precision and scale; `None` for unconstrained `numeric`.
fn parse_numeric_type(text: &str) -> Option<(i32, i32)> {
    let inner = text.strip_prefix("numeric(")?.strip_suffix(')')?;
    let (precision, scale) = inner.split_once(',')?;
    Some((precision.trim().parse().ok()?, scale.trim().parse().ok()?))
}

/// Text carried for a type other than text itself is cast to the column's type only when
/// the stream says it is that type (or says nothing): `integer[]` text into an
/// `integer[]` column, not into an `inet` one.
fn native_matches(field: &Field, target: &PgType) -> bool {
    let native = match native_type(field) {
        None => return true,
        Some(native) => native,
    };
    if native == target.format_type {
        return true;
    }
    // Enums, composites, ranges and domains (and arrays of them) may live in another schema
    // here than at the source (the destination creates them in its own). A domain column's
    // native type is its base type's; an array of a domain names the domain.
    if let (Some(name), Some(_)) = (parse_type_name(native), array_of_domain(field)) {
        return target.element.map(|e| e.typtype) == Some('d')
            && parse_type_name(&target.format_type).map_or(false, |t| {
                t.name == name.name && t.array_dims == name.array_dims
            });
    }
    match (parse_type_name(native), user_type(field)) {
        (Some(name), Some(user)) if name.array_dims > 0 => {
            target.element.map(|e| e.typtype) == Some(user.typtype())
        }
        (Some(_), Some(user)) => target.element.is_none() && target.typtype == user.typtype(),
        _ => false,
    }
}

/// An enum column must know every label the stream's enum has.
fn enum_labels_fit(field: &Field, target: &PgType) -> Result<(), String> {
    let is_enum = target.typtype == 'e' || target.element.map_or(false, |e| e.typtype == 'e');
    if !is_enum {
        return Ok(());
    }
    let (incoming, known) = match (enum_labels(field), &target.enum_labels) {
        (Some(incoming), Some(known)) => (incoming, known),
        _ => return Ok(()),
    };
    let missing: Vec<&String> = incoming.iter().filter(|l| !known.contains(l)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the table's enum type {} lacks the stream's labels {}",
            target.format_type,
            serde_json::to_string(&missing).unwrap_or_default()
        ))
    }
}

/// How one stream column is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnLoad {
    pub name: String,
    pub encoding: Encoding,
    /// The target column's type (`format_type`; of the base type for a domain).
    pub target_type: String,
    /// Loaded as text into a staging table and cast to `target_type` there.
    pub cast: bool,
    /// The staging column's type when cast from other than text (see [`Choice::stage_type`]).
    pub stage_type: Option<String>,
}

/// The stream's columns in stream order, each with how it is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadPlan {
    pub columns: Vec<ColumnLoad>,
}

impl LoadPlan {
    /// Whether some column must go through a staging table.
    pub fn needs_cast(&self) -> bool {
        self.columns.iter().any(|c| c.cast)
    }

    pub fn encodings(&self) -> Vec<Encoding> {
        self.columns.iter().map(|c| c.encoding).collect()
    }

    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// Columns of a staging table for this plan: the column's own type, or `text` for a
    /// column that is cast.
    pub fn stage_columns(&self) -> Vec<(String, String)> {
        self.columns
            .iter()
            .map(|c| {
                let stage_type = if c.cast {
                    c.stage_type.as_deref().unwrap_or("text")
                } else {
                    c.target_type.as_str()
                };
                (c.name.clone(), stage_type.to_string())
            })
            .collect()
    }
}

/// The stream must have columns, with distinct names (a table cannot hold two of one
/// name).
pub fn check_field_names(schema: &Schema) -> Result<(), ConnectorError> {
    if schema.fields.is_empty() {
        return Err(ConnectorError::schema(
            "the stream has no columns: there is nothing to write",
        ));
    }
    for (i, field) in schema.fields.iter().enumerate() {
        if field.name.is_empty() {
            return Err(ConnectorError::schema(format!(
                "the stream's column {} has an empty name",
                i + 1
            )));
        }
        if schema.fields[..i].iter().any(|f| f.name == field.name) {
            return Err(ConnectorError::schema(format!(
                "the stream has two columns named \"{}\"",
                field.name
            )));
        }
    }
    Ok(())
}

/// The stream's columns the table lacks (to be added), after checking that every column
/// the table has takes the stream's values. An incompatible column is a schema error
/// naming the table, the column and both types: raised before anything is changed.
pub fn evolve<'a>(
    schema: &'a Schema,
    table: &PgRelation,
    table_sql: &str,
) -> Result<Vec<&'a Field>, ConnectorError> {
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    for field in &schema.fields {
        match table.column(&field.name) {
            Some(column) => {
                if let Err(why) = choose(field, &column.pg_type) {
                    problems.push(format!("column \"{}\": {}", field.name, why));
                }
            }
            None => missing.push(field),
        }
    }
    if !problems.is_empty() {
        return Err(ConnectorError::schema(format!(
            "the stream does not fit table {}: {}",
            table_sql,
            problems.join("; ")
        )));
    }
    Ok(missing)
}

/// The load plan for a table that has every stream column (after `evolve` added them).
pub fn plan_load(
    schema: &Schema,
    table: &PgRelation,
    table_sql: &str,
) -> Result<LoadPlan, ConnectorError> {
    let mut columns = Vec::with_capacity(schema.fields.len());
    for field in &schema.fields {
        let column = table.column(&field.name).ok_or_else(|| {
            ConnectorError::schema(format!(
                "table {} has no column \"{}\" (was it dropped while the stream started?)",
                table_sql, field.name
            ))
        })?;
        let choice = choose(field, &column.pg_type).map_err(|why| {
            ConnectorError::schema(format!(
                "the stream does not fit table {}: column \"{}\": {}",
                table_sql, field.name, why
            ))
        })?;
        columns.push(ColumnLoad {
            name: field.name.clone(),
            encoding: choice.encoding,
            target_type: column.pg_type.format_type.clone(),
            cast: choice.cast,
            stage_type: choice.stage_type,
        });
    }
    Ok(LoadPlan { columns })
}

/// Every primary key column must be a stream column.
pub fn check_primary_key(schema: &Schema, key: &[String]) -> Result<(), ConnectorError> {
    for column in key {
        if schema.index_of(column).is_none() {
            let names: Vec<String> = schema
                .fields
                .iter()
                .map(|f| format!("\"{}\"", f.name))
                .collect();
            return Err(ConnectorError::config(format!(
                "primary key column \"{}\" is not among the stream's columns ({})",
                column,
                names.join(", ")
            )));
        }
    }
    let mut seen: Vec<&String> = Vec::new();
    for column in key {
        if seen.contains(&column) {
            return Err(ConnectorError::config(format!(
                "primary key column \"{}\" is named twice",
                column
            )));
        }
        seen.push(column);
    }
    Ok(())
}
