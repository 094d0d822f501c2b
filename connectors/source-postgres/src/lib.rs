//! Rapidbyte source connector for PostgreSQL.
//!
//! - `check`: connects and authenticates; the configured schema must exist.
//! - `discover`: every table, partitioned table, view and materialized view of the schema,
//!   with columns (attnum order), PostgreSQL and Arrow types, nullability, primary key.
//! - `read`: `COPY (SELECT ...) TO STDOUT (FORMAT binary)` decoded straight into Arrow
//!   batches (one COPY = one consistent snapshot), bounded by the stream's
//!   `max_batch_rows`/`max_batch_bytes`. Types: see `rapidbyte_postgres` (the mapping table).
//!
//! Incremental reads take rows in cursor order and checkpoint the last row's cursor after
//! every batch: `{"cursor_field": ..., "cursor": "<value, as PostgreSQL text>"}`. The next
//! read starts at that value (`>=`): a row may take it later (an update, a late commit) with
//! any key, and must not be skipped. With a key (the table's primary key; a view's: the
//! request's `primary_key`) the checkpoint also lists the keys of the rows read at its value
//! (`"key": [...], "seen": [[...], ...]`, at most `MAX_SEEN_KEYS`), and the next read skips
//! exactly those, so no row is read twice. Without, the rows at that value are read again
//! (never lost; an upsert destination absorbs them). Rows whose cursor is NULL are never
//! read incrementally.

mod decode;
mod plan;
#[cfg(target_arch = "wasm32")]
mod read;

pub use decode::{CopyDecoder, Decode, FieldPlan, Limits, Progress};
pub use plan::{
    checkpoint_payload, page_ranges, plan_read, start_cursor, CursorPlan, ReadPlan,
    MIN_RANGE_PAGES,
};

use rapidbyte_postgres::types::{POSTGRESQL_BINARY, POSTGRESQL_BINARY_ROWS};
use rapidbyte_postgres::{field_type_name, map_type, PgConfig, PgRelation};
use rapidbyte_sdk::protocol::{Column, ConnectorSpec, StreamSchema, SyncMode, PROTOCOL_VERSION};
use serde::Deserialize;
use serde_json::json;

/// The connector's config: the PostgreSQL connection (its `schema` is where the streams'
/// tables are) and whether columns may travel in PostgreSQL's own binary encoding.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceConfig {
    #[serde(flatten)]
    pub pg: PgConfig,
    /// When the destination takes `postgresql-binary` too (another PostgreSQL), carry
    /// every column whose type allows it in PostgreSQL's binary encoding, untouched; off:
    /// every column goes through the Arrow mapping.
    #[serde(default = "default_native_lane")]
    pub native_lane: bool,
}

fn default_native_lane() -> bool {
    true
}

/// The connector's spec: its name, config schema, sync modes and native encoding.
pub fn spec() -> ConnectorSpec {
    let mut schema = rapidbyte_postgres::config_schema();
    schema["title"] = json!("PostgreSQL source");
    schema["properties"]["native_lane"] = json!({
        "type": "boolean",
        "default": true,
        "description": "When the destination is PostgreSQL too, carry each column whose type allows it in PostgreSQL's binary encoding (exact for every such value, and not decoded); false: every column through the Arrow mapping."
    });
    ConnectorSpec {
        name: "source-postgres".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        protocol_version: PROTOCOL_VERSION,
        config_schema: schema.to_string(),
        supported_sync_modes: vec![SyncMode::FullRefresh, SyncMode::Incremental],
        supported_write_modes: vec![],
        commit_markers: false,
        native_encodings: vec![POSTGRESQL_BINARY_ROWS.into(), POSTGRESQL_BINARY.into()],
    }
}

/// What discover reports for one relation; `native_lane`: the config's.
pub fn stream_schema(relation: &PgRelation, native_lane: bool) -> StreamSchema {
    StreamSchema {
        name: relation.name.clone(),
        columns: relation
            .columns
            .iter()
            .map(|column| {
                let mapping = map_type(&column.pg_type);
                let field = mapping.field(&column.name, !column.not_null);
                Column {
                    name: column.name.clone(),
                    native_type: column.pg_type.format_type.clone(),
                    arrow_type: field_type_name(&field),
                    nullable: !column.not_null,
                    native_encoding: (native_lane && column.pg_type.travels_native())
                        .then(|| POSTGRESQL_BINARY.to_string()),
                }
            })
            .collect(),
        primary_key: relation.primary_key.clone(),
    }
}

#[cfg(target_arch = "wasm32")]
mod connector {
    use crate::SourceConfig;
    use rapidbyte_postgres::{catalog, connect};
    use rapidbyte_sdk::protocol::{
        CheckResult, ConnectorSpec, StreamRequest, StreamSchema, StreamSummary,
    };
    use rapidbyte_sdk::{Connector, ConnectorError, LocalBoxFuture};

    #[derive(Default)]
    pub struct SourcePostgres;

    impl Connector for SourcePostgres {
        type Config = SourceConfig;

        fn spec() -> ConnectorSpec {
            crate::spec()
        }

        fn check(
            &mut self,
            config: SourceConfig,
        ) -> LocalBoxFuture<'_, Result<CheckResult, ConnectorError>> {
            Box::pin(async move {
                let config = config.pg;
                let (client, session) = connect(&config).await?;
                let schema = config.schema();
                if !catalog::schema_exists(&client, schema).await? {
                    return Err(ConnectorError::config(format!(
                        "schema \"{}\" does not exist in database \"{}\"",
                        schema, config.database
                    )));
                }
                Ok(CheckResult {
                    ok: true,
                    message: format!(
                        "connected to PostgreSQL {} as \"{}\", database \"{}\", schema \"{}\"",
                        session.server_version, config.user, config.database, schema
                    ),
                })
            })
        }

        fn discover(
            &mut self,
            config: SourceConfig,
        ) -> LocalBoxFuture<'_, Result<Vec<StreamSchema>, ConnectorError>> {
            Box::pin(async move {
                let (client, _) = connect(&config.pg).await?;
                let relations = catalog::relations(&client, config.pg.schema()).await?;
                Ok(relations
                    .iter()
                    .map(|relation| crate::stream_schema(relation, config.native_lane))
                    .collect())
            })
        }

        fn read(
            &mut self,
            config: SourceConfig,
            stream: StreamRequest,
        ) -> LocalBoxFuture<'_, Result<StreamSummary, ConnectorError>> {
            Box::pin(crate::read::read(config, stream))
        }
    }
}

#[cfg(target_arch = "wasm32")]
rapidbyte_sdk::connector!(connector::SourcePostgres);

#[cfg(test)]
mod decode_bench;
#[cfg(test)]
mod tests;
