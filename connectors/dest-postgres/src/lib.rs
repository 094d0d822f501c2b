//! Rapidbyte destination connector for PostgreSQL.
//!
//! - `check`: connects and authenticates, and verifies the user may create tables in the
//!   configured schema (or, when the schema is missing, create it in the database).
//! - `write`: takes Arrow batches and writes them with `COPY ... FROM STDIN (FORMAT
//!   binary)`, encoded straight from the batches' column buffers ([`encode`]).
//!
//! On the first batch the schema and table are created when missing, typed from each
//! field's `rapidbyte.native_type` (so PostgreSQL → PostgreSQL reproduces the column types;
//! an enum missing here is created from `rapidbyte.enum_labels`, a composite or range from
//! `rapidbyte.type_definition`, a domain from `rapidbyte.domains`), else from the Arrow type.
//! A domain's default and checks are the source's SQL text: each statement that holds them
//! goes alone through the extended protocol, which refuses a second statement in it.
//! An existing table gains the stream's new columns; a column whose type cannot take the
//! stream's values is a schema error before any row is written ([`schema::choose`] says
//! what fits). No batch at all (the source ended at once) writes nothing.
//!
//! Columns whose values are text standing for another type (inet, cidr, arrays, timetz,
//! `"char"`, ...) go through a session-temporary staging table as `text` and are cast by
//! `INSERT ... SELECT`; every other column, and every column of most tables, goes straight
//! into the table.
//!
//! Write modes:
//! - `append`: transactions of at most `commit_rows` rows / `commit_bytes` COPY bytes;
//!   after each commit a checkpoint `{"rows": <rows committed so far>}`. A table append
//!   creates gets no primary key: append adds every row it is given (a key on an existing
//!   table is honoured: a duplicate is a data error). When the request names a `marker`,
//!   each transaction also sets the stream's row in `rapidbyte_commit_markers` (the run, the
//!   source checkpoint covering exactly the rows committed, whether the stream is complete)
//!   and ends only where `source_checkpoint` gives one (a full refresh: once, at its end), so
//!   the host can resume right after the committed rows (`committed` reads the marker).
//! - `replace`: loads `<table>__rb_replace` (a leftover from a failed run is dropped
//!   first), then in one transaction drops the table and renames the new one (and its
//!   primary key) into place: readers see the old table or the new, never a mix. A failure
//!   before the swap drops the staging table and leaves the table as it was. One
//!   checkpoint, after the swap. The new table's primary key is the request's, else the
//!   old table's (when the stream still has its columns); grants, indexes and dependent
//!   objects of the old table are not carried over (a view on it makes the swap fail).
//! - `upsert` on the request's primary key (else the table's; a table upsert creates gets
//!   it as its primary key, an existing one needs a unique index on it): per transaction, COPY into
//!   a staging table with an arrival-order column, then `INSERT ... SELECT DISTINCT ON
//!   (key) ... ORDER BY key, seq DESC ON CONFLICT (key) DO UPDATE`: the last arrival per key
//!   wins and replays are idempotent.
//!
//! With the request's `parallelism` above 1, `replace` deals the batches round up to that
//! many connections (each opened when a batch first reaches it), all loading its staging
//! table, and commits them at the end, before the swap (one connection when its columns are
//! cast through the session's staging table). `append` and `upsert` keep one connection:
//! append's rows must appear in one commit with the commit marker, upsert's merge needs the
//! arrival order.
//!
//! A failed or cancelled source rolls the open transaction back (the COPY is aborted);
//! cancellation during a statement also sends the server a CancelRequest.

pub mod encode;
pub mod native;
pub mod schema;
pub mod sql;
#[cfg(target_arch = "wasm32")]
mod writer;

#[cfg(test)]
mod encode_bench;
#[cfg(test)]
mod encode_tests;
#[cfg(test)]
mod schema_tests;

use rapidbyte_postgres::PgConfig;
use rapidbyte_sdk::protocol::{ConnectorSpec, SyncMode, WriteMode, PROTOCOL_VERSION};
use rapidbyte_sdk::ConnectorError;
use serde::Deserialize;
use serde_json::json;

pub const DEFAULT_COMMIT_ROWS: u64 = 500_000;
pub const DEFAULT_COMMIT_BYTES: u64 = 256 * 1024 * 1024;

/// The connector's config: the PostgreSQL connection (its `schema` is where tables are
/// written, created when missing) and how large a transaction may grow.
#[derive(Debug, Clone, Deserialize)]
pub struct DestConfig {
    #[serde(flatten)]
    pub pg: PgConfig,
    /// A transaction commits after the batch that brings it to this many rows.
    #[serde(default = "default_commit_rows")]
    pub commit_rows: u64,
    /// ... or to this many bytes of COPY data.
    #[serde(default = "default_commit_bytes")]
    pub commit_bytes: u64,
}

fn default_commit_rows() -> u64 {
    DEFAULT_COMMIT_ROWS
}

fn default_commit_bytes() -> u64 {
    DEFAULT_COMMIT_BYTES
}

impl DestConfig {
    pub fn validate(&self) -> Result<(), ConnectorError> {
        if self.commit_rows == 0 || self.commit_bytes == 0 {
            return Err(ConnectorError::config(
                "commit_rows and commit_bytes must be at least 1",
            ));
        }
        Ok(())
    }
}

