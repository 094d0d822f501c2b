//! From a table's catalog entry and a stream request to what `read` runs: the Arrow
//! schema, the COPY statement and how to decode each of its fields. Pure, so it is tested
//! natively; every error names the table, column or type at fault.

use crate::decode::{Decode, FieldPlan};
use rapidbyte_postgres::types::{oid, BinaryFormat, ReadAs};
use rapidbyte_postgres::{map_type, qualified_name, quote_ident, quote_literal, PgRelation};
use rapidbyte_sdk::arrow::Schema;
use rapidbyte_sdk::protocol::{StreamRequest, SyncMode};
use rapidbyte_sdk::ConnectorError;
use serde::Deserialize;
use serde_json::{json, Value};

/// What `read` does for one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadPlan {
    /// The emitted columns.
    pub schema: Schema,
    /// The COPY fields in SELECT order: the emitted columns, then (incremental) the cursor.
    pub fields: Vec<FieldPlan>,
    /// `COPY (SELECT ...) TO STDOUT (FORMAT binary)`.
    pub sql: String,
    pub cursor: Option<CursorPlan>,
    /// To log at warn level before reading.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPlan {
    pub field: String,
    /// When the table has a primary key: its columns other than the cursor. A checkpoint is
    /// then the last row's position (cursor value and key), unique, and a read resumes right
    /// after it. `None`: the value alone, and a read resumes at it, inclusive.
    pub key: Option<Vec<String>>,
    /// The checkpointed value this read starts from, as PostgreSQL text.
    pub start: Option<String>,
    /// The key (in `key`'s order) of the last row read at `start`: the read starts right
    /// after that row. `None`: at `start`, inclusive.
    pub start_key: Option<Vec<String>>,
}

impl CursorPlan {
    /// The checkpoint after a row whose hidden cursor column read `last` (the value's text,
    /// or with a key the JSON array of the value's and the key's texts).
    pub fn checkpoint_after(&self, last: &[u8]) -> Result<Value, ConnectorError> {
        let text = String::from_utf8_lossy(last);
        let names = match &self.key {
            Some(names) => names,
            None => return Ok(checkpoint_payload(&self.field, Some(&text))),
        };
        let parts: Vec<String> = serde_json::from_str(&text).map_err(|e| {
            ConnectorError::internal(format!(
                "the cursor position {} is not a JSON array of texts: {}",
                text, e
            ))
        })?;
        match parts.split_first() {
            Some((value, key)) if key.len() == names.len() => {
                Ok(position_payload(&self.field, value, names, key))
            }
            _ => Err(ConnectorError::internal(format!(
                "the cursor position {} does not hold the cursor and the key's {} columns",
                text,
                names.len()
            ))),
        }
    }

    /// The checkpoint this read started from, when it had one (nothing new was read).
    pub fn start_checkpoint(&self) -> Option<Value> {
        let start = self.start.as_deref()?;
        Some(match (&self.key, &self.start_key) {
            (Some(names), Some(key)) => position_payload(&self.field, start, names, key),
            _ => checkpoint_payload(&self.field, Some(start)),
        })
    }
}

/// The table's alias in the SELECT.
const TABLE_ALIAS: &str = "t";

/// Types an incremental read can order by and compare with a text literal exactly.
fn is_cursor_type(type_oid: u32) -> bool {
    matches!(
        type_oid,
        oid::INT2
            | oid::INT4
            | oid::INT8
            | oid::NUMERIC
            | oid::DATE
            | oid::TIMESTAMP
            | oid::TIMESTAMPTZ
            | oid::TEXT
            | oid::VARCHAR
            | oid::BPCHAR
    )
}

fn decode_for(read_as: ReadAs) -> Decode {
    match read_as {
        ReadAs::Text => Decode::Value(BinaryFormat::Text),
        ReadAs::Binary(format) => Decode::Value(format),
    }
}

