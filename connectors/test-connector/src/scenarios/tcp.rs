//! Socket scenarios: concurrent tasks on one socket, idle waits, busy waits, refused
//! connects.

use super::rows;
use futures_channel::oneshot;
use rapidbyte_sdk::protocol::StreamSummary;
use rapidbyte_sdk::{poll_fn, spawn, ConnectorError, TcpStream};
use std::task::Poll;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, ReadHalf};

/// Writes `ping {i}\n` for every request without waiting for replies, while a reader task
/// of its own checks that `pong {i}\n` comes back in order: a task reading and another
/// writing one socket, like tokio-postgres's `Connection` and `Client`.
pub(super) async fn ping_pong(
    host: &str,
    port: u16,
    requests: u32,
) -> Result<StreamSummary, ConnectorError> {
    let (reader, mut writer) = tokio::io::split(TcpStream::connect(host, port)?);
    let (replies_tx, replies_rx) = oneshot::channel();
    spawn(async move {
        // The receiver only goes away if the writer failed first; its error is reported.
        let _ = replies_tx.send(read_pongs(reader, requests).await);
    });
    for i in 0..requests {
        writer.write_all(format!("ping {}\n", i).as_bytes()).await?;
    }
    let replies = replies_rx
        .await
        .map_err(|_| ConnectorError::internal("the reader task ended without a result"))??;
    Ok(rows(replies))
}

async fn read_pongs(reader: ReadHalf<TcpStream>, requests: u32) -> Result<u64, ConnectorError> {
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    for i in 0..requests {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            let message = format!(
                "the server closed the connection after {} of {} replies",
                i, requests
            );
            return Err(ConnectorError::network(message));
        }
        let expected = format!("pong {}\n", i);
        if line != expected {
            return Err(ConnectorError::data(format!(
                "reply {}: expected {:?}, got {:?}",
                i, expected, line
            )));
        }
    }
    Ok(u64::from(requests))
}

/// Sends `ping {i}\n` and waits for `pong {i}\n` before the next request.
pub(super) async fn request_reply(
    host: &str,
    port: u16,
    requests: u32,
) -> Result<StreamSummary, ConnectorError> {
    let mut stream = BufReader::new(TcpStream::connect(host, port)?);
    let mut line = String::new();
    for i in 0..requests {
        stream
            .get_mut()
            .write_all(format!("ping {}\n", i).as_bytes())
            .await?;
        line.clear();
        if stream.read_line(&mut line).await? == 0 || line != format!("pong {}\n", i) {
            return Err(ConnectorError::data(format!("reply {}: got {:?}", i, line)));
        }
    }
    Ok(rows(u64::from(requests)))
}

/// Reads exactly `bytes` bytes, checking each (byte i is i % 251), from a server that keeps
/// the connection open after them; rows = bytes read.
pub(super) async fn stream(
    host: &str,
    port: u16,
    bytes: u64,
) -> Result<StreamSummary, ConnectorError> {
    let mut stream = TcpStream::connect(host, port)?;
    let mut buffer = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    while total < bytes {
        let want = buffer.len().min((bytes - total) as usize);
        let read = stream.read(&mut buffer[..want]).await?;
        if read == 0 {
            return Err(ConnectorError::network(format!(
                "the server closed the connection after {} of {} bytes",
                total, bytes
            )));
        }
        for (offset, byte) in buffer[..read].iter().enumerate() {
            let at = total + offset as u64;
            if u64::from(*byte) != at % 251 {
                let message = format!("byte {}: {}, expected {}", at, byte, at % 251);
                return Err(ConnectorError::data(message));
            }
        }
        total += read as u64;
    }
    Ok(rows(total))
}

/// Reads until a silent server closes the connection; rows = bytes read.
pub(super) async fn wait_eof(host: &str, port: u16) -> Result<StreamSummary, ConnectorError> {
    let mut stream = TcpStream::connect(host, port)?;
    Ok(rows(read_to_eof(&mut stream).await?))
}

/// `wait_eof` the way the post-mortem's first fix did it: on would-block the task wakes
/// itself and retries at once instead of waiting for the host's event, spinning a core.
pub(super) async fn wait_eof_busy(host: &str, port: u16) -> Result<StreamSummary, ConnectorError> {
    let stream = TcpStream::connect(host, port)?;
    let mut buffer = [0u8; 8192];
    let mut total = 0u64;
    loop {
        // `None` is would-block.
        let read = poll_fn(
            |cx| match stream.try_read_unparked(&mut buffer).transpose() {
                None => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                Some(result) => Poll::Ready(result),
            },
        )
        .await?;
        if read == 0 {
            return Ok(rows(total));
        }
        total += read as u64;
    }
}

/// Connects, sends one byte and reads until the end of the stream; any failure (a denied
/// or refused connect) fails the operation with the host's error.
pub(super) async fn connect_only(host: &str, port: u16) -> Result<StreamSummary, ConnectorError> {
    let mut stream = TcpStream::connect(host, port)?;
    stream.write_all(b"x").await?;
    Ok(rows(read_to_eof(&mut stream).await?))
}

async fn read_to_eof(stream: &mut TcpStream) -> Result<u64, ConnectorError> {
    let mut buffer = [0u8; 8192];
    let mut total = 0u64;
    loop {
        match stream.read(&mut buffer).await? {
            0 => return Ok(total),
            n => total += n as u64,
        }
    }
}
