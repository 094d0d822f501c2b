//! `check` and `write` against a live server (wasm32 only: the sockets are the host's).

use crate::encode::{put_header, put_trailer, CopyEncoder};
use crate::native::{is_safe_type_name, parse_type_name};
use crate::schema::{
    array_of_domain, arrow_derived_type, check_field_names, check_primary_key, domains, evolve,
    native_encoding, native_type, plan_load, user_type, Domain, LoadPlan, UserType,
};
use crate::{sql, DestConfig};
use bytes::{Bytes, BytesMut};
use futures_util::future::{select, Either};
use futures_util::SinkExt;
use rapidbyte_postgres::types::{row_columns, POSTGRESQL_BINARY, POSTGRESQL_BINARY_ROWS};
use rapidbyte_postgres::{
    cancel, catalog, classify, connect, qualified_name, sqlstate_of, PgConfig, PgRelation, Session,
};
use rapidbyte_sdk::arrow::{IpcBatch, Schema};
use rapidbyte_sdk::protocol::{
    CheckResult, CommitMarker, MarkerKey, StreamRequest, StreamSummary, WriteMode,
};
use rapidbyte_sdk::{checkpoint, log, next_batch, source_checkpoint, ConnectorError};
use serde_json::json;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use tokio_postgres::{Client, CopyInSink, Statement};

/// COPY data goes to the server in chunks of about this size.
const CHUNK: usize = 1 << 20;

pub async fn check(config: &DestConfig) -> Result<CheckResult, ConnectorError> {
    config.validate()?;
    let (client, _session) = connect(&config.pg).await?;
    let schema = config.pg.schema();
    let row = client
        .query_one(
            "SELECT n.oid IS NOT NULL,
                    CASE WHEN n.oid IS NULL THEN has_database_privilege(current_database(), 'CREATE')
                         ELSE has_schema_privilege(n.oid, 'CREATE') END,
                    current_user::text
               FROM (SELECT 1) AS one
               LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = $1",
            &[&schema],
        )
        .await
        .map_err(|e| classify(&e))?;
    let (exists, can_create, user): (bool, bool, String) = (row.get(0), row.get(1), row.get(2));
    if !can_create {
        let message = if exists {
            format!(
                "user \"{}\" may not create tables in schema \"{}\" (it lacks the CREATE privilege on it)",
                user, schema
            )
        } else {
            format!(
                "schema \"{}\" does not exist and user \"{}\" may not create it (it lacks the CREATE privilege on database \"{}\")",
                schema, user, config.pg.database
            )
        };
        return Err(ConnectorError::config(message));
    }
    let message = if exists {
        format!(
            "connected; user \"{}\" may create tables in schema \"{}\"",
            user, schema
        )
    } else {
        format!(
            "connected; schema \"{}\" will be created on the first write",
            schema
        )
    };
    Ok(CheckResult { ok: true, message })
}

/// `kept`: the connection the run's `committed` used, written with when it is to the same
/// server as the same user and still open (else `write` connects).
pub async fn write(
    config: DestConfig,
    stream: StreamRequest,
    kept: Option<Kept>,
) -> Result<StreamSummary, ConnectorError> {
    config.validate()?;
    if stream.name.is_empty() {
        return Err(ConnectorError::config(
            "the stream has no name (the target table)",
        ));
    }
    let mode = stream.write_mode.unwrap_or(WriteMode::Append);
    if stream.marker.is_some() && mode != WriteMode::Append {
        return Err(ConnectorError::config(format!(
            "a commit marker is kept in append mode only, and stream {} is written in {:?} mode",
            stream.name, mode
        )));
    }
    let (lane, markers_seen) = match kept {
        Some(kept) if kept.pg == config.pg && !kept.client.is_closed() => {
            (Lane::new(kept.client, kept.session), kept.markers_seen)
        }
        _ => {
            let (client, session) = connect(&config.pg).await?;
            (Lane::new(client, session), false)
        }
    };
    let mut writer = Writer::new(&config, lane, markers_seen, &stream, mode);
    let outcome = writer.run().await;
    if outcome.is_err() {
        writer.abort().await;
    }
    outcome
}

/// A connection `committed` opened, kept for the `write` that follows it in the same run
/// (its next operation), which then starts without a connection of its own: no TCP
/// handshake, backend start or SCRAM exchange between reading the marker and the first row.
pub struct Kept {
    pg: PgConfig,
    client: Client,
    session: Session,
    /// Whether the marker table was there (`write` then need not create it).
    markers_seen: bool,
}

/// The commit marker `write` keeps for `stream` (see `Writer::commit`), as committed last,
/// and the connection it was read on, for the `write` that follows.
pub async fn committed(
    config: DestConfig,
    stream: StreamRequest,
) -> Result<(Option<CommitMarker>, Kept), ConnectorError> {
    let key = stream.marker.ok_or_else(|| {
        ConnectorError::config("`committed` needs the stream request's marker (which stream)")
    })?;
    let (client, session) = connect(&config.pg).await?;
    let schema = config.pg.schema();
    // Whether the table is there by its name alone (the catalog query `relation` makes
    // costs the server as much as the rest of this call together).
    let markers_seen: bool = client
        .query_one(
            "SELECT pg_catalog.to_regclass($1) IS NOT NULL",
            &[&qualified_name(schema, sql::MARKERS)],
        )
        .await
        .map_err(|e| classify(&e))?
        .get(0);
    let marker = if markers_seen {
        let row = client
            .query_opt(sql::get_marker(schema).as_str(), &[&key.stream])
            .await
            .map_err(|e| classify(&e))?;
        row.map(|row| CommitMarker {
            run: row.get(0),
            checkpoint: row.get(1),
            complete: row.get(2),
        })
    } else {
        None
    };
    let kept = Kept {
        pg: config.pg,
        client,
        session,
        markers_seen,
    };
    Ok((marker, kept))
}

/// One connection's part of the load: its COPY statement, its open transaction and the
/// bytes encoded for it and not yet handed over.
struct Lane {
    client: Client,
    session: Session,
    copy: Option<Statement>,
    txn: Option<Txn>,
    buf: BytesMut,
}

