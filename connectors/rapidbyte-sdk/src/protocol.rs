//! The records of wit `types` as they cross the boundary: JSON with snake_case members and
//! snake_case enum strings. The host leaves null members out, so every `option` (serde
//! reads an absent one as `None`) and every member with a sensible default may be absent.

use serde::{Deserialize, Serialize};

/// The protocol version this SDK speaks (wit/LOWERING.md); `spec` reports it.
pub const PROTOCOL_VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    FullRefresh,
    Incremental,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    Append,
    Replace,
    Upsert,
}

/// What `spec` returns: who the connector is and what it supports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorSpec {
    pub name: String,
    pub version: String,
    pub protocol_version: u32,
    /// JSON Schema (draft-07) of the connector's config, as JSON text (a wit `string`).
    pub config_schema: String,
    pub supported_sync_modes: Vec<SyncMode>,
    pub supported_write_modes: Vec<WriteMode>,
    /// Whether `write` keeps the commit marker a stream request asks for
    /// ([`StreamRequest::marker`]) and `committed` reads it back.
    #[serde(default)]
    pub commit_markers: bool,
    /// The native encodings the connector can carry column values in besides the Arrow
    /// mapping, most preferred first (e.g. `postgresql-binary`). When a source's and a
    /// destination's lists share one, the host names it in both stream requests
    /// ([`StreamRequest::native_encoding`]).
    #[serde(default)]
    pub native_encodings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub ok: bool,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The type in the source system's own words, e.g. `numeric(12,2)`.
    pub native_type: String,
    /// The Arrow type the column is read as, e.g. `decimal128(12,2)`, `utf8`.
    pub arrow_type: String,
    pub nullable: bool,
    /// The native encoding the column travels in when the stream is read with one
    /// ([`StreamRequest::native_encoding`]), e.g. `postgresql-binary`; `None`: it keeps the
    /// Arrow mapping (`arrow_type`) even then.
    #[serde(default)]
    pub native_encoding: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSchema {
    pub name: String,
    pub columns: Vec<Column>,
    #[serde(default)]
    pub primary_key: Vec<String>,
}

/// How large one batch may grow; a batch holds at most `max_batch_rows` rows and roughly
/// `max_batch_bytes` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    pub max_batch_rows: u32,
    pub max_batch_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_batch_rows: 10_000,
            max_batch_bytes: 8 * 1024 * 1024,
        }
    }
}

/// One stream (a table) as the pipeline asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamRequest {
    pub name: String,
    /// The columns to read, in this order; `None` reads them all.
    pub columns: Option<Vec<String>>,
    pub sync_mode: SyncMode,
    pub cursor_field: Option<String>,
    /// The last checkpointed cursor, as JSON text exactly as the connector wrote it.
    pub cursor: Option<String>,
    pub write_mode: Option<WriteMode>,
    #[serde(default)]
    pub primary_key: Vec<String>,
    #[serde(default)]
    pub limits: Limits,
    /// Destination: keep this stream's commit marker, in the same transaction as the rows.
    #[serde(default)]
    pub marker: Option<MarkerKey>,
    /// The native encoding both ends of the stream support (one of both specs'
    /// `native_encodings`), or `None`: the Arrow mapping only. A source may then carry a
    /// column's values in it (an Arrow `binary` column whose field metadata
    /// `rapidbyte.native_encoding` names it); a destination must take such columns.
    #[serde(default)]
    pub native_encoding: Option<String>,
    /// Source, full refresh of a table: read it with at most this many connections sharing
    /// one snapshot, each a range of the table's pages. Destination: write with at most
    /// this many connections where the write mode allows, the rows still committed as one.
    /// Absent (or 1): one connection.
    #[serde(default)]
    pub parallelism: Option<u32>,
}

/// Which commit marker a destination keeps: the stream's (its pipeline's and its own name,
/// as the host spells them) and the run writing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerKey {
    pub stream: String,
    pub run: String,
}

/// What a destination committed last of a stream, stored in its own database with the rows
/// (the `committed` operation reads it back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitMarker {
    /// The run that committed it ([`MarkerKey::run`]).
    pub run: String,
    /// The source checkpoint covering exactly the rows committed, if the source gave one.
    pub checkpoint: Option<String>,
    /// That commit was the run's last: the whole stream is in.
    pub complete: bool,
}

