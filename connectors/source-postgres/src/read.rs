//! `read`: COPY statements (one, or one per page range of a parallel read), decoded into
//! batches as their chunks arrive.

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
use std::pin::Pin;
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
    let table = qualified_name(schema, &request.name);
    let parallelism = request.parallelism.unwrap_or(1);
    let mut others = Vec::new();
    let statements = if parallelism > 1 && plan.splittable.is_some() {
        let (ranges, connections) = share_snapshot(&config, &client, &table, parallelism).await?;
        others = connections;
        log::info(&format!(
            "read {}: {} ranges of its pages, {} connections on one snapshot",
            table,
            ranges.len(),
            ranges.len()
        ));
        ranges
            .into_iter()
            .map(|range| plan.range_sql(range).expect("a splittable plan"))
            .collect()
    } else {
        vec![plan.sql.clone()]
    };
    let mut sessions: Vec<&Session> = vec![&session];
    sessions.extend(others.iter().map(|(_, s)| s));
    let mut clients: Vec<&Client> = vec![&client];
    clients.extend(others.iter().map(|(c, _)| c));

    let mut streams = Vec::with_capacity(statements.len());
    for (index, sql) in statements.iter().enumerate() {
        log::debug(sql);
        let failed = match or_cancelled(clients[index].copy_out(sql.as_str())).await {
            Some(Ok(stream)) => {
                streams.push(Box::pin(stream));
                continue;
            }
            Some(Err(e)) => classify(&e),
            None => {
                stop_query(&config, sessions[index]).await;
                cancelled_error()
            }
        };
        for running in &sessions[..index] {
            stop_query(&config, running).await;
        }
        return Err(failed);
    }
    match copy(&mut streams, &plan, &request).await {
        Ok(summary) => {
            log::info(&format!(
                "read {}: {} rows in {} batches ({} bytes of Arrow IPC)",
                table, summary.rows, summary.batches, summary.bytes
            ));
            Ok(summary)
        }
        Err(Failure { error, running }) => {
            // The server would otherwise go on producing the whole result for a client
            // that no longer reads it.
            for (index, session) in sessions.iter().enumerate() {
                if running[index] {
                    stop_query(&config, session).await;
                }
            }
            Err(error)
        }
    }
}

/// For a parallel read: the page ranges of `table` (at most `parallelism`), and a connection
/// for every range after the first, each in a transaction on the snapshot `client`'s
/// transaction exports (which stays open while they read).
async fn share_snapshot(
    config: &PgConfig,
    client: &Client,
    table: &str,
    parallelism: u32,
) -> Result<(Vec<(Option<u64>, Option<u64>)>, Vec<(Client, Session)>), ConnectorError> {
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
        let (other, session) = connect(config).await?;
        other
            .batch_execute(&format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT {}",
                quote_literal(&snapshot)
            ))
            .await
            .map_err(|e| classify(&e))?;
        others.push((other, session));
    }
    Ok((ranges, others))
}