impl Lane {
    fn new(client: Client, session: Session) -> Self {
        Lane {
            client,
            session,
            copy: None,
            txn: None,
            buf: BytesMut::with_capacity(2 * CHUNK),
        }
    }

    async fn execute(&self, pg: &PgConfig, target: &str, sql: &str) -> Result<(), ConnectorError> {
        guarded(pg, &self.session, self.client.batch_execute(sql))
            .await
            .map_err(|e| context_error(target, e))
    }

    /// Runs `statements` in one transaction, each alone through the extended protocol, which
    /// refuses a second statement in one: for statements holding SQL text from the stream.
    async fn execute_each(
        &self,
        pg: &PgConfig,
        target: &str,
        statements: &[String],
    ) -> Result<(), ConnectorError> {
        self.execute(pg, target, "BEGIN").await?;
        for statement in statements {
            let done = guarded(
                pg,
                &self.session,
                self.client.execute(statement.as_str(), &[]),
            )
            .await;
            if let Err(e) = done {
                let _ = self.execute(pg, target, "ROLLBACK").await;
                return Err(e);
            }
        }
        self.execute(pg, target, "COMMIT").await
    }

    /// Opens a transaction and starts its COPY.
    async fn begin(&mut self, pg: &PgConfig, target: &str) -> Result<(), ConnectorError> {
        self.execute(pg, target, "BEGIN").await?;
        let statement = self.copy.clone().expect("prepared with the first batch");
        let sink = guarded(
            pg,
            &self.session,
            self.client.copy_in::<_, Bytes>(&statement),
        )
        .await
        .map_err(|e| context_error(target, e))?;
        self.txn = Some(Txn {
            sink: Box::pin(sink),
            rows: 0,
            bytes: 0,
        });
        self.buf.clear();
        put_header(&mut self.buf);
        Ok(())
    }

    /// Hands the encoded bytes to the COPY (waiting while the connection is behind).
    async fn flush(&mut self, pg: &PgConfig, target: &str) -> Result<(), ConnectorError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = self.buf.split().freeze();
        if self.buf.capacity() < CHUNK {
            self.buf.reserve(2 * CHUNK);
        }
        let txn = self.txn.as_mut().expect("a transaction is open");
        txn.bytes += chunk.len() as u64;
        let sent = guarded(pg, &self.session, txn.sink.feed(chunk)).await;
        sent.map_err(|e| context_error(target, e))
    }

    /// Hands `pieces` of `ipc` to the COPY as they are (no copy here), after what is encoded
    /// and not yet handed over (the header).
    async fn feed_slices<'a>(
        &mut self,
        pg: &PgConfig,
        target: &str,
        ipc: &Bytes,
        pieces: impl Iterator<Item = &'a [u8]>,
    ) -> Result<(), ConnectorError> {
        self.flush(pg, target).await?;
        let txn = self.txn.as_mut().expect("a transaction is open");
        for piece in pieces {
            let chunk = ipc.slice_ref(piece);
            txn.bytes += chunk.len() as u64;
            guarded(pg, &self.session, txn.sink.feed(chunk))
                .await
                .map_err(|e| context_error(target, e))?;
        }
        Ok(())
    }

    /// Ends the open COPY, leaving its transaction open: the rows it took, or `None` when
    /// no transaction is open.
    async fn end_copy(
        &mut self,
        pg: &PgConfig,
        target: &str,
    ) -> Result<Option<u64>, ConnectorError> {
        if self.txn.is_none() {
            return Ok(None);
        }
        put_trailer(&mut self.buf);
        self.flush(pg, target).await?;
        let mut txn = self.txn.take().expect("checked above");
        let finished = guarded(pg, &self.session, txn.sink.as_mut().finish()).await;
        drop(txn.sink);
        let copied = finished.map_err(|e| context_error(target, e))?;
        // The server counts the rows it took; they must be the rows the batches held (a
        // whole row the source cut wrongly could hold two, or half of one).
        if copied != txn.rows {
            return Err(ConnectorError::data(format!(
                "{}: PostgreSQL took {} rows from a COPY of {} rows; nothing of it is kept",
                target, copied, txn.rows
            )));
        }
        Ok(Some(txn.rows))
    }

    /// Aborts the COPY and the transaction. Best effort: the connection may be gone.
    async fn rollback(&mut self) {
        // Dropping the sink sends CopyFail; the server then aborts the COPY.
        self.txn = None;
        let _ = self.client.batch_execute("ROLLBACK").await;
    }
}

/// What [`Writer::look_up`] found of the target before the first batch.
struct Found {
    schema_exists: bool,
    existing: Option<PgRelation>,
}

/// An open transaction and its COPY.
struct Txn {
    sink: Pin<Box<CopyInSink<Bytes>>>,
    rows: u64,
    /// COPY bytes handed to the sink.
    bytes: u64,
}

/// The statement(s) a transaction ends with before COMMIT.
enum Merge {
    /// Rows went straight into the table.
    None,
    /// `INSERT ... SELECT` (casts) from the staging table.
    Insert(String),
    /// `INSERT ... ON CONFLICT` from the staging table.
    Upsert(String),
}

/// How long the target's look-up before the first batch stands: a first batch later than
/// this (a slow query at the source) is prepared from a look-up of its own.
const LOOK_UP_FRESH: std::time::Duration = std::time::Duration::from_secs(1);

struct Writer<'a> {
    config: &'a DestConfig,
    /// The first connection: DDL, merges, the commit marker, and every batch of a serial
    /// write.
    main: Lane,
    /// A parallel write's other connections, opened as the batches reach them (`lanes`).
    extra: Vec<Lane>,
    /// How many connections the rows may be written with: the request's `parallelism` in
    /// replace straight into its new table, else 1.
    lanes: usize,
    /// The COPY statement of the extra connections (the first connection's).
    lanes_copy: String,
    mode: WriteMode,
    schema: String,
    table: String,
    /// `"schema"."table"`, for SQL and messages.
    target: String,
    requested_key: Vec<String>,
    /// The native encoding agreed for the stream (`StreamRequest::native_encoding`), if any.
    native_encoding: Option<String>,
    /// Replace's staging table (unqualified), once created.
    replace_stage: Option<String>,
    /// Whether the replace staging table has a primary key to rename at the swap.
    replace_has_key: bool,
    merge: Merge,
    encoder: CopyEncoder,
    first_schema: Option<Schema>,
    /// The commit marker to keep, and its prepared upsert once the first batch came.
    marker: Option<MarkerKey>,
    put_marker: Option<Statement>,
    /// Whether the marker table is known to be there (`committed` saw it).
    markers_seen: bool,
    summary: StreamSummary,
    committed_rows: u64,
    /// Batches taken since the last checkpoint.
    unreported: u64,
}