/// Plans the read of `relation` for `request`. `strict` refuses types outside the mapping.
pub fn plan_read(
    relation: &PgRelation,
    request: &StreamRequest,
    strict: bool,
) -> Result<ReadPlan, ConnectorError> {
    let table = format!("{}.{}", relation.schema, relation.name);
    let mut warnings = Vec::new();

    let selected: Vec<&rapidbyte_postgres::PgColumn> = match &request.columns {
        None => relation.columns.iter().collect(),
        Some(names) => {
            if names.is_empty() {
                return Err(ConnectorError::config(format!(
                    "stream {}: the column list is empty (leave it out to read every column)",
                    table
                )));
            }
            let mut selected = Vec::with_capacity(names.len());
            for (i, name) in names.iter().enumerate() {
                if names[..i].contains(name) {
                    return Err(ConnectorError::config(format!(
                        "stream {}: column \"{}\" is listed twice",
                        table, name
                    )));
                }
                match relation.column(name) {
                    Some(column) => selected.push(column),
                    None => {
                        let known: Vec<&str> =
                            relation.columns.iter().map(|c| c.name.as_str()).collect();
                        return Err(ConnectorError::config(format!(
                            "column \"{}\" does not exist in table {} (its columns: {})",
                            name,
                            table,
                            known.join(", ")
                        )));
                    }
                }
            }
            selected
        }
    };
    if selected.is_empty() {
        return Err(ConnectorError::config(format!(
            "table {} has no columns to read",
            table
        )));
    }

    let mut fields = Vec::with_capacity(selected.len() + 1);
    let mut arrow_fields = Vec::with_capacity(selected.len());
    let mut select = Vec::with_capacity(selected.len() + 1);
    for (index, column) in selected.iter().enumerate() {
        let mapping = map_type(&column.pg_type);
        if !mapping.recognized {
            if strict {
                return Err(ConnectorError::schema(format!(
                    "column \"{}\" of table {} has type {}, which has no exact Arrow mapping; \
                     strict_types is on (turn it off to read the column as text)",
                    column.name, table, column.pg_type.format_type
                )));
            }
            warnings.push(format!(
                "column \"{}\" of table {} has type {}, which has no exact Arrow mapping: it is read as text",
                column.name, table, column.pg_type.format_type
            ));
        }
        let mut expression = quote_ident(&column.name);
        if mapping.read_as == ReadAs::Text {
            expression.push_str("::text");
        }
        select.push(expression);
        fields.push(FieldPlan {
            decode: decode_for(mapping.read_as),
            column: index,
            name: column.name.clone(),
            native_type: column.pg_type.format_type.clone(),
        });
        arrow_fields.push(mapping.field(&column.name, !column.not_null));
    }

    let mut filter = String::new();
    let cursor = match request.sync_mode {
        SyncMode::FullRefresh => None,
        SyncMode::Incremental => {
            let field = request.cursor_field.as_deref().ok_or_else(|| {
                ConnectorError::config(format!(
                    "stream {}: an incremental read needs a cursor_field",
                    table
                ))
            })?;
            let column = relation.column(field).ok_or_else(|| {
                ConnectorError::config(format!(
                    "cursor field \"{}\" does not exist in table {}",
                    field, table
                ))
            })?;
            if !is_cursor_type(column.pg_type.oid) {
                return Err(ConnectorError::config(format!(
                    "cursor field \"{}\" of table {} has type {}; an incremental cursor must be an \
                     integer, numeric, date, timestamp, timestamptz or text column",
                    field, table, column.pg_type.format_type
                )));
            }
            if !column.not_null {
                warnings.push(format!(
                    "cursor field \"{}\" of table {} is nullable: rows whose cursor is NULL are never read incrementally",
                    field, table
                ));
            }
            let (start, start_position, warning) =
                start_position(request.cursor.as_deref(), field)?;
            warnings.extend(warning);
            let quoted = quote_ident(field);
            let qualified = format!("{}.{}", TABLE_ALIAS, quoted);
            // A cursor that is the whole primary key (a view's: the request's) is unique: a
            // read resumes right after the last row. Any other cursor resumes at the last
            // value, inclusive: a row may take that value after the checkpoint (an update, a
            // late commit) with a key before the last row's, and a position past it would
            // skip that row.
            let key_names = if relation.primary_key.is_empty() {
                &request.primary_key
            } else {
                &relation.primary_key
            };
            let key: Option<Vec<&rapidbyte_postgres::PgColumn>> =
                if key_names.len() == 1 && key_names[0] == field {
                    Some(Vec::new())
                } else {
                    None
                };
            let mut order = vec![qualified.clone()];
            match &key {
                None => select.push(format!("{}::text", quoted)),
                Some(key) => {
                    let mut parts = vec![format!("{}::text", qualified)];
                    for column in key {
                        let name = format!("{}.{}", TABLE_ALIAS, quote_ident(&column.name));
                        parts.push(format!("{}::text", name));
                        order.push(name);
                    }
                    select.push(format!("json_build_array({})::text", parts.join(", ")));
                }
            }
            let order = order.join(", ");
            fields.push(FieldPlan {
                decode: Decode::Cursor,
                column: usize::MAX,
                name: field.to_string(),
                native_type: column.pg_type.format_type.clone(),
            });
            // With a key, right after the last row read (its position is unique); else `>=`:
            // rows sharing the checkpointed value are read again rather than lost. Qualified by
            // the table's alias: a bare name in ORDER BY would mean the output column
            // `<cursor>::text` (also named after the cursor) and order as text.
            let start_key = match (&key, start_position) {
                (Some(key), Some(position)) => {
                    let names: Vec<&str> = key.iter().map(|c| c.name.as_str()).collect();
                    position.values_for(&names)
                }
                _ => None,
            };
            match &start {
                Some(value) => {
                    let literal =
                        format!("{}::{}", quote_literal(value), column.pg_type.format_type);
                    filter = format!(" WHERE {} >= {}", qualified, literal);
                    if let (Some(key), Some(values)) = (&key, &start_key) {
                        let mut names = vec![qualified.clone()];
                        let mut literals = vec![literal];
                        for (column, value) in key.iter().zip(values) {
                            names.push(format!("{}.{}", TABLE_ALIAS, quote_ident(&column.name)));
                            literals.push(format!(
                                "{}::{}",
                                quote_literal(value),
                                column.pg_type.format_type
                            ));
                        }
                        filter.push_str(&format!(
                            " AND ({}) > ({})",
                            names.join(", "),
                            literals.join(", ")
                        ));
                    }
                    filter.push_str(&format!(" ORDER BY {}", order));
                }
                None => filter = format!(" WHERE {} IS NOT NULL ORDER BY {}", qualified, order),
            }
            Some(CursorPlan {
                field: field.to_string(),
                key: key.map(|k| k.iter().map(|c| c.name.clone()).collect()),
                start,
                start_key,
            })
        }
    };

    let sql = format!(
        "COPY (SELECT {} FROM {} AS {}{}) TO STDOUT (FORMAT binary)",
        select.join(", "),
        qualified_name(&relation.schema, &relation.name),
        TABLE_ALIAS,
        filter
    );
    Ok(ReadPlan {
        schema: Schema::new(arrow_fields),
        fields,
        sql,
        cursor,
        warnings,
    })
}

