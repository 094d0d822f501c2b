//! `read`: one COPY statement, decoded into batches as its chunks arrive.

use crate::decode::{CopyDecoder, Limits, Progress};
use crate::plan::{plan_read, CursorPlan, ReadPlan};
use crate::SourceConfig;
use futures_core::Stream;
use rapidbyte_postgres::{cancel, catalog, classify, connect, PgConfig, Session};
use rapidbyte_sdk::arrow::BatchBuilder;
use rapidbyte_sdk::protocol::{StreamRequest, StreamSummary};
use rapidbyte_sdk::{
    cancelled, checkpoint, emit_batch, is_cancelled, log, poll_fn, ConnectorError,
};
use std::future::Future;
use std::task::Poll;
use tokio_postgres::Client;

pub async fn read(
    config: SourceConfig,
    mut request: StreamRequest,
) -> Result<StreamSummary, ConnectorError> {
    if !config.native_lane {
        request.native_encoding = None;
    }
    let config = config.pg;
    let (client, session) = connect(&config).await?;
    let schema = config.schema();
    let relation = catalog::relation(&client, schema, &request.name)
        .await?
        .ok_or_else(|| {
            ConnectorError::config(format!(
                "table {}.{} does not exist (no table or view named \"{}\" in schema \"{}\")",
                schema, request.name, request.name, schema
            ))
        })?;
    let plan = plan_read(&relation, &request, config.strict_types)?;
    for warning in &plan.warnings {
        log::warn(warning);
    }
    if let Some(lanes) = &plan.lanes {
        log::info(lanes);
    }
    log::debug(&plan.sql);
    let result = copy(&client, &plan, &request).await;
    match result {
        Ok(summary) => {
            log::info(&format!(
                "read {}.{}: {} rows in {} batches ({} bytes of Arrow IPC)",
                schema, request.name, summary.rows, summary.batches, summary.bytes
            ));
            Ok(summary)
        }
        Err(Failure { error, running }) => {
            // The server would otherwise go on producing the whole result for a client
            // that no longer reads it.
            if running {
                stop_query(&config, &session).await;
            }
            Err(error)
        }
    }
}

struct Failure {
    error: ConnectorError,
    /// Whether the COPY may still be running on the server.
    running: bool,
}

impl Failure {
    fn running(error: ConnectorError) -> Failure {
        Failure {
            error,
            running: true,
        }
    }
}

async fn stop_query(config: &PgConfig, session: &Session) {
    if let Err(error) = cancel(config, &session.cancel_token).await {
        log::warn(&format!(
            "could not cancel the COPY on the server: {}",
            error
        ));
    }
}

/// `future`'s output, or `None` if the run is cancelled first.
async fn or_cancelled<F: Future>(future: F) -> Option<F::Output> {
    let mut future = Box::pin(future);
    let mut on_cancel = Box::pin(cancelled());
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if on_cancel.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

fn cancelled_error() -> ConnectorError {
    ConnectorError::internal("the read was cancelled")
}

async fn copy(
    client: &Client,
    plan: &ReadPlan,
    request: &StreamRequest,
) -> Result<StreamSummary, Failure> {
    let stream = match or_cancelled(client.copy_out(plan.sql.as_str())).await {
        None => return Err(Failure::running(cancelled_error())),
        Some(Ok(stream)) => stream,
        Some(Err(e)) => {
            return Err(Failure {
                error: classify(&e),
                running: false,
            })
        }
    };
    let mut stream = Box::pin(stream);
    let mut on_cancel = Box::pin(cancelled());
    let limits = Limits {
        max_rows: (request.limits.max_batch_rows as usize).max(1),
        max_bytes: (request.limits.max_batch_bytes as usize).max(1),
    };
    let mut builder = BatchBuilder::new(plan.schema.clone());
    let mut decoder = CopyDecoder::new(plan.fields.clone());
    if let Some(CursorPlan {
        start: Some(start),
        start_seen: Some(seen),
        ..
    }) = &plan.cursor
    {
        decoder.seed(start, seen);
    }
    let mut out = Vec::new();
    let mut summary = StreamSummary::default();
    let cursor_plan = plan.cursor.as_ref();
    loop {
        // Cancellation is looked at only when no data is ready (and after every batch):
        // a busy stream costs no extra host call per chunk.
        let next = poll_fn(|cx| {
            if let Poll::Ready(item) = stream.as_mut().poll_next(cx) {
                return Poll::Ready(Some(item));
            }
            if on_cancel.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            Poll::Pending
        })
        .await;
        let chunk = match next {
            None => return Err(Failure::running(cancelled_error())),
            Some(None) => break,
            // A server error ended the query; a broken socket ends it at the server's
            // next send: nothing to cancel either way.
            Some(Some(Err(error))) => {
                return Err(Failure {
                    error: classify(&error),
                    running: false,
                });
            }
            Some(Some(Ok(chunk))) => chunk,
        };
        let mut input: &[u8] = &chunk;
        loop {
            match decoder
                .decode(&mut input, &mut builder, limits)
                .map_err(Failure::running)?
            {
                Progress::NeedInput | Progress::Finished => break,
                Progress::BatchFull => {
                    emit(
                        &mut builder,
                        &mut out,
                        &mut summary,
                        &mut decoder,
                        cursor_plan,
                    )
                    .await
                    .map_err(Failure::running)?;
                    if is_cancelled() {
                        return Err(Failure::running(cancelled_error()));
                    }
                }
            }
        }
    }
    decoder.finish().map_err(|error| Failure {
        error,
        running: false,
    })?;
    let done = |error| Failure {
        error,
        running: false,
    };
    // The last rows; an empty stream still sends its schema once.
    if builder.rows() > 0 || summary.batches == 0 {
        emit(
            &mut builder,
            &mut out,
            &mut summary,
            &mut decoder,
            cursor_plan,
        )
        .await
        .map_err(done)?;
    }
    match &plan.cursor {
        // Nothing new: the previous checkpoint still holds.
        Some(cursor) if decoder.cursor().is_none() => {
            if let Some(start) = cursor.start_checkpoint() {
                checkpoint(&start).map_err(done)?;
            }
        }
        Some(_) => {}
        None => checkpoint(&serde_json::json!({})).map_err(done)?,
    }
    Ok(summary)
}

/// Emits the builder's rows as one batch and, for an incremental read, checkpoints the
/// last row's cursor value (rows come in cursor order) and, with a key, the keys of the rows
/// read at that value.
async fn emit(
    builder: &mut BatchBuilder,
    out: &mut Vec<u8>,
    summary: &mut StreamSummary,
    decoder: &mut CopyDecoder,
    cursor_plan: Option<&CursorPlan>,
) -> Result<(), ConnectorError> {
    let rows = builder.rows() as u64;
    out.clear();
    builder
        .finish_into(out)
        .map_err(|e| ConnectorError::data(format!("could not build an Arrow batch: {}", e)))?;
    // The channel stays full while nobody takes batches: only cancellation ends that wait.
    or_cancelled(emit_batch(out))
        .await
        .unwrap_or_else(|| Err(cancelled_error()))?;
    summary.rows += rows;
    summary.bytes += out.len() as u64;
    summary.batches += 1;
    decoder.start_batch();
    if let (Some(plan), Some(last)) = (cursor_plan, decoder.cursor()) {
        checkpoint(&plan.checkpoint_after(last, decoder.seen())?)?;
    }
    Ok(())
}