impl<'a> Writer<'a> {
    /// `markers_seen`: whether `committed` found the marker table on `main`'s server.
    fn new(
        config: &'a DestConfig,
        main: Lane,
        markers_seen: bool,
        stream: &StreamRequest,
        mode: WriteMode,
    ) -> Self {
        let schema = config.pg.schema().to_string();
        // Only replace writes with several connections: no one sees its new table before
        // the swap, so each connection may commit its share. Append's rows must appear in
        // one commit with the commit marker, which separate connections cannot make (short
        // of two-phase commit, off by default); staging the other connections' rows and
        // moving them in with one INSERT ... SELECT cost the server more than the single
        // COPY it spared (measured). Upsert's last-arrival-wins merge needs the rows in the
        // order they came.
        let lanes = match mode {
            WriteMode::Replace => stream.parallelism.unwrap_or(1).max(1) as usize,
            _ => 1,
        };
        Writer {
            config,
            main,
            extra: Vec::new(),
            lanes,
            lanes_copy: String::new(),
            mode,
            target: qualified_name(&schema, &stream.name),
            schema,
            table: stream.name.clone(),
            requested_key: stream.primary_key.clone(),
            native_encoding: stream.native_encoding.clone(),
            replace_stage: None,
            replace_has_key: false,
            merge: Merge::None,
            encoder: CopyEncoder::new(Vec::new()),
            first_schema: None,
            marker: stream.marker.clone(),
            put_marker: None,
            markers_seen,
            summary: StreamSummary::default(),
            committed_rows: 0,
            unreported: 0,
        }
    }

    async fn run(&mut self) -> Result<StreamSummary, ConnectorError> {
        // What the table is like, asked while the source works on its first batch (the
        // answer does not depend on it): the load then starts as soon as that batch is in.
        // Asked again when that batch comes late, so what is prepared is what is there now.
        let mut found = Some(self.look_up().await?);
        let looked_up = std::time::Instant::now();
        while let Some(ipc) = next_or_cancelled().await? {
            if found.is_some() && looked_up.elapsed() > LOOK_UP_FRESH {
                found = Some(self.look_up().await?);
            }
            // Owned by a `Bytes`, so whole rows go to the COPY as slices of it.
            let ipc = Bytes::from(ipc);
            let batch = IpcBatch::parse(&ipc).map_err(|e| {
                ConnectorError::data(format!("the source sent a malformed batch: {}", e))
            })?;
            match &self.first_schema {
                None => {
                    let (columns, whole_rows) = self.columns(batch.schema())?;
                    let found = found.take().expect("looked up before the first batch");
                    self.prepare(&columns, whole_rows, found).await?;
                    self.first_schema = Some(batch.schema().clone());
                }
                Some(first) if first != batch.schema() => {
                    return Err(ConnectorError::schema(format!(
                        "the stream's schema changed after its first batch (batch {}); a stream must keep one schema",
                        self.summary.batches + 1
                    )))
                }
                Some(_) => {}
            }
            self.write_batch(&batch, &ipc).await?;
            self.summary.batches += 1;
            self.summary.rows += batch.num_rows() as u64;
            self.summary.bytes += ipc.len() as u64;
            self.unreported += 1;
            // A parallel replace commits once, at the end.
            let full = self.lanes == 1
                && self.main.txn.as_ref().map_or(false, |txn| {
                    txn.rows >= self.config.commit_rows
                        || txn.bytes + self.main.buf.len() as u64 >= self.config.commit_bytes
                });
            if full {
                // With a marker, only where the source's checkpoint covers exactly the rows
                // taken: a resume then starts right after them.
                let commit = match &self.marker {
                    None => Some(None),
                    Some(_) => source_checkpoint()?.map(Some),
                };
                if let Some(checkpoint) = commit {
                    self.commit(checkpoint, false).await?;
                    self.report()?;
                }
            }
        }
        if self.first_schema.is_none() {
            // The source ended without a batch: nothing to create, nothing to write.
            return Ok(self.summary);
        }
        // The source has finished: its last checkpoint covers every batch.
        let checkpoint = match &self.marker {
            None => None,
            Some(_) => source_checkpoint()?,
        };
        self.commit(checkpoint, true).await?;
        if self.mode == WriteMode::Replace {
            self.swap().await?;
        }
        self.report()?;
        log::info(&format!(
            "{:?} into {}: {} rows in {} batches written with {} connection(s)",
            self.mode,
            self.target,
            self.summary.rows,
            self.summary.batches,
            1 + self.extra.len()
        ));
        Ok(self.summary)
    }

