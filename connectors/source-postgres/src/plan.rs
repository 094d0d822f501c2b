//! From a table's catalog entry and a stream request to what `read` runs: the Arrow
//! schema, the COPY statement and how to decode each of its fields. Pure, so it is tested
//! natively; every error names the table, column or type at fault.

use crate::decode::{Decode, FieldPlan};
use rapidbyte_postgres::types::{
    native_mapping, oid, rows_field, BinaryFormat, ReadAs, POSTGRESQL_BINARY,
    POSTGRESQL_BINARY_ROWS,
};
use rapidbyte_postgres::{map_type, qualified_name, quote_ident, quote_literal, PgRelation};
use rapidbyte_sdk::arrow::Schema;
use rapidbyte_sdk::protocol::{StreamRequest, SyncMode};
use rapidbyte_sdk::ConnectorError;
use serde::Deserialize;
use serde_json::{json, Value};

/// What `read` does for one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadPlan {
    /// The emitted columns; in whole rows ([`ReadPlan::whole_rows`]) the one column of the
    /// rows, which describes them.
    pub schema: Schema,
    /// Whether batches carry whole rows in [`POSTGRESQL_BINARY_ROWS`] (every emitted column
    /// can, and the host agreed it) instead of a column each.
    pub whole_rows: bool,
    /// The COPY fields in SELECT order: the emitted columns, then (incremental) the cursor.
    pub fields: Vec<FieldPlan>,
    /// `COPY (SELECT ...) TO STDOUT (FORMAT binary)`.
    pub sql: String,
    /// A full refresh of a table (or materialized view), which can be read in ranges of its
    /// pages ([`ReadPlan::range_sql`]): `SELECT ... FROM <table> AS t`.
    pub splittable: Option<String>,
    pub cursor: Option<CursorPlan>,
    /// To log at warn level before reading.
    pub warnings: Vec<String>,
    /// Which lane each emitted column takes, to log at info level before reading (`None`
    /// when the stream was not asked for a native encoding).
    pub lanes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPlan {
    pub field: String,
    /// The key's columns (the table's primary key; a view's: the request's), when there is
    /// one. A checkpoint then also lists the keys of the rows read at its value (`seen`),
    /// and the next read skips exactly those: nothing read twice, and a row that takes that
    /// value later (an update, a late commit) is still read. Without a key a read starts at
    /// the value, inclusive, and its rows are read again.
    pub key: Option<Vec<String>>,
    /// The checkpointed value this read starts from (inclusive), as PostgreSQL text.
    pub start: Option<String>,
    /// The keys (texts, in `key`'s order) of the rows already read at `start`: skipped.
    pub start_seen: Option<Vec<Vec<String>>>,
}

/// At most this many keys are kept of the rows read at one cursor value; past it the
/// checkpoint lists none, and the next read reads that value's rows again.
pub const MAX_SEEN_KEYS: usize = 10_000;

