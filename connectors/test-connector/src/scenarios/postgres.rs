//! PostgreSQL through tokio-postgres over the host's sockets: `connect_raw` on a
//! `TcpStream`, the `Connection` on a task of its own.

use super::rows;
use rapidbyte_sdk::protocol::StreamSummary;
use rapidbyte_sdk::{log, spawn, ConnectorError, TcpStream};
use serde::Deserialize;
use std::io;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

#[derive(Deserialize)]
pub(crate) struct PgLogin {
    host: String,
    port: u16,
    user: String,
    password: String,
    database: String,
}

#[derive(Deserialize)]
pub(crate) struct PgQuery {
    #[serde(flatten)]
    login: PgLogin,
    sql: String,
}

/// Connects and authenticates (SCRAM or whatever the server asks for).
pub(crate) async fn connect(login: &PgLogin) -> Result<Client, ConnectorError> {
    let stream = TcpStream::connect(&login.host, login.port)?;
    let mut config = tokio_postgres::Config::new();
    config
        .user(&login.user)
        .password(&login.password)
        .dbname(&login.database);
    let (client, connection) = config.connect_raw(stream, NoTls).await.map_err(classify)?;
    spawn(async move {
        if let Err(error) = connection.await {
            log::warn(&format!("postgres connection ended: {}", error));
        }
    });
    Ok(client)
}

/// Runs `sql` with the simple query protocol; rows = rows returned.
pub(super) async fn query(query: &PgQuery) -> Result<StreamSummary, ConnectorError> {
    let client = connect(&query.login).await?;
    let messages = client.simple_query(&query.sql).await.map_err(classify)?;
    let returned = messages
        .iter()
        .filter(|message| matches!(message, SimpleQueryMessage::Row(_)))
        .count();
    Ok(rows(returned as u64))
}

/// Refused credentials are auth errors and other server errors data errors, with the
/// server's message. Anything else happened on the way (a socket error carries the host's
/// error inside, a denied address stays a config error): a retryable network error.
fn classify(error: tokio_postgres::Error) -> ConnectorError {
    if let Some(db) = error.as_db_error() {
        let code = db.code();
        return if *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        {
            ConnectorError::auth(db.message())
        } else {
            ConnectorError::data(db.message())
        };
    }
    let socket_error =
        std::error::Error::source(&error).and_then(|source| source.downcast_ref::<io::Error>());
    match socket_error {
        Some(io) => ConnectorError::from(io),
        None => ConnectorError::network(error.to_string()),
    }
}
