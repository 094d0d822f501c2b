//! Guest SDK for Rapidbyte connectors: everything a connector needs to run inside the
//! host (wit/connector.wit), with the binary contract (wit/LOWERING.md) hidden.
//!
//! A connector implements [`Connector`] and names its type with [`connector!`]:
//!
//! ```
//! use rapidbyte_sdk::protocol::{CheckResult, ConnectorSpec, PROTOCOL_VERSION};
//! use rapidbyte_sdk::{Connector, ConnectorError, LocalBoxFuture};
//!
//! #[derive(Default)]
//! struct Hello;
//!
//! #[derive(serde::Deserialize)]
//! struct Config {
//!     greeting: String,
//! }
//!
//! impl Connector for Hello {
//!     type Config = Config;
//!
//!     fn spec() -> ConnectorSpec {
//!         ConnectorSpec {
//!             name: "hello".into(),
//!             version: "0.1.0".into(),
//!             protocol_version: PROTOCOL_VERSION,
//!             config_schema: r#"{"type":"object","required":["greeting"]}"#.into(),
//!             supported_sync_modes: vec![],
//!             supported_write_modes: vec![],
//!             commit_markers: false,
//!             native_encodings: vec![],
//!         }
//!     }
//!
//!     fn check(&mut self, config: Config) -> LocalBoxFuture<'_, Result<CheckResult, ConnectorError>> {
//!         Box::pin(async move { Ok(CheckResult { ok: true, message: config.greeting }) })
//!     }
//! }
//!
//! rapidbyte_sdk::connector!(Hello);
//! ```
//!
//! Inside an operation, async code waits on host handles without blocking or spinning:
//! [`TcpStream`] (tokio `AsyncRead + AsyncWrite`, so tokio-postgres's `connect_raw` works
//! over it), [`emit_batch`]/[`next_batch`], [`sleep`], [`cancelled`]. Background tasks
//! (tokio-postgres's `Connection`) go to [`spawn`]. Host imports exist only on wasm32;
//! the rest builds and is tested natively.

pub mod arrow;
pub mod copy;
mod connector;
mod error;
mod executor;
mod poll_fn;
pub mod protocol;
mod tls;

// Driven only by the wasm32 exports; natively, only the tests use them.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod dispatch;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod reactor;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod result_code;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod runtime;

#[cfg(test)]
mod wake_allocations;

#[cfg(target_arch = "wasm32")]
mod abi;
#[cfg(target_arch = "wasm32")]
mod batch;
#[cfg(target_arch = "wasm32")]
mod cancel;
#[cfg(target_arch = "wasm32")]
mod checkpoint;
#[cfg(target_arch = "wasm32")]
mod exports;
#[cfg(target_arch = "wasm32")]
pub mod log;
#[cfg(target_arch = "wasm32")]
mod metrics;
#[cfg(target_arch = "wasm32")]
mod state;
#[cfg(target_arch = "wasm32")]
mod tcp;
#[cfg(target_arch = "wasm32")]
mod timer;

pub use connector::{Connector, LocalBoxFuture};
pub use error::{ConnectorError, ErrorCategory};
pub use executor::{spawn, yield_now};
pub use poll_fn::{poll_fn, PollFn};
pub use tls::{TlsMode, TlsSettings};

#[cfg(target_arch = "wasm32")]
pub use {
    batch::{emit_batch, next_batch},
    cancel::{cancelled, is_cancelled},
    checkpoint::{checkpoint, source_checkpoint},
    metrics::{counter_add, gauge_set},
    state::{state_get, state_put},
    tcp::TcpStream,
    timer::sleep,
};

/// What `connector!` expands to needs; not part of the API.
#[doc(hidden)]
#[cfg(target_arch = "wasm32")]
pub mod __private {
    pub use crate::exports::start;
}
