//! TCP through the host's non-blocking sockets, as a tokio `AsyncRead + AsyncWrite`
//! stream (what tokio-postgres's `connect_raw` takes).

use crate::abi;
use crate::error::ConnectorError;
use crate::reactor::{self, READABLE, WRITABLE};
use crate::result_code::{CONNECT_FAILED, DENIED, IO_ERROR, TLS_REFUSED, WOULD_BLOCK};
use crate::tls::TlsSettings;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A TCP connection. Reads and writes that cannot proceed park the task until the host
/// reports the socket ready; nothing ever blocks or spins. One task may read while
/// another writes (split it with `tokio::io::split`).
pub struct TcpStream {
    handle: u32,
}

impl TcpStream {
    /// Starts connecting and returns at once; the first read or write waits for the
    /// connection and fails if it could not be made. Fails at once with a config error
    /// when `host:port` is outside the pipeline's network allow-list; an address the silo's
    /// egress policy refuses fails the first read or write with a config error.
    pub fn connect(host: &str, port: u16) -> Result<TcpStream, ConnectorError> {
        // Safety: the host only reads `len` bytes at `ptr`.
        let handle = unsafe { abi::tcp_connect(host.as_ptr(), host.len(), i32::from(port)) };
        if handle < 0 {
            return Err(abi::import_failure("tcp_connect", handle));
        }
        Ok(TcpStream {
            handle: handle as u32,
        })
    }

    /// [`TcpStream::connect`], then TLS negotiated by the host the way PostgreSQL starts it
    /// (SSLRequest, then the handshake) as `tls` asks; the stream carries the plain bytes
    /// inside the TLS session, so the connector speaks the protocol as over plain TCP. A
    /// certificate that fails the check, or a server without TLS where `tls` requires it,
    /// fails the first read or write with a config error naming the server and the reason.
    pub fn connect_tls(
        host: &str,
        port: u16,
        tls: &TlsSettings,
    ) -> Result<TcpStream, ConnectorError> {
        let settings = serde_json::to_vec(tls).expect("TLS settings serialize to JSON");
        // Safety: the host only reads `len` bytes at each pointer.
        let handle = unsafe {
            abi::tcp_connect_tls(
                host.as_ptr(),
                host.len(),
                i32::from(port),
                settings.as_ptr(),
                settings.len(),
            )
        };
        if handle < 0 {
            return Err(abi::import_failure("tcp_connect_tls", handle));
        }
        Ok(TcpStream {
            handle: handle as u32,
        })
    }

    /// Reads without parking the task on would-block (`Ok(None)`): the busy-polling
    /// pattern this SDK exists to avoid, kept only so a test can show what it costs.
    #[doc(hidden)]
    pub fn try_read_unparked(&self, buf: &mut [u8]) -> Result<Option<usize>, ConnectorError> {
        // Safety: the host writes at most `len` bytes at `ptr`.
        match unsafe { abi::tcp_read(self.handle as i32, buf.as_mut_ptr(), buf.len()) } {
            WOULD_BLOCK => Ok(None),
            n if n >= 0 => Ok(Some(n as usize)),
            code => Err(abi::import_failure("tcp_read", code)),
        }
    }

    /// Turns an import's result into a poll result: a count, or parked on `interest`.
    fn complete(
        &self,
        import: &str,
        code: i64,
        interest: u32,
        cx: &Context<'_>,
    ) -> Poll<io::Result<usize>> {
        match code {
            n if n >= 0 => Poll::Ready(Ok(n as usize)),
            WOULD_BLOCK => {
                reactor::register(self.handle, interest, cx.waker());
                Poll::Pending
            }
            code => Poll::Ready(Err(io_error(import, code))),
        }
    }
}

/// tokio's traits speak `io::Error`; the host's `ConnectorError` rides inside it and
/// `ConnectorError::from(io::Error)` takes it back out.
fn io_error(import: &str, code: i64) -> io::Error {
    let kind = match code {
        CONNECT_FAILED => io::ErrorKind::ConnectionRefused,
        IO_ERROR => io::ErrorKind::ConnectionReset,
        DENIED | TLS_REFUSED => io::ErrorKind::PermissionDenied,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, abi::import_failure(import, code))
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        // Safety: the host writes (initializes) the first `n` bytes and we claim no more.
        let unfilled = unsafe { buf.unfilled_mut() };
        let code = unsafe {
            abi::tcp_read(
                self.handle as i32,
                unfilled.as_mut_ptr() as *mut u8,
                unfilled.len(),
            )
        };
        self.complete("tcp_read", code, READABLE, cx).map_ok(|n| {
            // Safety: see above; 0 is the end of the stream and fills nothing.
            unsafe { buf.assume_init(n) };
            buf.advance(n);
        })
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // Safety: the host only reads `len` bytes at `ptr`.
        let code = unsafe { abi::tcp_write(self.handle as i32, data.as_ptr(), data.len()) };
        self.complete("tcp_write", code, WRITABLE, cx)
    }

    /// Bytes the host took are sent by the host, even after close: nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// The contract has no half-close; dropping the stream closes it.
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        reactor::forget(self.handle);
        // Safety: no pointers. The handle is ours and closed once.
        unsafe { abi::tcp_close(self.handle as i32) };
    }
}
