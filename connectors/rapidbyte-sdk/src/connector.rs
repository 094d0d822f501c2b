//! How a connector is declared: implement [`Connector`] and name the type with
//! [`connector!`](crate::connector!). The SDK does everything the ABI asks for.

use crate::error::ConnectorError;
use crate::protocol::{
    CheckResult, CommitMarker, ConnectorSpec, StreamRequest, StreamSchema, StreamSummary,
};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// A boxed future that need not be `Send` (the guest has one thread). Trait methods
/// return it because Rust 1.63 has no `async fn` in traits.
pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// A connector. One instance (made with `Default`) lives as long as the host's instance
/// of the module and serves its operations one after another, so it may keep
/// connections from `check` to `close`.
///
/// Each method is an operation of wit `connector`: the SDK parses the input (a bad config
/// fails the operation with a config error naming the problem), runs the future to
/// completion across as many host polls as it needs, and reports its result.
pub trait Connector: Default + 'static {
    /// The connector's `config` object, parsed from the pipeline's JSON.
    type Config: DeserializeOwned;

    fn spec() -> ConnectorSpec;

    fn check(
        &mut self,
        config: Self::Config,
    ) -> LocalBoxFuture<'_, Result<CheckResult, ConnectorError>>;

    fn discover(
        &mut self,
        _config: Self::Config,
    ) -> LocalBoxFuture<'_, Result<Vec<StreamSchema>, ConnectorError>> {
        unsupported("discover")
    }

    /// Reads `stream` and emits it as batches (`emit_batch`).
    fn read(
        &mut self,
        _config: Self::Config,
        _stream: StreamRequest,
    ) -> LocalBoxFuture<'_, Result<StreamSummary, ConnectorError>> {
        unsupported("read")
    }

    /// Takes batches (`next_batch`) until the end of the stream and writes them.
    fn write(
        &mut self,
        _config: Self::Config,
        _stream: StreamRequest,
    ) -> LocalBoxFuture<'_, Result<StreamSummary, ConnectorError>> {
        unsupported("write")
    }

    /// Destination: the commit marker `write` keeps for `stream` (its `marker` names it), as
    /// committed last, or `None` when there is none yet. Only for connectors whose spec says
    /// `commit_markers`.
    fn committed(
        &mut self,
        _config: Self::Config,
        _stream: StreamRequest,
    ) -> LocalBoxFuture<'_, Result<Option<CommitMarker>, ConnectorError>> {
        unsupported("committed")
    }

    /// Called once, last: say goodbye to servers. Dropping a tokio-postgres `Client`
    /// here lets its `Connection` task send Terminate before the operation ends.
    fn close(&mut self) -> LocalBoxFuture<'_, Result<(), ConnectorError>> {
        Box::pin(async { Ok(()) })
    }
}

fn unsupported<'a, T: 'a>(operation: &str) -> LocalBoxFuture<'a, Result<T, ConnectorError>> {
    let error = ConnectorError::config(format!("this connector does not support `{}`", operation));
    Box::pin(async move { Err(error) })
}

/// Declares the module's connector: `rapidbyte_sdk::connector!(MyConnector);` once per
/// crate (a `cdylib`). It exports `rb_start`, which runs operations on one instance of
/// the type; the SDK exports the rest of the ABI. Outside wasm32 it expands to nothing,
/// so a connector crate's pure code can be tested natively.
#[macro_export]
macro_rules! connector {
    ($connector:ty) => {
        #[cfg(target_arch = "wasm32")]
        #[no_mangle]
        pub unsafe extern "C" fn rb_start(op: i32, input_ptr: *mut u8, input_len: i32) -> i32 {
            $crate::__private::start::<$connector>(op, input_ptr, input_len)
        }
    };
}