/// The checkpoint this connector writes: `{"cursor_field": ..., "cursor": "<text>"}`.
pub fn checkpoint_payload(field: &str, cursor: Option<&str>) -> Value {
    json!({"cursor_field": field, "cursor": cursor})
}

/// A checkpoint with the last row's key: `{"cursor_field": ..., "cursor": "<text>", "key":
/// {"<column>": "<text>", ...}}` (the key's columns other than the cursor; none when the key
/// is the cursor itself).
pub fn position_payload(field: &str, cursor: &str, names: &[String], key: &[String]) -> Value {
    let key: serde_json::Map<String, Value> = names
        .iter()
        .zip(key)
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    json!({"cursor_field": field, "cursor": cursor, "key": key})
}

#[derive(Deserialize)]
struct Checkpoint {
    cursor_field: Option<String>,
    cursor: Option<String>,
    #[serde(default)]
    key: Option<serde_json::Map<String, Value>>,
}

/// The key a checkpoint recorded with its value.
struct StartKey(serde_json::Map<String, Value>);

impl StartKey {
    /// The key's values in `names`' order, when it names exactly those columns.
    fn values_for(&self, names: &[&str]) -> Option<Vec<String>> {
        if self.0.len() != names.len() {
            return None;
        }
        names
            .iter()
            .map(|name| self.0.get(*name).and_then(|v| v.as_str()).map(String::from))
            .collect()
    }
}