struct Failure {
    error: ConnectorError,
    /// Per COPY stream, whether it may still be running on the server.
    running: Vec<bool>,
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

/// Decodes the COPY streams (one; or a parallel read's ranges, which have no cursor) as
/// their chunks come, whichever stream has one, each into batches of its own, and
/// checkpoints: after every batch of an incremental read, once at the end of a full refresh.
async fn copy<S>(
    streams: &mut [Pin<Box<S>>],
    plan: &ReadPlan,
    request: &StreamRequest,
) -> Result<StreamSummary, Failure>
where
    S: Stream<Item = Result<bytes::Bytes, tokio_postgres::Error>>,
{
    let n = streams.len();
    let full = Limits {
        max_rows: (request.limits.max_batch_rows as usize).max(1),
        max_bytes: (request.limits.max_batch_bytes as usize).max(1),
    };
    // Each stream's batches start small and grow to the full limits.
    let mut limits = vec![full.first(); n];
    let mut builders: Vec<BatchBuilder> = (0..n)
        .map(|_| BatchBuilder::new(plan.schema.clone()))
        .collect();
    let mut decoders: Vec<CopyDecoder> = (0..n)
        .map(|_| CopyDecoder::new(plan.fields.clone(), plan.whole_rows))
        .collect();
    if let Some(CursorPlan {
        start: Some(start),
        start_seen: Some(seen),
        ..
    }) = &plan.cursor
    {
        decoders[0].seed(start, seen);
    }
    let cursor_plan = plan.cursor.as_ref();
    let mut running = vec![true; n];
    let fail = |error, running: &[bool]| Failure {
        error,
        running: running.to_vec(),
    };
    let mut first = 0;
    // The batches' metadata, written afresh for each.
    let mut head = Vec::new();
    let mut summary = StreamSummary::default();
    let mut on_cancel = Box::pin(cancelled());
    while running.iter().any(|r| *r) {
        // Cancellation is looked at only when no data is ready (and after every batch):
        // a busy stream costs no extra host call per chunk. Streams are asked from the one
        // after the last served, so every range gets its turn.
        let next = poll_fn(|cx| {
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
            None => return Err(fail(cancelled_error(), &running)),
            Some(next) => next,
        };
        first = (i + 1) % n;
        let chunk = match item {
            Some(Ok(chunk)) => chunk,
            // A server error ended the query; a broken socket ends it at the server's next
            // send: nothing to cancel either way.
            Some(Err(error)) => {
                running[i] = false;
                return Err(fail(classify(&error), &running));
            }
            None => {
                running[i] = false;
                decoders[i]
                    .finish()
                    .map_err(|error| fail(error, &running))?;
                // A range's last rows; the single stream's wait for the end, below.
                if n > 1 && builders[i].rows() > 0 {
                    emit(&mut builders[i], &mut head, &mut summary, &mut decoders[i], None)
                        .await
                        .map_err(|error| fail(error, &running))?;
                }
                continue;
            }
        };
        let mut input: &[u8] = &chunk;
        loop {
            match decoders[i]
                .decode(&mut input, &mut builders[i], limits[i])
                .map_err(|error| fail(error, &running))?
            {
                Progress::NeedInput | Progress::Finished => break,
                Progress::BatchFull => {
                    emit(
                        &mut builders[i],
                        &mut head,
                        &mut summary,
                        &mut decoders[i],
                        cursor_plan,
                    )
                    .await
                    .map_err(|error| fail(error, &running))?;
                    limits[i] = limits[i].grown(full);
                    if is_cancelled() {
                        return Err(fail(cancelled_error(), &running));
                    }
                }
            }
        }
    }
    let done = |error| Failure {
        error,
        running: vec![false; n],
    };
    // The last rows of a single stream; an empty stream still sends its schema once.
    if (n == 1 && builders[0].rows() > 0) || summary.batches == 0 {
        emit(
            &mut builders[0],
            &mut head,
            &mut summary,
            &mut decoders[0],
            cursor_plan,
        )
        .await
        .map_err(done)?;
    }
    match &plan.cursor {
        // Nothing new: the previous checkpoint still holds.
        Some(cursor) if decoders[0].cursor().is_none() => {
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
    head: &mut Vec<u8>,
    summary: &mut StreamSummary,
    decoder: &mut CopyDecoder,
    cursor_plan: Option<&CursorPlan>,
) -> Result<(), ConnectorError> {
    let rows = builder.rows() as u64;
    // The builder's buffers go to the host as they are: no copy of the batch here.
    let emitted = match builder.pieces(head) {
        Ok(pieces) => {
            // The channel stays full while nobody takes batches: only cancellation ends
            // that wait.
            let bytes = pieces.iter().map(|piece| piece.len() as u64).sum::<u64>();
            or_cancelled(emit_batch(&pieces))
                .await
                .unwrap_or_else(|| Err(cancelled_error()))
                .map(|()| bytes)
        }
        Err(e) => Err(ConnectorError::data(format!(
            "could not build an Arrow batch: {}",
            e
        ))),
    };
    builder.clear();
    summary.bytes += emitted?;
    summary.rows += rows;
    summary.batches += 1;
    decoder.start_batch();
    if let (Some(plan), Some(last)) = (cursor_plan, decoder.cursor()) {
        checkpoint(&plan.checkpoint_after(last, decoder.seen())?)?;
    }
    Ok(())
}
