//! `read`: one COPY statement, decoded into batches as its chunks arrive.

use crate::decode::{CopyDecoder, Limits, Progress};
use crate::plan::{page_ranges, plan_read, CursorPlan, ReadPlan};
use crate::SourceConfig;
use futures_core::Stream;
use rapidbyte_postgres::{
    cancel, catalog, classify, connect, qualified_name, quote_literal, PgConfig, Session,
};
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
    let parallelism = request.parallelism.unwrap_or(1);
    if parallelism > 1 && plan.splittable.is_some() {
        return read_ranges(&config, &client, &session, &plan, &request, parallelism).await;
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

/// A full refresh of a table read in page ranges, one connection each, every connection in
/// a transaction on the snapshot the first one exports: together exactly the rows one COPY
/// would read. Chunks are decoded as they arrive from whichever range has one, each range
/// into batches of its own. Any range failing fails the read (the host retries the stream).
async fn read_ranges(
    config: &PgConfig,
    client: &Client,
    session: &Session,
    plan: &ReadPlan,
    request: &StreamRequest,
    parallelism: u32,
) -> Result<StreamSummary, ConnectorError> {
    let table = qualified_name(config.schema(), &request.name);
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .map_err(|e| classify(&e))?;
    let row = client
        .query_one(
            "SELECT pg_catalog.pg_export_snapshot(),
                    pg_catalog.pg_relation_size($1::text::regclass)
                      / pg_catalog.current_setting('block_size')::int8",
            &[&table],
        )
        .await
        .map_err(|e| classify(&e))?;
    let (snapshot, pages): (String, i64) = (row.get(0), row.get(1));
    let ranges = page_ranges(pages.max(0) as u64, parallelism);
    let mut others = Vec::with_capacity(ranges.len() - 1);
    for _ in 1..ranges.len() {
        let (other, other_session) = connect(config).await?;
        other
            .batch_execute(&format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT {}",
                quote_literal(&snapshot)
            ))
            .await
            .map_err(|e| classify(&e))?;
        others.push((other, other_session));
    }
    log::info(&format!(
        "read {}: {} pages in {} ranges, {} connections on one snapshot",
        table,
        pages,
        ranges.len(),
        ranges.len()
    ));
    let mut sessions: Vec<&Session> = vec![session];
    sessions.extend(others.iter().map(|(_, s)| s));
    let mut clients: Vec<&Client> = vec![client];
    clients.extend(others.iter().map(|(c, _)| c));
    let mut streams = Vec::with_capacity(ranges.len());
    for (index, range) in ranges.iter().enumerate() {
        let sql = plan.range_sql(*range).expect("a splittable plan");
        log::debug(&sql);
        match or_cancelled(clients[index].copy_out(sql.as_str())).await {
            Some(Ok(stream)) => streams.push(Box::pin(stream)),
            failed => {
                for running in &sessions[..index] {
                    stop_query(config, running).await;
                }
                return Err(match failed {
                    Some(Err(e)) => classify(&e),
                    _ => cancelled_error(),
                });
            }
        }
    }
    let result = copy_ranges(&mut streams, plan, request).await;
    let summary = match result {
        Ok(summary) => summary,
        Err((error, running)) => {
            for (index, session) in sessions.iter().enumerate() {
                if running.get(index).copied().unwrap_or(false) {
                    stop_query(config, session).await;
                }
            }
            return Err(error);
        }
    };
    checkpoint(&serde_json::json!({}))?;
    log::info(&format!(
        "read {}: {} rows in {} batches ({} bytes of Arrow IPC), {} ranges",
        table,
        summary.rows,
        summary.batches,
        summary.bytes,
        ranges.len()
    ));
    Ok(summary)
}

/// Decodes every range's COPY stream as its chunks come. On failure: the error, and which
/// ranges' COPYs may still be running.
async fn copy_ranges<S>(
    streams: &mut [std::pin::Pin<Box<S>>],
    plan: &ReadPlan,
    request: &StreamRequest,
) -> Result<StreamSummary, (ConnectorError, Vec<bool>)>
where
    S: Stream<Item = Result<bytes::Bytes, tokio_postgres::Error>>,
{
    let n = streams.len();
    let limits = Limits {
        max_rows: (request.limits.max_batch_rows as usize).max(1),
        max_bytes: (request.limits.max_batch_bytes as usize).max(1),
    };
    let mut builders: Vec<BatchBuilder> = (0..n)
        .map(|_| BatchBuilder::new(plan.schema.clone()))
        .collect();
    let mut decoders: Vec<CopyDecoder> = (0..n)
        .map(|_| CopyDecoder::new(plan.fields.clone()))
        .collect();
    let mut running = vec![true; n];
    let mut first = 0;
    let mut out = Vec::new();
    let mut summary = StreamSummary::default();
    let mut on_cancel = Box::pin(cancelled());
    while running.iter().any(|r| *r) {
        let next = poll_fn(|cx| {
            // From the range after the last one served: every range gets its turn.
            for k in 0..n {
                let i = (first + k) % n;
                if running[i] {
                    if let Poll::Ready(item) = streams[i].as_mut().poll_next(cx) {
                        return Poll::Ready(Some((i, item)));
                    }
                }
            }
            if on_cancel.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            Poll::Pending
        })
        .await;
        let (i, item) = match next {
            None => return Err((cancelled_error(), running)),
            Some(next) => next,
        };
        first = (i + 1) % n;
        let chunk = match item {
            None => {
                running[i] = false;
                if let Err(error) = decoders[i].finish() {
                    return Err((error, running));
                }
                if builders[i].rows() > 0 {
                    emit(&mut builders[i], &mut out, &mut summary, &mut decoders[i], None)
                        .await
                        .map_err(|error| (error, running.clone()))?;
                }
                continue;
            }
            Some(Err(error)) => {
                running[i] = false;
                return Err((classify(&error), running));
            }
            Some(Ok(chunk)) => chunk,
        };
        let mut input: &[u8] = &chunk;
        loop {
            match decoders[i].decode(&mut input, &mut builders[i], limits) {
                Err(error) => return Err((error, running)),
                Ok(Progress::NeedInput | Progress::Finished) => break,
                Ok(Progress::BatchFull) => {
                    emit(&mut builders[i], &mut out, &mut summary, &mut decoders[i], None)
                        .await
                        .map_err(|error| (error, running.clone()))?;
                    if is_cancelled() {
                        return Err((cancelled_error(), running));
                    }
                }
            }
        }
    }
    // An empty table still sends its schema once.
    if summary.batches == 0 {
        emit(&mut builders[0], &mut out, &mut summary, &mut decoders[0], None)
            .await
            .map_err(|error| (error, vec![false; n]))?;
    }
    Ok(summary)
}