    /// The stream's columns as the first batch's schema gives them: its fields, or the
    /// columns its one field of whole rows describes (then `true`).
    fn columns(&self, schema: &Schema) -> Result<(Schema, bool), ConnectorError> {
        let whole_rows = schema.fields.len() == 1
            && native_encoding(&schema.fields[0]) == Some(POSTGRESQL_BINARY_ROWS);
        // A column in a native encoding only when the host agreed one for the stream (whole
        // rows are agreed with a column each).
        for field in &schema.fields {
            if let Some(encoding) = native_encoding(field) {
                let agreed = self.native_encoding.as_deref() == Some(encoding)
                    || (encoding == POSTGRESQL_BINARY
                        && self.native_encoding.as_deref() == Some(POSTGRESQL_BINARY_ROWS));
                if !agreed {
                    return Err(ConnectorError::schema(format!(
                        "the stream's column \"{}\" travels in native encoding \"{}\", which was not agreed for stream {} (the source must carry it through the Arrow mapping)",
                        field.name, encoding, self.target
                    )));
                }
            }
        }
        if !whole_rows {
            return Ok((schema.clone(), false));
        }
        let columns = row_columns(&schema.fields[0]).map_err(|e| {
            ConnectorError::schema(format!(
                "the stream's batches of whole rows for {} do not describe their columns: {}",
                self.target, e
            ))
        })?;
        if let Some(field) = columns
            .iter()
            .find(|c| native_encoding(c) != Some(POSTGRESQL_BINARY))
        {
            return Err(ConnectorError::schema(format!(
                "the stream's batches of whole rows for {} describe column \"{}\" as not in {}, and a whole row carries every column in it",
                self.target, field.name, POSTGRESQL_BINARY
            )));
        }
        Ok((Schema::new(columns), true))
    }

    /// Whether the schema exists, and the table if it does; with a marker whose table
    /// `committed` saw, also prepares the marker's upsert. Reads only: nothing is created
    /// before the first batch.
    async fn look_up(&mut self) -> Result<Found, ConnectorError> {
        let schema_exists = catalog::schema_exists(&self.main.client, &self.schema).await?;
        let existing = if schema_exists {
            catalog::relation(&self.main.client, &self.schema, &self.table).await?
        } else {
            None
        };
        if self.marker.is_some() && self.markers_seen {
            self.prepare_put_marker().await?;
        }
        Ok(Found {
            schema_exists,
            existing,
        })
    }

    async fn prepare_put_marker(&mut self) -> Result<(), ConnectorError> {
        let statement = self
            .main
            .client
            .prepare(&sql::put_marker(&self.schema))
            .await
            .map_err(|e| self.server_error(&e))?;
        self.put_marker = Some(statement);
        Ok(())
    }

    /// Everything the stream's columns decide: the table (created or evolved), the staging
    /// tables and the COPY statement; `whole_rows`: the batches carry whole rows; `found`:
    /// what [`Writer::look_up`] found.
    async fn prepare(
        &mut self,
        schema: &Schema,
        whole_rows: bool,
        found: Found,
    ) -> Result<(), ConnectorError> {
        check_field_names(schema)?;
        if !found.schema_exists {
            self.execute(&sql::create_schema(&self.schema)).await?;
        }
        let existing = found.existing;
        if let Some(relation) = &existing {
            if relation.kind != 'r' && relation.kind != 'p' {
                return Err(ConnectorError::schema(format!(
                    "{} is not a table (relkind '{}'): the destination writes only into tables",
                    self.target, relation.kind
                )));
            }
        }
        let mut types = TypeResolver::default();
        let (load_table, relation, key) = match self.mode {
            WriteMode::Replace => {
                // The new table's key: the request's, else the old table's when the stream
                // still has all its columns.
                let key = if !self.requested_key.is_empty() {
                    self.requested_key.clone()
                } else {
                    existing
                        .as_ref()
                        .map(|r| r.primary_key.clone())
                        .filter(|k| k.iter().all(|c| schema.index_of(c).is_some()))
                        .unwrap_or_default()
                };
                check_primary_key(schema, &key)?;
                let stage = sql::replace_stage_name(&self.table);
                let stage_sql = qualified_name(&self.schema, &stage);
                self.execute(&sql::drop_table(&stage_sql)).await?;
                self.replace_stage = Some(stage.clone());
                let columns = self
                    .column_types(&mut types, schema.fields.iter().collect())
                    .await?;
                let constraint = sql::pkey_name(&stage);
                self.execute(&sql::create_table(
                    &stage_sql,
                    &columns,
                    &key,
                    Some(&constraint),
                ))
                .await?;
                self.replace_has_key = !key.is_empty();
                let relation = self.inspect(&stage).await?;
                (stage_sql, relation, key)
            }
            WriteMode::Append | WriteMode::Upsert => {
                let mut relation = match existing {
                    Some(relation) => relation,
                    None => {
                        // Only upsert gives the new table a primary key: append promises to
                        // add every row it is given, and an incremental source may give a
                        // row twice (its boundary rows), which a key would refuse.
                        let key = match self.mode {
                            WriteMode::Upsert => self.requested_key.clone(),
                            _ => Vec::new(),
                        };
                        if self.mode == WriteMode::Upsert && key.is_empty() {
                            return Err(self.no_key_error());
                        }
                        check_primary_key(schema, &key)?;
                        let columns = self
                            .column_types(&mut types, schema.fields.iter().collect())
                            .await?;
                        self.execute(&sql::create_table(&self.target, &columns, &key, None))
                            .await?;
                        self.inspect(&self.table.clone()).await?
                    }
                };
                let missing = evolve(schema, &relation, &self.target)?;
                if !missing.is_empty() {
                    let columns = self.column_types(&mut types, missing).await?;
                    self.execute(&sql::add_columns(&self.target, &columns))
                        .await?;
                    relation = self.inspect(&self.table.clone()).await?;
                }
                let key = if self.requested_key.is_empty() {
                    relation.primary_key.clone()
                } else {
                    self.requested_key.clone()
                };
                if self.mode == WriteMode::Upsert {
                    if key.is_empty() {
                        return Err(self.no_key_error());
                    }
                    check_primary_key(schema, &key)?;
                    self.check_unique(&key).await?;
                }
                (self.target.clone(), relation, key)
            }
        };
        if let Some(key) = self.marker.clone() {
            if self.put_marker.is_none() {
                self.execute(&sql::create_markers(&self.schema)).await?;
                self.prepare_put_marker().await?;
            }
            log::info(&format!(
                "append into {}: commit marker of stream {} (run {}) kept in {}",
                self.target,
                key.stream,
                key.run,
                qualified_name(&self.schema, sql::MARKERS)
            ));
        }
        let plan = plan_load(schema, &relation, &load_table)?;
        check_native_oids(&plan, &relation, &self.main.session.server_version)?;
        let copy_table = if self.mode == WriteMode::Upsert {
            let seq = sql::seq_column(&plan);
            self.execute(&sql::create_stage(&plan, Some(&seq))).await?;
            self.merge = Merge::Upsert(sql::upsert_from_stage(&load_table, &plan, &key, &seq));
            sql::STAGE.to_string()
        } else if plan.needs_cast() {
            self.execute(&sql::create_stage(&plan, None)).await?;
            self.merge = Merge::Insert(sql::insert_from_stage(&load_table, &plan));
            sql::STAGE.to_string()
        } else {
            load_table
        };
        let copy = sql::copy_in(&copy_table, &plan.names());
        if self.lanes > 1 {
            self.plan_lanes(&copy);
        }
        self.log_plan(&plan, &copy_table);
        let statement = self
            .main
            .client
            .prepare(&copy)
            .await
            .map_err(|e| self.server_error(&e))?;
        self.main.copy = Some(statement);
        let encodings = plan.encodings();
        self.encoder = if whole_rows {
            if let Some((column, _)) = plan
                .columns
                .iter()
                .zip(&encodings)
                .find(|(_, e)| !e.takes_untouched())
            {
                return Err(ConnectorError::schema(format!(
                    "column \"{}\" of {} needs its values rewritten here (an array whose element type has another OID in this database), and the stream carries whole rows untouched; set the source's native_lane: false",
                    column.name, self.target
                )));
            }
            CopyEncoder::whole_rows(encodings)
        } else {
            CopyEncoder::new(encodings)
        };
        Ok(())
    }