pub fn spec() -> ConnectorSpec {
    let mut schema = rapidbyte_postgres::config_schema();
    schema["title"] = json!("PostgreSQL destination");
    let properties = &mut schema["properties"];
    properties["schema"] = json!({
        "type": "string",
        "default": "public",
        "description": "Schema the tables are written to; created when missing."
    });
    properties["commit_rows"] = json!({
        "type": "integer",
        "minimum": 1,
        "default": DEFAULT_COMMIT_ROWS,
        "description": "A transaction commits (and the progress is checkpointed) once it holds this many rows."
    });
    properties["commit_bytes"] = json!({
        "type": "integer",
        "minimum": 1,
        "default": DEFAULT_COMMIT_BYTES,
        "description": "... or this many bytes of COPY data."
    });
    ConnectorSpec {
        name: "dest-postgres".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        protocol_version: PROTOCOL_VERSION,
        config_schema: schema.to_string(),
        supported_sync_modes: vec![SyncMode::FullRefresh, SyncMode::Incremental],
        supported_write_modes: vec![WriteMode::Append, WriteMode::Replace, WriteMode::Upsert],
        commit_markers: true,
        native_encodings: vec![
            rapidbyte_postgres::types::POSTGRESQL_BINARY_ROWS.into(),
            rapidbyte_postgres::types::POSTGRESQL_BINARY.into(),
        ],
    }
}

#[cfg(target_arch = "wasm32")]
mod connector {
    use crate::DestConfig;
    use rapidbyte_sdk::protocol::{
        CheckResult, CommitMarker, ConnectorSpec, StreamRequest, StreamSummary,
    };
    use rapidbyte_sdk::{Connector, ConnectorError, LocalBoxFuture};

    #[derive(Default)]
    pub struct DestPostgres {
        /// The connection the run's `committed` read the marker on, for its `write`.
        kept: Option<crate::writer::Kept>,
    }

    impl Connector for DestPostgres {
        type Config = DestConfig;

        fn spec() -> ConnectorSpec {
            crate::spec()
        }

        fn check(
            &mut self,
            config: DestConfig,
        ) -> LocalBoxFuture<'_, Result<CheckResult, ConnectorError>> {
            Box::pin(async move { crate::writer::check(&config).await })
        }

        fn write(
            &mut self,
            config: DestConfig,
            stream: StreamRequest,
        ) -> LocalBoxFuture<'_, Result<StreamSummary, ConnectorError>> {
            let kept = self.kept.take();
            Box::pin(async move { crate::writer::write(config, stream, kept).await })
        }

        fn committed(
            &mut self,
            config: DestConfig,
            stream: StreamRequest,
        ) -> LocalBoxFuture<'_, Result<Option<CommitMarker>, ConnectorError>> {
            Box::pin(async move {
                // A connection kept from an earlier `committed` and not written with ends here.
                self.kept = None;
                let (marker, kept) = crate::writer::committed(config, stream).await?;
                self.kept = Some(kept);
                Ok(marker)
            })
        }

        /// Ends a kept connection (Terminate) before the instance goes.
        fn close(&mut self) -> LocalBoxFuture<'_, Result<(), ConnectorError>> {
            self.kept = None;
            Box::pin(async { Ok(()) })
        }
    }
}

#[cfg(target_arch = "wasm32")]
rapidbyte_sdk::connector!(connector::DestPostgres);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_takes_the_connection_and_the_transaction_bounds() {
        let config: DestConfig = serde_json::from_value(json!({
            "host": "db", "port": 6543, "user": "app", "password": "pw", "database": "shop", "schema": "Sales"
        }))
        .unwrap();
        assert_eq!(config.pg.port, 6543);
        assert_eq!(config.pg.schema(), "Sales");
        assert_eq!(
            (config.commit_rows, config.commit_bytes),
            (500_000, 256 << 20)
        );
        let config: DestConfig = serde_json::from_value(json!({
            "host": "db", "user": "app", "database": "shop", "commit_rows": 10, "commit_bytes": 4096
        }))
        .unwrap();
        assert_eq!((config.commit_rows, config.commit_bytes), (10, 4096));
        assert!(config.validate().is_ok());
        let zero: DestConfig = serde_json::from_value(json!({
            "host": "db", "user": "app", "database": "shop", "commit_rows": 0
        }))
        .unwrap();
        assert!(zero.validate().is_err());
        assert!(
            serde_json::from_value::<DestConfig>(json!({"host": "db", "user": "app"})).is_err()
        );
    }

    #[test]
    fn the_schema_lists_exactly_the_keys_the_config_reads() {
        let schema: serde_json::Value = serde_json::from_str(&spec().config_schema).unwrap();
        let mut keys: Vec<String> = rapidbyte_postgres::struct_keys::<PgConfig>()
            .iter()
            .chain(&["commit_rows", "commit_bytes"])
            .map(|k| k.to_string())
            .collect();
        keys.sort();
        assert_eq!(rapidbyte_postgres::schema_keys(&schema), keys);
        assert_eq!(schema["additionalProperties"], json!(false));
        // Every key the schema names is read: a value for each changes the config.
        let config: DestConfig = serde_json::from_value(json!({
            "host": "db", "port": "6543", "user": "app", "password": "pw", "database": "shop",
            "schema": "s", "strict_types": true, "commit_rows": 7, "commit_bytes": 9
        }))
        .unwrap();
        assert_eq!((config.commit_rows, config.commit_bytes), (7, 9));
        assert!(config.pg.strict_types);
    }

    #[test]
    fn the_spec_names_the_connector_its_modes_and_a_secret_password() {
        let spec = spec();
        assert_eq!(spec.name, "dest-postgres");
        assert_eq!(spec.supported_write_modes.len(), 3);
        let schema: serde_json::Value = serde_json::from_str(&spec.config_schema).unwrap();
        assert_eq!(schema["properties"]["password"]["secret"], json!(true));
        assert_eq!(
            schema["properties"]["commit_rows"]["default"],
            json!(500_000)
        );
        assert_eq!(
            schema["properties"]["commit_bytes"]["default"],
            json!(268_435_456)
        );
    }
}
