//! The scenarios, chosen by `config.scenario` (the other members are its parameters).
//! Each runs in `read` or `write`; `arrow_echo` needs `write` (it takes batches), the
//! rest `read`.

mod arrow;
mod host;
mod hostile;
pub(crate) mod postgres;
mod tcp;

use postgres::PgQuery;
use rapidbyte_sdk::protocol::StreamSummary;
use rapidbyte_sdk::ConnectorError;
use serde::Deserialize;
use serde_json::{json, Value};
use std::num::NonZeroUsize;

#[derive(Deserialize)]
#[serde(tag = "scenario", rename_all = "snake_case")]
pub(crate) enum Scenario {
    /// Two tasks on one socket: the post-mortem's deadlock pattern.
    TcpPingPong {
        host: String,
        port: u16,
        requests: u32,
    },
    /// One request, wait for its reply, the next: a host round trip per request (measures
    /// the poll protocol's PENDING round trip).
    TcpRequestReply {
        host: String,
        port: u16,
        requests: u32,
    },
    /// Reads exactly `bytes` bytes the server streams (byte i is i % 251) from a connection
    /// it keeps open: a COPY's bulk and the short tail after it.
    TcpStream {
        host: String,
        port: u16,
        bytes: u64,
    },
    /// Waits for a silent server to close; the wait must cost no CPU.
    TcpWaitEof {
        host: String,
        port: u16,
    },
    /// The same, busy-polling: shows that the idle-CPU test can fail.
    TcpWaitEofBusy {
        host: String,
        port: u16,
    },
    Spin,
    GrowMemory {
        #[serde(default = "one_mib")]
        chunk_mb: NonZeroUsize,
    },
    ConnectOnly {
        host: String,
        port: u16,
    },
    Panic {
        message: String,
    },
    ArrowSample,
    ArrowEcho,
    /// One batch of whole rows (`postgresql-binary-rows`) exactly as given: the columns'
    /// description (`rapidbyte.row_columns`) and each value in hex. What a source that cuts
    /// rows wrongly would send.
    WholeRows {
        columns: String,
        rows: Vec<String>,
    },
    Timer {
        millis: u64,
    },
    WaitCancel,
    PgQuery(PgQuery),
    CheckpointState,
}

/// Each scenario's parameters: (name, type, required). Kept beside [`Scenario`], which
/// reads them; [`config_schema`] is made from it.
const PARAMETERS: &[(&str, &[(&str, &str, bool)])] = &[
    ("tcp_ping_pong", &[("host", "string", true), ("port", "integer", true), ("requests", "integer", true)]),
    ("tcp_request_reply", &[("host", "string", true), ("port", "integer", true), ("requests", "integer", true)]),
    ("tcp_stream", &[("host", "string", true), ("port", "integer", true), ("bytes", "integer", true)]),
    ("tcp_wait_eof", &[("host", "string", true), ("port", "integer", true)]),
    ("tcp_wait_eof_busy", &[("host", "string", true), ("port", "integer", true)]),
    ("spin", &[]),
    ("grow_memory", &[("chunk_mb", "integer", false)]),
    ("connect_only", &[("host", "string", true), ("port", "integer", true)]),
    ("panic", &[("message", "string", true)]),
    ("arrow_sample", &[]),
    ("arrow_echo", &[]),
    ("whole_rows", &[("columns", "string", true), ("rows", "array", true)]),
    ("timer", &[("millis", "integer", true)]),
    ("wait_cancel", &[]),
    (
        "pg_query",
        &[
            ("host", "string", true),
            ("port", "integer", true),
            ("user", "string", true),
            ("password", "string", true),
            ("database", "string", true),
            ("sql", "string", true),
        ],
    ),
    ("checkpoint_state", &[]),
];

/// JSON Schema (draft-07) of the config: `scenario` and exactly that scenario's parameters.
pub(crate) fn config_schema() -> Value {
    let scenarios: Vec<&str> = PARAMETERS.iter().map(|(name, _)| *name).collect();
    let cases: Vec<Value> = PARAMETERS
        .iter()
        .map(|(name, parameters)| {
            let mut properties = serde_json::Map::new();
            properties.insert("scenario".into(), json!({}));
            for (key, kind, _) in parameters.iter() {
                let mut property = json!({ "type": kind });
                if *key == "password" {
                    property["writeOnly"] = json!(true);
                    property["secret"] = json!(true);
                }
                properties.insert((*key).into(), property);
            }
            let required: Vec<&str> = parameters
                .iter()
                .filter(|(_, _, required)| *required)
                .map(|(key, _, _)| *key)
                .collect();
            json!({
                "if": {"properties": {"scenario": {"const": name}}, "required": ["scenario"]},
                "then": {"properties": properties, "required": required, "additionalProperties": false}
            })
        })
        .collect();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "test-connector",
        "type": "object",
        "required": ["scenario"],
        "properties": {"scenario": {"type": "string", "enum": scenarios}},
        "allOf": cases
    })
}

fn one_mib() -> NonZeroUsize {
    NonZeroUsize::new(1).expect("1 is not zero")
}

impl Scenario {
    /// An unknown scenario is a config error that names it and lists the known ones
    /// (serde's "unknown variant" message does both).
    pub(crate) fn from_config(config: Value) -> Result<Scenario, ConnectorError> {
        serde_json::from_value(config)
            .map_err(|e| ConnectorError::config(format!("invalid test-connector config: {}", e)))
    }

    pub(crate) async fn run(self) -> Result<StreamSummary, ConnectorError> {
        match self {
            Scenario::TcpPingPong {
                host,
                port,
                requests,
            } => tcp::ping_pong(&host, port, requests).await,
            Scenario::TcpRequestReply {
                host,
                port,
                requests,
            } => tcp::request_reply(&host, port, requests).await,
            Scenario::TcpStream { host, port, bytes } => tcp::stream(&host, port, bytes).await,
            Scenario::TcpWaitEof { host, port } => tcp::wait_eof(&host, port).await,
            Scenario::TcpWaitEofBusy { host, port } => tcp::wait_eof_busy(&host, port).await,
            Scenario::Spin => hostile::spin(),
            Scenario::GrowMemory { chunk_mb } => hostile::grow_memory(chunk_mb),
            Scenario::ConnectOnly { host, port } => tcp::connect_only(&host, port).await,
            Scenario::Panic { message } => hostile::panic(&message),
            Scenario::ArrowSample => arrow::sample().await,
            Scenario::ArrowEcho => arrow::echo().await,
            Scenario::WholeRows { columns, rows } => arrow::whole_rows(&columns, &rows).await,
            Scenario::Timer { millis } => host::timer(millis).await,
            Scenario::WaitCancel => host::wait_cancel().await,
            Scenario::PgQuery(query) => postgres::query(&query).await,
            Scenario::CheckpointState => host::checkpoint_state(),
        }
    }
}

/// A summary that counts rows only.
fn rows(rows: u64) -> StreamSummary {
    StreamSummary {
        rows,
        ..StreamSummary::default()
    }
}
