//! Connecting through the host's sockets, and cancelling a running query.

use crate::config::PgConfig;
use crate::error::classify;
use crate::version::check_server_version;
use crate::SESSION_SETUP;
use rapidbyte_sdk::{log, spawn, ConnectorError, TcpStream};
use tokio::io::BufReader;
use tokio_postgres::{CancelToken, Client, NoTls};

/// What the server told us about itself at startup, and how to cancel this session's
/// queries.
#[derive(Clone)]
pub struct Session {
    /// `server_version`, e.g. `15.18 (Debian 15.18-0+deb12u1)`.
    pub server_version: String,
    pub server_encoding: String,
    pub cancel_token: CancelToken,
}

/// Bytes one read from the host socket may take.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// Connects and authenticates (SCRAM-SHA-256, md5, password or trust: whatever the server
/// asks for), spawns the connection's I/O task on the SDK executor and sets up the session
/// ([`SESSION_SETUP`]). Errors: refused credentials are `auth`; an unreachable server
/// `network` (retryable); a missing database, an address outside the allow-list, a
/// server certificate failing the TLS check or a `SQL_ASCII` server `config`; all with the server's or host's message.
///
/// Dropping the `Client` ends the session (the connection task sends Terminate).
pub async fn connect(config: &PgConfig) -> Result<(Client, Session), ConnectorError> {
    // tokio-postgres reads through an 8 KiB frame buffer: unbuffered, a 250 MB COPY took
    // ~37,000 host calls and recv syscalls. Reads through this buffer take what the kernel
    // has, up to its size, in one call; writes pass straight through.
    // TLS, when the settings ask for it, is the host's: the stream carries plain bytes.
    let stream = BufReader::with_capacity(
        READ_BUFFER_BYTES,
        TcpStream::connect_tls(&config.host, config.port, &config.tls()?)?,
    );
    let mut pg = tokio_postgres::Config::new();
    pg.user(&config.user)
        .dbname(&config.database)
        .application_name("rapidbyte");
    if let Some(password) = &config.password {
        pg.password(password);
    }
    let (client, connection) = pg
        .connect_raw(stream, NoTls)
        .await
        .map_err(|e| classify(&e))?;
    let server_version = connection
        .parameter("server_version")
        .unwrap_or_default()
        .to_string();
    let server_encoding = connection
        .parameter("server_encoding")
        .unwrap_or_default()
        .to_string();
    spawn(async move {
        if let Err(error) = connection.await {
            log::debug(&format!("postgres connection ended: {}", error));
        }
    });
    // Text reaches us as UTF-8 whatever the server's encoding (client_encoding=UTF8 makes
    // the server convert), except from SQL_ASCII, which does not convert anything.
    if server_encoding.eq_ignore_ascii_case("SQL_ASCII") {
        return Err(ConnectorError::config(format!(
            "database \"{}\" uses server encoding SQL_ASCII, whose text cannot be read as UTF-8 reliably; \
             use a database with a real encoding (UTF8)",
            config.database
        )));
    }
    check_server_version(&server_version)?;
    client
        .batch_execute(SESSION_SETUP)
        .await
        .map_err(|e| classify(&e))?;
    let cancel_token = client.cancel_token();
    Ok((
        client,
        Session {
            server_version,
            server_encoding,
            cancel_token,
        },
    ))
}

/// Asks the server to cancel the query `token`'s session is running: a CancelRequest on a
/// new connection through the host (the session's own socket is busy with that query),
/// secured as the session's was (the same TLS settings). The server does not answer; the
/// running query then fails with SQLSTATE 57014.
pub async fn cancel(config: &PgConfig, token: &CancelToken) -> Result<(), ConnectorError> {
    let stream = TcpStream::connect_tls(&config.host, config.port, &config.tls()?)?;
    token
        .cancel_query_raw(stream, NoTls)
        .await
        .map_err(|e| classify(&e))
}