    /// The extra connections of a parallel replace COPY into its new table as the first
    /// does; when the first loads through a staging table (casts), it writes alone.
    fn plan_lanes(&mut self, copy: &str) {
        if !matches!(self.merge, Merge::None) {
            log::info(&format!(
                "{:?} into {}: one connection (its rows are cast through a staging table)",
                self.mode, self.target
            ));
            self.lanes = 1;
            return;
        }
        self.lanes_copy = copy.to_string();
        log::info(&format!(
            "{:?} into {}: up to {} connections",
            self.mode, self.target, self.lanes
        ));
    }

    fn log_plan(&self, plan: &LoadPlan, copy_table: &str) {
        let cast: Vec<&str> = plan
            .columns
            .iter()
            .filter(|c| c.cast)
            .map(|c| c.name.as_str())
            .collect();
        let how = if cast.is_empty() {
            "straight into the table".to_string()
        } else {
            format!("through a staging table (cast: {})", cast.join(", "))
        };
        log::info(&format!(
            "{:?} into {}: binary COPY into {}, {}",
            self.mode, self.target, copy_table, how
        ));
    }

    fn no_key_error(&self) -> ConnectorError {
        ConnectorError::config(format!(
            "upsert into {} needs a primary key: the stream request names none and the table has none",
            self.target
        ))
    }

    /// The table's catalog entry, which must exist now.
    async fn inspect(&self, table: &str) -> Result<PgRelation, ConnectorError> {
        catalog::relation(&self.main.client, &self.schema, table)
            .await?
            .ok_or_else(|| {
                ConnectorError::internal(format!(
                    "table {} is missing right after it was created",
                    qualified_name(&self.schema, table)
                ))
            })
    }