/// What `read` and `write` return when they finish.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSummary {
    pub rows: u64,
    pub bytes: u64,
    pub batches: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_minimal_stream_request_takes_the_defaults() {
        let request: StreamRequest =
            serde_json::from_value(json!({"name": "users", "sync_mode": "full_refresh"})).unwrap();
        assert_eq!(
            request,
            StreamRequest {
                name: "users".into(),
                columns: None,
                sync_mode: SyncMode::FullRefresh,
                cursor_field: None,
                cursor: None,
                write_mode: None,
                primary_key: vec![],
                limits: Limits {
                    max_batch_rows: 10_000,
                    max_batch_bytes: 8_388_608
                },
                marker: None,
                native_encoding: None,
                parallelism: None,
            }
        );
    }

    #[test]
    fn a_full_stream_request_reads_every_member() {
        let request: StreamRequest = serde_json::from_value(json!({
            "name": "orders",
            "columns": ["id", "total"],
            "sync_mode": "incremental",
            "cursor_field": "updated_at",
            "cursor": "{\"updated_at\":\"2024-01-01\"}",
            "write_mode": "upsert",
            "primary_key": ["id"],
            "limits": {"max_batch_rows": 500},
            "native_encoding": "postgresql-binary",
            "parallelism": 4
        }))
        .unwrap();
        assert_eq!(
            request.columns,
            Some(vec!["id".to_string(), "total".to_string()])
        );
        assert_eq!(request.sync_mode, SyncMode::Incremental);
        assert_eq!(request.cursor_field.as_deref(), Some("updated_at"));
        assert_eq!(
            request.cursor.as_deref(),
            Some("{\"updated_at\":\"2024-01-01\"}")
        );
        assert_eq!(request.write_mode, Some(WriteMode::Upsert));
        assert_eq!(request.primary_key, vec!["id".to_string()]);
        assert_eq!(request.native_encoding.as_deref(), Some("postgresql-binary"));
        assert_eq!(request.parallelism, Some(4));
        assert_eq!(
            request.limits,
            Limits {
                max_batch_rows: 500,
                max_batch_bytes: 8_388_608
            }
        );
    }

    #[test]
    fn null_options_read_as_none() {
        let request: StreamRequest = serde_json::from_value(
            json!({"name": "t", "sync_mode": "full_refresh", "cursor": null, "write_mode": null}),
        )
        .unwrap();
        assert_eq!(request.cursor, None);
        assert_eq!(request.write_mode, None);
    }

    #[test]
    fn an_unknown_sync_mode_is_rejected_by_name() {
        let error =
            serde_json::from_value::<StreamRequest>(json!({"name": "t", "sync_mode": "cdc"}))
                .unwrap_err();
        assert!(
            error.to_string().contains("unknown variant `cdc`"),
            "{}",
            error
        );
    }

    #[test]
    fn spec_serializes_with_snake_case_members_and_enums() {
        let spec = ConnectorSpec {
            name: "source-postgres".into(),
            version: "0.1.0".into(),
            protocol_version: PROTOCOL_VERSION,
            config_schema: "{\"type\":\"object\"}".into(),
            supported_sync_modes: vec![SyncMode::FullRefresh, SyncMode::Incremental],
            supported_write_modes: vec![WriteMode::Append, WriteMode::Replace, WriteMode::Upsert],
            commit_markers: false,
            native_encodings: vec!["postgresql-binary".into()],
        };
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            json!({
                "name": "source-postgres",
                "version": "0.1.0",
                "protocol_version": PROTOCOL_VERSION,
                "config_schema": "{\"type\":\"object\"}",
                "supported_sync_modes": ["full_refresh", "incremental"],
                "supported_write_modes": ["append", "replace", "upsert"],
                "commit_markers": false,
                "native_encodings": ["postgresql-binary"]
            })
        );
    }

    #[test]
    fn schema_check_result_and_summary_serialize_as_records() {
        let schema = StreamSchema {
            name: "users".into(),
            columns: vec![Column {
                name: "id".into(),
                native_type: "bigint".into(),
                arrow_type: "int64".into(),
                nullable: false,
                native_encoding: Some("postgresql-binary".into()),
            }],
            primary_key: vec!["id".into()],
        };
        assert_eq!(
            serde_json::to_value(&schema).unwrap(),
            json!({
                "name": "users",
                "columns": [{"name": "id", "native_type": "bigint", "arrow_type": "int64", "nullable": false, "native_encoding": "postgresql-binary"}],
                "primary_key": ["id"]
            })
        );
        assert_eq!(
            serde_json::to_value(CheckResult {
                ok: true,
                message: "ok".into()
            })
            .unwrap(),
            json!({"ok": true, "message": "ok"})
        );
        assert_eq!(
            serde_json::to_value(StreamSummary {
                rows: 5,
                bytes: 120,
                batches: 1
            })
            .unwrap(),
            json!({"rows": 5, "bytes": 120, "batches": 1})
        );
    }
}