/// [`start_cursor`], with the key the checkpoint recorded, if any.
fn start_position(
    checkpoint: Option<&str>,
    field: &str,
) -> Result<(Option<String>, Option<StartKey>, Option<String>), ConnectorError> {
    let (start, warning) = start_cursor(checkpoint, field)?;
    let key = match (&start, checkpoint) {
        (Some(_), Some(text)) => serde_json::from_str::<Checkpoint>(text)
            .ok()
            .and_then(|c| c.key)
            .map(StartKey),
        _ => None,
    };
    Ok((start, key, warning))
}

/// The value to start from, given the stream's last checkpoint (as this connector wrote
/// it; a bare JSON string is taken as the value too). A checkpoint for another cursor
/// field starts from the beginning, with a warning.
pub fn start_cursor(
    checkpoint: Option<&str>,
    field: &str,
) -> Result<(Option<String>, Option<String>), ConnectorError> {
    let text = match checkpoint {
        Some(text) if !text.trim().is_empty() => text,
        _ => return Ok((None, None)),
    };
    let value: Value = serde_json::from_str(text).map_err(|e| {
        ConnectorError::config(format!("the stream's cursor is not valid JSON: {}", e))
    })?;
    if let Value::String(cursor) = value {
        return Ok((Some(cursor), None));
    }
    if value.is_null() {
        return Ok((None, None));
    }
    let checkpoint: Checkpoint = serde_json::from_value(value).map_err(|e| {
        ConnectorError::config(format!(
            "the stream's cursor is not a source-postgres checkpoint ({{\"cursor_field\": ..., \"cursor\": ...}}): {}",
            e
        ))
    })?;
    match checkpoint.cursor_field {
        Some(previous) if previous != field => Ok((
            None,
            Some(format!(
                "the stream's cursor was for field \"{}\", now the cursor field is \"{}\": reading from the start",
                previous, field
            )),
        )),
        _ => Ok((checkpoint.cursor, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapidbyte_postgres::types::{PgElement, PgType};
    use rapidbyte_postgres::PgColumn;
    use rapidbyte_sdk::arrow::DataType;
    use rapidbyte_sdk::protocol::Limits;
    use rapidbyte_sdk::ErrorCategory;

    fn column(name: &str, type_oid: u32, format_type: &str, not_null: bool) -> PgColumn {
        PgColumn {
            name: name.into(),
            not_null,
            pg_type: PgType::builtin(type_oid, format_type),
        }
    }

    fn table() -> PgRelation {
        PgRelation {
            schema: "Sales Data".into(),
            name: "Order \"Lines\"".into(),
            kind: 'r',
            columns: vec![
                column("id", oid::INT8, "bigint", true),
                column("Select", oid::TEXT, "text", false),
                column("prix ünit", oid::NUMERIC, "numeric", false),
                column(
                    "updated_at",
                    oid::TIMESTAMPTZ,
                    "timestamp with time zone",
                    false,
                ),
                PgColumn {
                    name: "tags".into(),
                    not_null: false,
                    pg_type: PgType {
                        element: Some(PgElement {
                            oid: oid::TEXT,
                            typtype: 'b',
                        }),
                        ..PgType::builtin(1009, "text[]")
                    },
                },
                column("spot", 600, "point", false),
            ],
            primary_key: vec!["id".into()],
        }
    }

    fn request(columns: Option<Vec<&str>>) -> StreamRequest {
        StreamRequest {
            name: "Order \"Lines\"".into(),
            columns: columns.map(|c| c.into_iter().map(String::from).collect()),
            sync_mode: SyncMode::FullRefresh,
            cursor_field: None,
            cursor: None,
            write_mode: None,
            primary_key: vec![],
            limits: Limits::default(),
            marker: None,
        }
    }

    fn incremental(cursor: Option<&str>) -> StreamRequest {
        StreamRequest {
            sync_mode: SyncMode::Incremental,
            cursor_field: Some("updated_at".into()),
            cursor: cursor.map(String::from),
            ..request(Some(vec!["id", "Select"]))
        }
    }

    #[test]
    fn full_refresh_selects_every_column_quoted() {
        let mut relation = table();
        relation.columns.pop();
        let plan = plan_read(&relation, &request(None), false).unwrap();
        assert_eq!(
            plan.sql,
            "COPY (SELECT \"id\", \"Select\", \"prix ünit\"::text, \"updated_at\", \"tags\"::text \
             FROM \"Sales Data\".\"Order \"\"Lines\"\"\" AS t) TO STDOUT (FORMAT binary)"
        );
        assert_eq!(plan.cursor, None);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        let decodes: Vec<Decode> = plan.fields.iter().map(|f| f.decode).collect();
        assert_eq!(
            decodes,
            [
                Decode::Value(BinaryFormat::Int8),
                Decode::Value(BinaryFormat::Text),
                Decode::Value(BinaryFormat::Text),
                Decode::Value(BinaryFormat::Timestamp),
                Decode::Value(BinaryFormat::Text)
            ]
        );
        let f = &plan.schema.fields;
        assert_eq!(f[0].data_type, DataType::Int64);
        assert!(!f[0].nullable);
        assert!(f[1].nullable);
        assert_eq!(
            f[2].metadata_value("rapidbyte.native_type"),
            Some("numeric")
        );
        assert_eq!(
            f[3].data_type,
            DataType::Timestamp {
                timezone: Some("UTC".into())
            }
        );
        assert_eq!(f[4].metadata_value("rapidbyte.native_type"), Some("text[]"));
    }

    #[test]
    fn a_column_list_picks_and_orders() {
        let plan = plan_read(&table(), &request(Some(vec!["Select", "id"])), false).unwrap();
        assert!(
            plan.sql.starts_with("COPY (SELECT \"Select\", \"id\" FROM"),
            "{}",
            plan.sql
        );
        assert_eq!(plan.fields[1].column, 1);
        assert_eq!(plan.schema.fields[1].name, "id");
    }

    #[test]
    fn a_missing_column_is_a_config_error_naming_it() {
        let error = plan_read(&table(), &request(Some(vec!["id", "nope"])), false).unwrap_err();
        assert_eq!(error.category, ErrorCategory::Config);
        assert!(
            error
                .message
                .contains("column \"nope\" does not exist in table Sales Data.Order \"Lines\""),
            "{}",
            error.message
        );
        let error = plan_read(&table(), &request(Some(vec!["id", "id"])), false).unwrap_err();
        assert!(error.message.contains("listed twice"), "{}", error.message);
        let error = plan_read(&table(), &request(Some(vec![])), false).unwrap_err();
        assert_eq!(error.category, ErrorCategory::Config);
    }

    #[test]
    fn unrecognized_types_warn_or_fail_under_strict() {
        let plan = plan_read(&table(), &request(None), false).unwrap();
        assert_eq!(plan.warnings.len(), 1);
        assert!(
            plan.warnings[0].contains("\"spot\"") && plan.warnings[0].contains("point"),
            "{}",
            plan.warnings[0]
        );
        assert!(plan.sql.contains("\"spot\"::text"));
        let error = plan_read(&table(), &request(None), true).unwrap_err();
        assert_eq!(error.category, ErrorCategory::Schema);
        assert!(
            error.message.contains("column \"spot\"") && error.message.contains("point"),
            "{}",
            error.message
        );
        // Not selected: no complaint.
        assert!(plan_read(&table(), &request(Some(vec!["id"])), true).is_ok());
    }

    #[test]
    fn arrays_of_unrecognized_types_are_unrecognized() {
        let mut relation = table();
        relation.columns = vec![PgColumn {
            name: "pts".into(),
            not_null: false,
            pg_type: PgType {
                element: Some(PgElement {
                    oid: 600,
                    typtype: 'b',
                }),
                ..PgType::builtin(1017, "point[]")
            },
        }];
        assert_eq!(
            plan_read(&relation, &request(None), true)
                .unwrap_err()
                .category,
            ErrorCategory::Schema
        );
    }

    #[test]
    fn incremental_without_a_cursor_reads_everything_not_null_in_order() {
        let mut relation = table();
        relation.primary_key.clear();
        let plan = plan_read(&relation, &incremental(None), false).unwrap();
        assert_eq!(
            plan.sql,
            "COPY (SELECT \"id\", \"Select\", \"updated_at\"::text FROM \"Sales Data\".\"Order \"\"Lines\"\"\" AS t \
             WHERE t.\"updated_at\" IS NOT NULL ORDER BY t.\"updated_at\") TO STDOUT (FORMAT binary)"
        );
        assert_eq!(plan.fields.len(), 3);
        assert_eq!(plan.fields[2].decode, Decode::Cursor);
        assert_eq!(plan.schema.fields.len(), 2);
        assert_eq!(
            plan.cursor,
            Some(CursorPlan {
                field: "updated_at".into(),
                key: None,
                start: None,
                start_key: None,
            })
        );
        assert_eq!(plan.warnings.len(), 1);
        assert!(
            plan.warnings[0].contains("nullable"),
            "{}",
            plan.warnings[0]
        );
    }

    #[test]
    fn without_a_primary_key_incremental_resumes_at_the_checkpoint_inclusive() {
        let checkpoint =
            checkpoint_payload("updated_at", Some("2024-01-02 03:04:05.123456+00")).to_string();
        let mut relation = table();
        relation.primary_key.clear();
        let plan = plan_read(&relation, &incremental(Some(&checkpoint)), false).unwrap();
        assert!(
            plan.sql.contains(
                " WHERE t.\"updated_at\" >= '2024-01-02 03:04:05.123456+00'::timestamp with time zone ORDER BY t.\"updated_at\")"
            ),
            "{}",
            plan.sql
        );
    }

    #[test]
    fn a_cursor_that_is_not_the_whole_key_resumes_at_its_value_inclusive() {
        // A row updated to the last value after the checkpoint may have a lower key: it must
        // still be read, so the read starts at the value itself.
        let relation = table();
        assert_eq!(relation.primary_key, vec!["id".to_string()]);
        let plan = plan_read(&relation, &incremental(None), false).unwrap();
        let cursor = plan.cursor.unwrap();
        assert_eq!(cursor.key, None);
        let checkpoint = cursor.checkpoint_after(b"2024-01-02 03:04:05+00").unwrap();
        assert_eq!(
            checkpoint,
            json!({"cursor_field": "updated_at", "cursor": "2024-01-02 03:04:05+00"})
        );
        let resumed = plan_read(
            &relation,
            &incremental(Some(&checkpoint.to_string())),
            false,
        )
        .unwrap();
        assert!(
            resumed.sql.contains(
                " WHERE t.\"updated_at\" >= '2024-01-02 03:04:05+00'::timestamp with time zone ORDER BY t.\"updated_at\")"
            ),
            "{}",
            resumed.sql
        );
    }

    #[test]
    fn a_view_takes_its_key_from_the_stream_request() {
        let mut relation = table();
        relation.primary_key.clear();
        let request = StreamRequest {
            cursor_field: Some("id".into()),
            primary_key: vec!["id".into()],
            ..incremental(None)
        };
        let plan = plan_read(&relation, &request, false).unwrap();
        assert_eq!(plan.cursor.unwrap().key, Some(vec![]));
        let request = StreamRequest {
            primary_key: vec![],
            ..request
        };
        let plan = plan_read(&relation, &request, false).unwrap();
        assert_eq!(plan.cursor.unwrap().key, None);
    }

    #[test]
    fn a_cursor_that_is_the_primary_key_resumes_after_its_value() {
        let mut relation = table();
        relation.primary_key = vec!["id".into()];
        let request = StreamRequest {
            cursor_field: Some("id".into()),
            ..incremental(None)
        };
        let cursor = plan_read(&relation, &request, false)
            .unwrap()
            .cursor
            .unwrap();
        assert_eq!(cursor.key, Some(vec![]));
        let checkpoint = cursor.checkpoint_after(br#"["41"]"#).unwrap();
        assert_eq!(
            checkpoint,
            json!({"cursor_field": "id", "cursor": "41", "key": {}})
        );
        let request = StreamRequest {
            cursor: Some(checkpoint.to_string()),
            ..request
        };
        let plan = plan_read(&relation, &request, false).unwrap();
        assert!(
            plan.sql.contains(" WHERE t.\"id\" >= '41'::bigint AND (t.\"id\") > ('41'::bigint) ORDER BY t.\"id\")"),
            "{}",
            plan.sql
        );
    }

    #[test]
    fn cursor_literals_are_quoted() {
        let mut relation = table();
        relation
            .columns
            .push(column("code", oid::VARCHAR, "character varying(20)", true));
        let checkpoint = checkpoint_payload("code", Some("it's a \\ test")).to_string();
        let request = StreamRequest {
            cursor_field: Some("code".into()),
            ..incremental(Some(&checkpoint))
        };
        let plan = plan_read(&relation, &request, false).unwrap();
        assert!(
            plan.sql.contains(" WHERE t.\"code\" >= E'it''s a \\\\ test'::character varying(20) ORDER BY t.\"code\""),
            "{}",
            plan.sql
        );
        assert!(plan.warnings.is_empty());
    }

    #[test]
    fn bad_cursor_fields_are_config_errors() {
        let request = StreamRequest {
            cursor_field: None,
            ..incremental(None)
        };
        assert_eq!(
            plan_read(&table(), &request, false).unwrap_err().category,
            ErrorCategory::Config
        );
        let request = StreamRequest {
            cursor_field: Some("missing".into()),
            ..incremental(None)
        };
        let error = plan_read(&table(), &request, false).unwrap_err();
        assert!(
            error
                .message
                .contains("cursor field \"missing\" does not exist"),
            "{}",
            error.message
        );
        let request = StreamRequest {
            cursor_field: Some("tags".into()),
            ..incremental(None)
        };
        let error = plan_read(&table(), &request, false).unwrap_err();
        assert!(error.message.contains("text[]"), "{}", error.message);
    }

    #[test]
    fn checkpoints_parse_back() {
        let payload = checkpoint_payload("updated_at", Some("2024-01-01")).to_string();
        assert_eq!(
            start_cursor(Some(&payload), "updated_at").unwrap(),
            (Some("2024-01-01".into()), None)
        );
        assert_eq!(start_cursor(None, "x").unwrap(), (None, None));
        assert_eq!(start_cursor(Some("{}"), "x").unwrap(), (None, None));
        assert_eq!(start_cursor(Some("null"), "x").unwrap(), (None, None));
        assert_eq!(
            start_cursor(Some("\"42\""), "x").unwrap(),
            (Some("42".into()), None)
        );
        let (start, warning) = start_cursor(Some(&payload), "id").unwrap();
        assert_eq!(start, None);
        assert!(warning.unwrap().contains("reading from the start"));
        assert_eq!(
            start_cursor(Some("{not json"), "x").unwrap_err().category,
            ErrorCategory::Config
        );
        assert_eq!(
            start_cursor(Some("[1]"), "x").unwrap_err().category,
            ErrorCategory::Config
        );
    }
}