    /// Upsert's `ON CONFLICT (key)` needs a unique index on exactly the key's columns.
    async fn check_unique(&self, key: &[String]) -> Result<(), ConnectorError> {
        let row = self.main
            .client
            .query_one(
                "SELECT EXISTS (
                   SELECT 1 FROM pg_catalog.pg_index i
                    WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indimmediate
                      AND i.indpred IS NULL AND i.indexprs IS NULL
                      AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text)
                             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                             JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                            WHERE k.n <= i.indnkeyatts)
                          = (SELECT array_agg(c ORDER BY c) FROM unnest($2::text[]) AS c))",
                &[&self.target, &key],
            )
            .await
            .map_err(|e| self.server_error(&e))?;
        if row.get::<_, bool>(0) {
            return Ok(());
        }
        let names: Vec<String> = key.iter().map(|k| format!("\"{}\"", k)).collect();
        Err(ConnectorError::schema(format!(
            "upsert into {} on ({}) needs a primary key or unique index on exactly those columns, and the table has none",
            self.target,
            names.join(", ")
        )))
    }

    /// Column types for new columns: the native type when this database has it, a
    /// user-defined type (enum, composite, range) created from the source's definition, else
    /// the type derived from the Arrow type.
    async fn column_types(
        &self,
        types: &mut TypeResolver,
        fields: Vec<&rapidbyte_sdk::arrow::Field>,
    ) -> Result<Vec<(String, String)>, ConnectorError> {
        let mut columns = Vec::with_capacity(fields.len());
        for field in fields {
            // Whether the type is the source's (or the same type by another name here), which
            // the source's domains may then be created over.
            let mut sources_type = true;
            // An array of a domain: of the domain as found or created here, over its base
            // type as the source names it, which this database must have (else the array
            // type itself, as any other).
            if let Some((chain, dims)) = array_of_domain(field) {
                let base = &chain[0].base;
                if self.type_exists(types, base).await {
                    let domain = self.domain_type(&field.name, &chain, base.clone()).await?;
                    columns.push((
                        field.name.clone(),
                        format!("{}{}", domain, "[]".repeat(dims)),
                    ));
                    continue;
                }
                sources_type = false;
            }
            let user = match (native_type(field), user_type(field)) {
                (Some(native), Some(user)) if parse_type_name(native).is_some() => {
                    self.user_type(types, &field.name, native, &user).await?
                }
                _ => None,
            };
            let ty = match (user, native_type(field)) {
                (Some(user), _) => user,
                (None, Some(native)) => {
                    if is_safe_type_name(native)
                        && types.lookup(&self.main.client, native).await.is_some()
                    {
                        native.to_string()
                    } else if native_encoding(field).is_some() {
                        // Its bytes are that type's binary form: no other type takes them.
                        return Err(ConnectorError::schema(format!(
                            "column \"{}\" of {}: type {} does not exist in this database, and the column's values travel in PostgreSQL's binary form of that type; create the type here, or set the source's native_lane: false to carry the column through the Arrow mapping",
                            field.name, self.target, native
                        )));
                    } else {
                        sources_type = false;
                        let fallback = arrow_derived_type(field);
                        log::warn(&format!(
                            "column \"{}\" of {}: type {} does not exist in this database; creating it as {}",
                            field.name, self.target, native, fallback
                        ));
                        fallback
                    }
                }
                (None, None) => {
                    sources_type = false;
                    arrow_derived_type(field)
                }
            };
            // A domain column: of the domain as found or created here, over that type.
            let ty = match domains(field) {
                Some(chain) if sources_type => self.domain_type(&field.name, &chain, ty).await?,
                _ => ty,
            };
            columns.push((field.name.clone(), ty));
        }
        Ok(columns)
    }

    /// The type of a column of a user-defined type (or an array of one): the source's own
    /// type when this database has it (same database, or a schema of the same name; an enum
    /// with every label), else a type of the same name in the target schema, created from
    /// the source's definition when missing. `None` when it cannot be created here (a
    /// composite attribute's or a range's subtype is missing too): the caller decides.
    async fn user_type(
        &self,
        types: &mut TypeResolver,
        column: &str,
        native: &str,
        wanted: &UserType,
    ) -> Result<Option<String>, ConnectorError> {
        let name = parse_type_name(native).expect("checked by the caller");
        let dims = "[]".repeat(name.array_dims);
        let base = native
            .trim()
            .trim_end_matches(|c| c == '[' || c == ']' || c == ' ');
        let fits = |found: &FoundType| match wanted {
            UserType::Enum(labels) => found.is_enum_with(labels),
            other => found.typtype.starts_with(other.typtype()),
        };
        if is_safe_type_name(native) {
            if let Some(found) = types.lookup(&self.main.client, base).await {
                if fits(&found) {
                    return Ok(Some(native.to_string()));
                }
            }
        }
        let local = qualified_name(&self.schema, &name.name);
        // Twice at most: when another session creates the type between the look-up and the
        // CREATE (two streams of one pipeline, say), it is looked up again and taken if it fits.
        let mut raced = false;
        loop {
            match types.lookup(&self.main.client, &local).await {
                Some(found) if fits(&found) => return Ok(Some(format!("{}{}", local, dims))),
                Some(found) if found.typtype == "e" && wanted.typtype() == 'e' => {
                    return Err(ConnectorError::schema(format!(
                        "column \"{}\" of {}: enum type {} lacks some of the stream's labels {}",
                        column,
                        self.target,
                        local,
                        match wanted {
                            UserType::Enum(labels) => serde_json::to_string(labels).unwrap_or_default(),
                            _ => String::new(),
                        }
                    )))
                }
                Some(_) => return Err(ConnectorError::schema(format!(
                    "column \"{}\" of {}: the stream's {} type {} would be created as {}, which exists and is not a {} type",
                    column,
                    self.target,
                    wanted.kind(),
                    native,
                    local,
                    wanted.kind()
                ))),
                None => {
                    let create = match wanted {
                        UserType::Enum(labels) => sql::create_enum(&self.schema, &name.name, labels),
                        UserType::Composite(attributes) => {
                            for (attribute, ty) in attributes {
                                if !self.type_exists(types, ty).await {
                                    log::warn(&format!(
                                        "column \"{}\" of {}: composite type {} cannot be created here: its attribute \"{}\" is of type {}, which this database does not have",
                                        column, self.target, native, attribute, ty
                                    ));
                                    return Ok(None);
                                }
                            }
                            sql::create_composite(&self.schema, &name.name, attributes)
                        }
                        UserType::Range(subtype) => {
                            if !self.type_exists(types, subtype).await {
                                log::warn(&format!(
                                    "column \"{}\" of {}: range type {} cannot be created here: its subtype {} does not exist in this database",
                                    column, self.target, native, subtype
                                ));
                                return Ok(None);
                            }
                            sql::create_range(&self.schema, &name.name, subtype)
                        }
                    };
                    match self.execute(&create).await {
                        Ok(()) => {
                            types.forget(&local);
                            log::info(&format!(
                                "created {} type {} for column \"{}\"",
                                wanted.kind(),
                                local,
                                column
                            ));
                            return Ok(Some(format!("{}{}", local, dims)));
                        }
                        Err(e) if !raced && created_meanwhile(&e) => {
                            raced = true;
                            types.forget(&local);
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }

    /// The type of a column of a domain (`chain`: the domain and those under it, innermost
    /// first; `base`: this database's type for the innermost one's base): for each domain,
    /// the source's own when this database has one of its name over the same type (same
    /// database, or a schema of the same name), else one of its name in the target schema,
    /// created from the source's definition when missing.
    async fn domain_type(
        &self,
        column: &str,
        chain: &[Domain],
        base: String,
    ) -> Result<String, ConnectorError> {
        let mut current = base;
        for domain in chain {
            let name = match parse_type_name(&domain.name) {
                Some(name) if name.array_dims == 0 && is_safe_type_name(&domain.name) => name,
                _ => {
                    return Err(ConnectorError::schema(format!(
                        "column \"{}\" of {}: the stream's domain {} is not a type name this destination can use",
                        column, self.target, domain.name
                    )))
                }
            };
            if self.domain_over(&domain.name, &current).await? == Some(true) {
                current = domain.name.clone();
                continue;
            }
            let local = qualified_name(&self.schema, &name.name);
            // As for other types: created by another session meanwhile, it is looked up again.
            let mut raced = false;
            loop {
                match self.domain_over(&local, &current).await? {
                    Some(true) => break,
                    Some(false) => {
                        return Err(ConnectorError::schema(format!(
                            "column \"{}\" of {}: the stream's domain {} (over {}) would be created as {}, which exists and is not a domain over {}",
                            column, self.target, domain.name, domain.base, local, current
                        )))
                    }
                    None => {
                        let mut statements =
                            vec![sql::create_domain(&self.schema, &name.name, &current, domain)];
                        statements.extend(domain.not_valid_checks().map(|(check, definition)| {
                            sql::add_domain_check(&local, check, definition)
                        }));
                        match self
                            .main
                            .execute_each(&self.config.pg, &self.target, &statements)
                            .await
                        {
                            Ok(()) => {
                                log::info(&format!(
                                    "created domain {} over {} for column \"{}\"",
                                    local, current, column
                                ));
                                break;
                            }
                            Err(e) if !raced && created_meanwhile(&e) => raced = true,
                            Err(e) => {
                                return Err(ConnectorError::schema(format!(
                                    "column \"{}\" of {}: domain {} could not be created from the source's definition ({}): {}",
                                    column,
                                    self.target,
                                    local,
                                    statements.join("; "),
                                    e.message
                                )))
                            }
                        }
                    }
                }
            }
            current = local;
        }
        Ok(current)
    }

    /// Whether type `name` is here (`None`: no such type) and a domain over type `base`
    /// (of `base`'s modifier, or of none).
    async fn domain_over(&self, name: &str, base: &str) -> Result<Option<bool>, ConnectorError> {
        let row = self
            .main
            .client
            .query_opt(
                "SELECT t.typtype = 'd' AND t.typbasetype = pg_catalog.to_regtype($2)::oid
                        AND (t.typtypmod = -1 OR pg_catalog.format_type(t.typbasetype, t.typtypmod) = $2)
                   FROM pg_catalog.pg_type t WHERE t.oid = pg_catalog.to_regtype($1)::oid",
                &[&name, &base],
            )
            .await
            .map_err(|e| self.server_error(&e))?;
        Ok(row.map(|row| row.get::<_, Option<bool>>(0).unwrap_or(false)))
    }

    /// Whether `ty` names a type this database has (and is safe to put in DDL).
    async fn type_exists(&self, types: &mut TypeResolver, ty: &str) -> bool {
        is_safe_type_name(ty) && types.lookup(&self.main.client, ty).await.is_some()
    }

    /// Writes `batch`, which `ipc` holds, into the next lane's COPY.
    async fn write_batch(
        &mut self,
        batch: &IpcBatch<'_>,
        ipc: &Bytes,
    ) -> Result<(), ConnectorError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        // Batch by batch around the connections: each server parses and stores its share
        // while the others take theirs.
        let index = self.summary.batches as usize % self.lanes;
        while index > self.extra.len() {
            self.open_lane().await?;
        }
        let (pg, target, batches) = (&self.config.pg, &self.target, self.summary.batches);
        let lane = match index {
            0 => &mut self.main,
            i => &mut self.extra[i - 1],
        };
        if lane.txn.is_none() {
            lane.begin(pg, target).await?;
        }
        let rows = batch.num_rows();
        match self.encoder.whole_row_pieces(batch, CHUNK) {
            Some(pieces) => lane.feed_slices(pg, target, ipc, pieces).await?,
            None => {
                let mut row = 0;
                while row < rows {
                    row = self
                        .encoder
                        .encode(batch, row, &mut lane.buf, CHUNK)
                        .map_err(|e| {
                            let name = &batch.schema().fields[e.column].name;
                            ConnectorError::data(format!(
                                "column \"{}\" of {}, row {} of batch {}: {}",
                                name,
                                target,
                                e.row + 1,
                                batches + 1,
                                e.message
                            ))
                        })?;
                    if lane.buf.len() >= CHUNK {
                        lane.flush(pg, target).await?;
                    }
                }
            }
        }
        if let Some(txn) = &mut lane.txn {
            txn.rows += rows as u64;
        }
        Ok(())
    }

    /// Connects one more connection of a parallel write.
    async fn open_lane(&mut self) -> Result<(), ConnectorError> {
        let (client, session) = connect(&self.config.pg).await?;
        let mut lane = Lane::new(client, session);
        let statement = lane
            .client
            .prepare(&self.lanes_copy)
            .await
            .map_err(|e| self.server_error(&e))?;
        lane.copy = Some(statement);
        self.extra.push(lane);
        Ok(())
    }

    /// Commits the extra connections' rows (a parallel replace's, into its new table), then
    /// on the first connection ends the COPY, merges from staging, sets the commit marker
    /// (when one is kept: to `checkpoint`, and `last` says the stream is complete) and
    /// commits. With a marker, the last commit happens even without new rows, to mark the
    /// stream complete.
    async fn commit(
        &mut self,
        checkpoint: Option<String>,
        last: bool,
    ) -> Result<(), ConnectorError> {
        for lane in &mut self.extra {
            if let Some(rows) = lane.end_copy(&self.config.pg, &self.target).await? {
                lane.execute(&self.config.pg, &self.target, "COMMIT")
                    .await?;
                self.committed_rows += rows;
            }
        }
        let marking = self.marker.is_some() && (self.main.txn.is_some() || last);
        let rows = match self.main.end_copy(&self.config.pg, &self.target).await? {
            Some(rows) => {
                match &self.merge {
                    Merge::None => {}
                    Merge::Insert(sql) | Merge::Upsert(sql) => {
                        let sql = sql.clone();
                        self.execute(&sql).await?;
                    }
                }
                rows
            }
            None if marking => {
                self.execute("BEGIN").await?;
                0
            }
            None => return Ok(()),
        };
        if marking {
            let key = self.marker.clone().expect("marking");
            let statement = self
                .put_marker
                .clone()
                .expect("prepared with the first batch");
            guarded(
                &self.config.pg,
                &self.main.session,
                self.main
                    .client
                    .execute(&statement, &[&key.stream, &key.run, &checkpoint, &last]),
            )
            .await
            .map_err(|e| self.context(e))?;
        }
        // Not cancellable: once the server may have committed, the checkpoint must follow.
        self.main
            .client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| self.server_error(&e))?;
        self.committed_rows += rows;
        Ok(())
    }

    /// Replace's end: the staging table becomes the table, in one transaction.
    async fn swap(&mut self) -> Result<(), ConnectorError> {
        let stage = self
            .replace_stage
            .clone()
            .expect("replace created its staging table");
        self.execute(&sql::swap(
            &self.schema,
            &self.table,
            &stage,
            self.replace_has_key,
        ))
        .await?;
        self.replace_stage = None;
        Ok(())
    }

    /// Tells the host that every batch taken so far is committed.
    fn report(&mut self) -> Result<(), ConnectorError> {
        if self.unreported == 0 || (self.mode == WriteMode::Replace && self.replace_stage.is_some())
        {
            return Ok(());
        }
        checkpoint(&json!({ "rows": self.committed_rows }))?;
        self.unreported = 0;
        Ok(())
    }

    /// After a failure: abort the COPYs and the transactions, drop the staging tables.
    /// Best effort: the connection may be gone.
    async fn abort(&mut self) {
        for lane in &mut self.extra {
            lane.rollback().await;
        }
        self.main.rollback().await;
        if let Some(stage) = self.replace_stage.take() {
            let drop = sql::drop_table(&qualified_name(&self.schema, &stage));
            if let Err(e) = self.main.client.batch_execute(&drop).await {
                log::warn(&format!(
                    "could not drop the staging table {}: {}",
                    qualified_name(&self.schema, &stage),
                    classify(&e)
                ));
            }
        }
    }

    async fn execute(&self, sql: &str) -> Result<(), ConnectorError> {
        self.main.execute(&self.config.pg, &self.target, sql).await
    }

    fn server_error(&self, error: &tokio_postgres::Error) -> ConnectorError {
        self.context(classify(error))
    }

    fn context(&self, error: ConnectorError) -> ConnectorError {
        context_error(&self.target, error)
    }
}

/// Names the table in a server's error (a NOT NULL or unique violation, a bad value).
fn context_error(target: &str, mut error: ConnectorError) -> ConnectorError {
    if !error.message.starts_with("writing ") {
        error.message = format!("writing {}: {}", target, error.message);
    }
    error
}

/// The next batch, or a cancellation error as soon as the run is cancelled (the open
/// transaction is then rolled back instead of waiting for a source that will not come).
async fn next_or_cancelled() -> Result<Option<Vec<u8>>, ConnectorError> {
    let next = Box::pin(next_batch());
    let cancelled = Box::pin(rapidbyte_sdk::cancelled());
    match select(next, cancelled).await {
        Either::Left((batch, _)) => batch,
        Either::Right(_) => Err(ConnectorError::internal("the run was cancelled")),
    }
}

/// Runs a statement; if the run is cancelled meanwhile, asks the server to cancel it
/// (CancelRequest) and waits for it to stop before failing.
async fn guarded<T>(
    config: &PgConfig,
    session: &Session,
    statement: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, ConnectorError> {
    let statement = Box::pin(statement);
    let cancelled = Box::pin(rapidbyte_sdk::cancelled());
    match select(statement, cancelled).await {
        Either::Left((result, _)) => result.map_err(|e| classify(&e)),
        Either::Right(((), statement)) => {
            match cancel(config, &session.cancel_token).await {
                Ok(()) => {
                    log::info("run cancelled: asked the server to cancel the running statement")
                }
                Err(e) => log::warn(&format!("could not cancel the running statement: {}", e)),
            }
            let _ = statement.await;
            Err(ConnectorError::internal("the run was cancelled"))
        }
    }
}

/// Whether a `CREATE` failed because another session created an object of that name first:
/// committed before it (42710, duplicate object), or while it waited (23505, the catalog's
/// unique index).
fn created_meanwhile(error: &ConnectorError) -> bool {
    matches!(sqlstate_of(error), Some("42710" | "23505"))
}

/// What this database knows about a type name.
#[derive(Clone)]
struct FoundType {
    typtype: String,
    labels: Vec<String>,
}

impl FoundType {
    fn is_enum_with(&self, labels: &[String]) -> bool {
        self.typtype == "e" && labels.iter().all(|l| self.labels.contains(l))
    }
}

/// `to_regtype` lookups, once per type name per stream.
#[derive(Default)]
struct TypeResolver {
    known: HashMap<String, Option<FoundType>>,
}

impl TypeResolver {
    /// The type `name` stands for here, or `None` (also when it does not parse).
    async fn lookup(&mut self, client: &Client, name: &str) -> Option<FoundType> {
        if let Some(found) = self.known.get(name) {
            return found.clone();
        }
        let found = client
            .query_opt(
                "SELECT t.typtype::text,
                        COALESCE((SELECT json_agg(e.enumlabel::text ORDER BY e.enumsortorder)::text
                                    FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), '[]')
                   FROM pg_catalog.pg_type t WHERE t.oid = to_regtype($1)",
                &[&name],
            )
            .await
            .ok()
            .flatten()
            .map(|row| FoundType {
                typtype: row.get(0),
                labels: serde_json::from_str(row.get::<_, &str>(1)).unwrap_or_default(),
            });
        self.known.insert(name.to_string(), found.clone());
        found
    }

    fn forget(&mut self, name: &str) {
        self.known.remove(name);
    }
}

/// Before PostgreSQL 14 binary COPY refuses a composite value whose fields name types by
/// OIDs other than this database's (every user-defined type's): `postgresql-binary`
/// composites, and arrays of composites or domains, need a 14 or later destination.
fn check_native_oids(
    plan: &crate::schema::LoadPlan,
    relation: &PgRelation,
    server_version: &str,
) -> Result<(), ConnectorError> {
    let major: u32 = server_version
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|major| major.parse().ok())
        .unwrap_or(0);
    if major >= 14 {
        return Ok(());
    }
    for load in &plan.columns {
        let native = matches!(
            load.encoding,
            crate::encode::Encoding::Native | crate::encode::Encoding::NativeArray { .. }
        );
        let names_oids = relation.column(&load.name).map_or(false, |c| {
            c.pg_type.typtype == 'c'
                || c.pg_type
                    .element
                    .map_or(false, |e| matches!(e.typtype, 'c' | 'd'))
        });
        if native && names_oids {
            return Err(ConnectorError::schema(format!(
                "column \"{}\" ({}): PostgreSQL {} takes composite values in binary COPY only with this database's type OIDs inside; PostgreSQL 14 and later take them from another database. Set the source's native_lane: false to carry the column as text",
                load.name, load.target_type, server_version
            )));
        }
    }
    Ok(())
}
