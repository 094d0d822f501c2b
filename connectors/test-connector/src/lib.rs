//! A connector whose behaviour the host's tests choose with `config.scenario`: the
//! well-behaved and the hostile guests the runtime must handle (see `scenarios`).

mod scenarios;

use rapidbyte_sdk::protocol::{
    CheckResult, Column, ConnectorSpec, StreamRequest, StreamSchema, StreamSummary, SyncMode,
    WriteMode, PROTOCOL_VERSION,
};
use rapidbyte_sdk::{Connector, ConnectorError, LocalBoxFuture};
use scenarios::postgres::{self, PgLogin};
use scenarios::Scenario;
use serde_json::Value;

#[derive(Default)]
pub struct TestConnector;

impl Connector for TestConnector {
    /// Parsed per operation: `check` accepts any scenario, `read`/`write` name one.
    type Config = Value;

    fn spec() -> ConnectorSpec {
        ConnectorSpec {
            name: "test-connector".into(),
            version: "0.1.0".into(),
            protocol_version: PROTOCOL_VERSION,
            config_schema: scenarios::config_schema().to_string(),
            supported_sync_modes: vec![SyncMode::FullRefresh],
            supported_write_modes: vec![WriteMode::Append],
            commit_markers: false,
            native_encodings: vec![],
        }
    }

    /// `pg_query` logs in to its server; every other scenario has nothing to check.
    fn check(&mut self, config: Value) -> LocalBoxFuture<'_, Result<CheckResult, ConnectorError>> {
        Box::pin(async move {
            if config.get("scenario").and_then(Value::as_str) == Some("pg_query") {
                let login: PgLogin = serde_json::from_value(config)?;
                postgres::connect(&login).await?;
            }
            Ok(CheckResult {
                ok: true,
                message: "ok".into(),
            })
        })
    }

    fn discover(
        &mut self,
        _config: Value,
    ) -> LocalBoxFuture<'_, Result<Vec<StreamSchema>, ConnectorError>> {
        Box::pin(async {
            Ok(vec![StreamSchema {
                name: "test".into(),
                columns: vec![Column {
                    name: "id".into(),
                    native_type: "bigint".into(),
                    arrow_type: "int64".into(),
                    nullable: false,
                    native_encoding: None,
                }],
                primary_key: vec!["id".into()],
            }])
        })
    }

    fn read(
        &mut self,
        config: Value,
        _stream: StreamRequest,
    ) -> LocalBoxFuture<'_, Result<StreamSummary, ConnectorError>> {
        Box::pin(async move { Scenario::from_config(config)?.run().await })
    }

    fn write(
        &mut self,
        config: Value,
        _stream: StreamRequest,
    ) -> LocalBoxFuture<'_, Result<StreamSummary, ConnectorError>> {
        Box::pin(async move { Scenario::from_config(config)?.run().await })
    }
}

rapidbyte_sdk::connector!(TestConnector);
