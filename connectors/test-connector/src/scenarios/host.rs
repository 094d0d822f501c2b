//! Scenarios for the host's other imports: timers, cancellation, state, checkpoints,
//! metrics and logs.

use super::rows;
use rapidbyte_sdk::protocol::StreamSummary;
use rapidbyte_sdk::{
    cancelled, checkpoint, counter_add, gauge_set, log, sleep, state_get, state_put, ConnectorError,
};
use serde_json::json;
use std::time::Duration;

pub(super) async fn timer(millis: u64) -> Result<StreamSummary, ConnectorError> {
    sleep(Duration::from_millis(millis)).await;
    Ok(rows(1))
}

/// Waits for the run's cancellation, then ends the way a connector that stopped its work
/// should (the contract has no "cancelled" category; internal is the closest).
pub(super) async fn wait_cancel() -> Result<StreamSummary, ConnectorError> {
    cancelled().await;
    Err(ConnectorError::internal("cancelled"))
}

/// Counts its runs in state (`counter`, a decimal string), checkpoints the count as the
/// cursor and reports a counter, a gauge and a log line.
pub(super) fn checkpoint_state() -> Result<StreamSummary, ConnectorError> {
    let previous = match state_get("counter")? {
        None => 0,
        Some(value) => std::str::from_utf8(&value)
            .ok()
            .and_then(|text| text.parse::<u64>().ok())
            .ok_or_else(|| {
                ConnectorError::data(format!(
                    "state `counter` is not a decimal number: {:?}",
                    value
                ))
            })?,
    };
    let runs = previous + 1;
    state_put("counter", runs.to_string().as_bytes())?;
    checkpoint(&json!({ "cursor": runs }))?;
    counter_add("test.rows", 3);
    gauge_set("test.gauge", 1.5);
    log::info("checkpoint_state done");
    Ok(rows(runs))
}