impl CursorPlan {
    /// The checkpoint after a batch whose last row's cursor read `last`; `seen`: the hidden
    /// key texts (JSON arrays) of the rows read at that value, `None` when there were too many.
    pub fn checkpoint_after<'a>(
        &self,
        last: &[u8],
        seen: Option<impl Iterator<Item = &'a [u8]>>,
    ) -> Result<Value, ConnectorError> {
        let value = String::from_utf8_lossy(last);
        let (names, seen) = match (&self.key, seen) {
            (Some(names), Some(seen)) => (names, seen),
            _ => return Ok(checkpoint_payload(&self.field, Some(&value))),
        };
        let mut keys = Vec::new();
        for key in seen {
            let key: Vec<String> = serde_json::from_slice(key).map_err(|e| {
                ConnectorError::internal(format!(
                    "the hidden key column read {} (not a JSON array of texts: {})",
                    String::from_utf8_lossy(key),
                    e
                ))
            })?;
            keys.push(key);
        }
        Ok(seen_payload(&self.field, &value, names, &keys))
    }

    /// The checkpoint this read started from, when it had one (nothing new was read).
    pub fn start_checkpoint(&self) -> Option<Value> {
        let start = self.start.as_deref()?;
        Some(match (&self.key, &self.start_seen) {
            (Some(names), Some(seen)) => seen_payload(&self.field, start, names, seen),
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

    let (native, rows_agreed) = match request.native_encoding.as_deref() {
        None => (false, false),
        Some(POSTGRESQL_BINARY) => (true, false),
        Some(POSTGRESQL_BINARY_ROWS) => (true, true),
        Some(other) => {
            return Err(ConnectorError::config(format!(
                "stream {}: native encoding \"{}\" is not one this connector knows (it carries \"{}\" and \"{}\")",
                table, other, POSTGRESQL_BINARY_ROWS, POSTGRESQL_BINARY
            )))
        }
    };
    // Columns that keep whole rows from travelling (a type without binary send/receive, or
    // a value naming a type by an OID another database may not share).
    let not_in_rows: Vec<String> = selected
        .iter()
        .filter(|c| rows_agreed && !c.pg_type.travels_in_rows())
        .map(|c| format!("\"{}\" {}", c.name, c.pg_type.format_type))
        .collect();
    let whole_rows = rows_agreed && not_in_rows.is_empty();
    let mut fields = Vec::with_capacity(selected.len() + 1);
    let mut arrow_fields = Vec::with_capacity(selected.len());
    let mut select = Vec::with_capacity(selected.len() + 1);
    let mut arrow_lane = Vec::new();
    for (index, column) in selected.iter().enumerate() {
        let native = native && column.pg_type.travels_native();
        let mapping = if native {
            native_mapping(&column.pg_type)
        } else {
            map_type(&column.pg_type)
        };
        if !native {
            arrow_lane.push(format!(
                "\"{}\" {} as {}",
                column.name,
                column.pg_type.format_type,
                rapidbyte_postgres::field_type_name(&mapping.field(&column.name, true))
            ));
        }
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
            let (start, start_seen, warning) = start_cursor_seen(request.cursor.as_deref(), field)?;
            warnings.extend(warning);
            let quoted = quote_ident(field);
            select.push(format!("{}::text", quoted));
            fields.push(FieldPlan {
                decode: Decode::Cursor,
                column: usize::MAX,
                name: field.to_string(),
                native_type: column.pg_type.format_type.clone(),
            });
            // The table's primary key, else (a view has none) the one the request names.
            let key_names = if relation.primary_key.is_empty() {
                &request.primary_key
            } else {
                &relation.primary_key
            };
            let mut key = Vec::with_capacity(key_names.len());
            for name in key_names {
                key.push(relation.column(name).ok_or_else(|| {
                    ConnectorError::config(format!(
                        "primary key column \"{}\" does not exist in table {}",
                        name, table
                    ))
                })?);
            }
            let key_names: Vec<String> = key.iter().map(|c| c.name.clone()).collect();
            if !key.is_empty() {
                let texts: Vec<String> = key
                    .iter()
                    .map(|c| format!("{}.{}::text", TABLE_ALIAS, quote_ident(&c.name)))
                    .collect();
                select.push(format!("json_build_array({})::text", texts.join(", ")));
                fields.push(FieldPlan {
                    decode: Decode::CursorKey,
                    column: usize::MAX,
                    name: key_names.join(", "),
                    native_type: "key".into(),
                });
            }
            // `>=`: rows taking the checkpointed value later are read too; those already read
            // at it are skipped by key when the checkpoint lists them. Qualified by the table's
            // alias: a bare name in ORDER BY would mean the output column `<cursor>::text`
            // (also named after the cursor) and order as text.
            let qualified = format!("{}.{}", TABLE_ALIAS, quoted);
            let start_seen = start_seen
                .filter(|(names, _)| !key.is_empty() && *names == key_names)
                .map(|(_, seen)| seen);
            match &start {
                Some(value) => {
                    let literal =
                        format!("{}::{}", quote_literal(value), column.pg_type.format_type);
                    filter = format!(" WHERE {} >= {}", qualified, literal);
                    if let Some(seen) = start_seen.as_ref().filter(|seen| !seen.is_empty()) {
                        let columns: Vec<String> = key
                            .iter()
                            .map(|c| format!("{}.{}", TABLE_ALIAS, quote_ident(&c.name)))
                            .collect();
                        let rows: Vec<String> = seen
                            .iter()
                            .map(|values| {
                                let literals: Vec<String> = key
                                    .iter()
                                    .zip(values)
                                    .map(|(c, v)| {
                                        format!("{}::{}", quote_literal(v), c.pg_type.format_type)
                                    })
                                    .collect();
                                format!("({})", literals.join(", "))
                            })
                            .collect();
                        filter.push_str(&format!(
                            " AND NOT ({} = {} AND ({}) IN ({}))",
                            qualified,
                            literal,
                            columns.join(", "),
                            rows.join(", ")
                        ));
                    }
                    filter.push_str(&format!(" ORDER BY {}", qualified));
                }
                None => filter = format!(" WHERE {} IS NOT NULL ORDER BY {}", qualified, qualified),
            }
            Some(CursorPlan {
                field: field.to_string(),
                key: if key.is_empty() {
                    None
                } else {
                    Some(key_names)
                },
                start,
                start_seen,
            })
        }
    };

    let lanes = native.then(|| {
        let count = arrow_fields.len() - arrow_lane.len();
        let by_column = if not_in_rows.is_empty() {
            String::new()
        } else {
            format!(
                " (a column each, not whole rows in {}, because of: {})",
                POSTGRESQL_BINARY_ROWS,
                not_in_rows.join(", ")
            )
        };
        if whole_rows {
            format!(
                "stream {}: all {} columns travel in {} (whole rows in PostgreSQL's binary COPY form, not decoded)",
                table, count, POSTGRESQL_BINARY_ROWS
            )
        } else if arrow_lane.is_empty() {
            format!(
                "stream {}: all {} columns travel in {} (PostgreSQL's binary encoding, not decoded){}",
                table, count, POSTGRESQL_BINARY, by_column
            )
        } else {
            format!(
                "stream {}: {} columns travel in {}; {} through the Arrow mapping (types without binary send/receive): {}{}",
                table,
                count,
                POSTGRESQL_BINARY,
                arrow_lane.len(),
                arrow_lane.join(", "),
                by_column
            )
        }
    });
    // A plain table's columns as they are, with no filter, are the table's own COPY (named
    // columns, in order), which costs the server less than the same rows through a query
    // (measured: ~5% of the source backend's CPU). Not for a table with inheritance children
    // or partitions (COPY of a table reads it alone, a query its children too), nor a
    // generated column (which COPY cannot name before PostgreSQL 18).
    let as_table = relation.kind == 'r'
        && !relation.has_children
        && filter.is_empty()
        && selected.iter().all(|c| !c.generated)
        && select.len() == selected.len()
        && select
            .iter()
            .zip(&selected)
            .all(|(expression, column)| *expression == quote_ident(&column.name));
    let sql = if as_table {
        format!(
            "COPY {} ({}) TO STDOUT (FORMAT binary)",
            qualified_name(&relation.schema, &relation.name),
            select.join(", ")
        )
    } else {
        format!(
            "COPY (SELECT {} FROM {} AS {}{}) TO STDOUT (FORMAT binary)",
            select.join(", "),
            qualified_name(&relation.schema, &relation.name),
            TABLE_ALIAS,
            filter
        )
    };
    let splittable = (cursor.is_none() && matches!(relation.kind, 'r' | 'm')).then(|| {
        format!(
            "SELECT {} FROM {} AS {}",
            select.join(", "),
            qualified_name(&relation.schema, &relation.name),
            TABLE_ALIAS
        )
    });
    let schema = if whole_rows {
        Schema::new(vec![rows_field(&arrow_fields)])
    } else {
        Schema::new(arrow_fields)
    };
    Ok(ReadPlan {
        schema,
        whole_rows,
        fields,
        sql,
        splittable,
        cursor,
        warnings,
        lanes,
    })
}

/// The least pages a range of a parallel read covers (8 MiB of 8 KiB pages): a smaller table
/// is read in fewer ranges.
pub const MIN_RANGE_PAGES: u64 = 1024;

/// The page ranges a table of `pages` pages is read in with at most `parallelism`
/// connections: `(first page, end page)`, the first open below and the last open above (a
/// row of the snapshot may sit on a page added since the size was read).
pub fn page_ranges(pages: u64, parallelism: u32) -> Vec<(Option<u64>, Option<u64>)> {
    let count = (pages / MIN_RANGE_PAGES).clamp(1, u64::from(parallelism.max(1)));
    let step = pages / count;
    (0..count)
        .map(|i| {
            let start = (i > 0).then(|| i * step);
            let end = (i + 1 < count).then(|| (i + 1) * step);
            (start, end)
        })
        .collect()
}

impl ReadPlan {
    /// The COPY of one page range of a splittable plan (`None` when the plan is not).
    pub fn range_sql(&self, range: (Option<u64>, Option<u64>)) -> Option<String> {
        let select = self.splittable.as_ref()?;
        let mut conditions = Vec::new();
        if let Some(start) = range.0 {
            conditions.push(format!("{}.ctid >= '({},0)'::tid", TABLE_ALIAS, start));
        }
        if let Some(end) = range.1 {
            conditions.push(format!("{}.ctid < '({},0)'::tid", TABLE_ALIAS, end));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        Some(format!(
            "COPY ({}{}) TO STDOUT (FORMAT binary)",
            select, filter
        ))
    }
}

/// The checkpoint this connector writes: `{"cursor_field": ..., "cursor": "<text>"}`.
pub fn checkpoint_payload(field: &str, cursor: Option<&str>) -> Value {
    json!({"cursor_field": field, "cursor": cursor})
}

/// A checkpoint that also lists the keys of the rows read at its value: `{"cursor_field":
/// ..., "cursor": "<text>", "key": ["<column>", ...], "seen": [["<text>", ...], ...]}`.
pub fn seen_payload(field: &str, cursor: &str, names: &[String], seen: &[Vec<String>]) -> Value {
    json!({"cursor_field": field, "cursor": cursor, "key": names, "seen": seen})
}

#[derive(Deserialize)]
struct Checkpoint {
    cursor_field: Option<String>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct SeenCheckpoint {
    key: Vec<String>,
    seen: Vec<Vec<String>>,
}

/// [`start_cursor`], with the key columns and the keys already read at the value, when the
/// checkpoint lists them.
#[allow(clippy::type_complexity)]
fn start_cursor_seen(
    checkpoint: Option<&str>,
    field: &str,
) -> Result<
    (
        Option<String>,
        Option<(Vec<String>, Vec<Vec<String>>)>,
        Option<String>,
    ),
    ConnectorError,
> {
    let (start, warning) = start_cursor(checkpoint, field)?;
    let seen = match (&start, checkpoint) {
        (Some(_), Some(text)) => serde_json::from_str::<SeenCheckpoint>(text)
            .ok()
            .map(|c| (c.key, c.seen)),
        _ => None,
    };
    Ok((start, seen, warning))
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
            generated: false,
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
                    generated: false,
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
            has_children: false,
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
            native_encoding: None,
            parallelism: None,
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
    fn a_table_splits_into_page_ranges_of_at_least_min_range_pages() {
        assert_eq!(page_ranges(0, 4), vec![(None, None)]);
        assert_eq!(page_ranges(MIN_RANGE_PAGES * 2 - 1, 4), vec![(None, None)]);
        assert_eq!(
            page_ranges(10_000, 4),
            vec![
                (None, Some(2500)),
                (Some(2500), Some(5000)),
                (Some(5000), Some(7500)),
                (Some(7500), None)
            ]
        );
        assert_eq!(page_ranges(3 * MIN_RANGE_PAGES, 8).len(), 3);
        assert_eq!(page_ranges(10_000, 1), vec![(None, None)]);

        let plan = plan_read(&table(), &request(Some(vec!["id"])), false).unwrap();
        assert_eq!(
            plan.range_sql((Some(2500), Some(5000))).unwrap(),
            "COPY (SELECT \"id\" FROM \"Sales Data\".\"Order \"\"Lines\"\"\" AS t WHERE t.ctid >= '(2500,0)'::tid AND t.ctid < '(5000,0)'::tid) TO STDOUT (FORMAT binary)"
        );
        assert_eq!(
            plan.range_sql((None, None)).unwrap(),
            "COPY (SELECT \"id\" FROM \"Sales Data\".\"Order \"\"Lines\"\"\" AS t) TO STDOUT (FORMAT binary)"
        );
        // Incremental reads go in cursor order, views have no pages: one connection.
        assert!(plan_read(&table(), &incremental(None), false).unwrap().splittable.is_none());
        let mut view = table();
        view.kind = 'v';
        assert!(plan_read(&view, &request(None), false).unwrap().splittable.is_none());
    }

    #[test]
    fn a_column_list_picks_and_orders() {
        let plan = plan_read(&table(), &request(Some(vec!["Select", "id"])), false).unwrap();
        assert_eq!(
            plan.sql,
            "COPY \"Sales Data\".\"Order \"\"Lines\"\"\" (\"Select\", \"id\") TO STDOUT (FORMAT binary)"
        );
        assert_eq!(plan.fields[1].column, 1);
        assert_eq!(plan.schema.fields[1].name, "id");
    }

    #[test]
    fn a_plain_tables_columns_as_they_are_are_read_by_the_tables_own_copy_and_anything_else_by_a_query() {
        let columns = request(Some(vec!["id", "Select"]));
        let sql = |relation: &PgRelation, request: &StreamRequest| {
            plan_read(relation, request, false).unwrap().sql
        };
        assert_eq!(
            sql(&table(), &columns),
            "COPY \"Sales Data\".\"Order \"\"Lines\"\"\" (\"id\", \"Select\") TO STDOUT (FORMAT binary)"
        );
        let query = "COPY (SELECT \"id\", \"Select\" FROM \"Sales Data\".\"Order \"\"Lines\"\"\" AS t) TO STDOUT (FORMAT binary)";
        // COPY of a table reads it alone; a query its inheritance children and partitions too.
        let mut parent = table();
        parent.has_children = true;
        assert_eq!(sql(&parent, &columns), query);
        // COPY cannot name a generated column (before PostgreSQL 18).
        let mut generated = table();
        generated.columns[1].generated = true;
        assert_eq!(sql(&generated, &columns), query);
        for kind in ['p', 'v', 'm'] {
            let mut other = table();
            other.kind = kind;
            assert_eq!(sql(&other, &columns), query, "relkind {}", kind);
        }
        // A column read as text (a cast), and an incremental read (a filter and an order).
        assert!(sql(&table(), &request(Some(vec!["id", "prix ünit"]))).starts_with("COPY (SELECT"));
        assert!(sql(&table(), &incremental(None)).starts_with("COPY (SELECT"));
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
            generated: false,
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
                start_seen: None,
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
    fn with_a_key_a_checkpoint_lists_the_rows_read_at_its_value_and_the_next_read_skips_them() {
        let relation = table();
        assert_eq!(relation.primary_key, vec!["id".to_string()]);
        let plan = plan_read(&relation, &incremental(None), false).unwrap();
        assert!(
            plan.sql.contains(
                "\"updated_at\"::text, json_build_array(t.\"id\"::text)::text FROM \"Sales Data\".\"Order \"\"Lines\"\"\" AS t \
                 WHERE t.\"updated_at\" IS NOT NULL ORDER BY t.\"updated_at\")"
            ),
            "{}",
            plan.sql
        );
        assert_eq!(plan.fields.last().unwrap().decode, Decode::CursorKey);
        let cursor = plan.cursor.unwrap();
        assert_eq!(cursor.key, Some(vec!["id".to_string()]));
        let seen: Vec<&[u8]> = vec![br#"["40"]"#, br#"["41"]"#];
        let checkpoint = cursor
            .checkpoint_after(b"2024-01-02 03:04:05+00", Some(seen.into_iter()))
            .unwrap();
        assert_eq!(
            checkpoint,
            json!({"cursor_field": "updated_at", "cursor": "2024-01-02 03:04:05+00", "key": ["id"], "seen": [["40"], ["41"]]})
        );
        // Too many rows at one value: the value alone, read again from it.
        let bare = cursor
            .checkpoint_after(b"2024-01-02", None::<std::vec::IntoIter<&[u8]>>)
            .unwrap();
        assert_eq!(
            bare,
            json!({"cursor_field": "updated_at", "cursor": "2024-01-02"})
        );

        // From the value, inclusive (a row updated to it later has any key), without the rows
        // already read at it.
        let resumed = plan_read(
            &relation,
            &incremental(Some(&checkpoint.to_string())),
            false,
        )
        .unwrap();
        assert!(
            resumed.sql.contains(
                " WHERE t.\"updated_at\" >= '2024-01-02 03:04:05+00'::timestamp with time zone \
                 AND NOT (t.\"updated_at\" = '2024-01-02 03:04:05+00'::timestamp with time zone \
                 AND (t.\"id\") IN (('40'::bigint), ('41'::bigint))) ORDER BY t.\"updated_at\")"
            ),
            "{}",
            resumed.sql
        );
        let resumed_cursor = resumed.cursor.unwrap();
        assert_eq!(
            resumed_cursor.start_seen,
            Some(vec![vec!["40".to_string()], vec!["41".to_string()]])
        );
        // Nothing new: the same checkpoint again.
        assert_eq!(resumed_cursor.start_checkpoint(), Some(checkpoint.clone()));

        // A checkpoint of other key columns, or none, reads the value's rows again.
        let mut other = relation.clone();
        other.primary_key = vec!["Select".into()];
        let plan = plan_read(&other, &incremental(Some(&checkpoint.to_string())), false).unwrap();
        assert!(!plan.sql.contains("AND NOT"), "{}", plan.sql);
        let plan = plan_read(&relation, &incremental(Some(&bare.to_string())), false).unwrap();
        assert!(!plan.sql.contains("AND NOT"), "{}", plan.sql);
    }

    #[test]
    fn a_view_takes_its_key_from_the_stream_request() {
        let mut relation = table();
        relation.primary_key.clear();
        let plan = plan_read(&relation, &incremental(None), false).unwrap();
        assert_eq!(plan.cursor.unwrap().key, None);
        let request = StreamRequest {
            primary_key: vec!["id".into()],
            ..incremental(None)
        };
        let plan = plan_read(&relation, &request, false).unwrap();
        assert_eq!(plan.cursor.unwrap().key, Some(vec!["id".to_string()]));
        let request = StreamRequest {
            primary_key: vec!["nope".into()],
            ..incremental(None)
        };
        let error = plan_read(&relation, &request, false).unwrap_err();
        assert_eq!(error.category, ErrorCategory::Config);
        assert!(
            error.message.contains("\"nope\" does not exist"),
            "{}",
            error.message
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
