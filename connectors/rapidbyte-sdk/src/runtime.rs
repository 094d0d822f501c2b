//! The lifecycle of an operation (wit/LOWERING.md, "The poll protocol"): `rb_start`
//! spawns it as the main task, every slice runs the executor until it stops, and the
//! status tells the host what to do next. The wasm exports are thin wrappers over this.

use crate::connector::Connector;
use crate::dispatch::{dispatch, Op};
use crate::error::ConnectorError;
use crate::executor::{self, Stop};
use crate::protocol::PROTOCOL_VERSION;
use crate::reactor;
use std::any::Any;
use std::cell::RefCell;

/// Task polls per slice: a backstop for tasks that keep waking themselves. Connectors
/// bound their slices with `yield_now` (the SDK yields after every batch).
const SLICE_POLL_BUDGET: usize = 256;

/// What `rb_start` and `rb_poll` return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Done = 0,
    Pending = 1,
    Yield = 2,
    Failed = 3,
}

/// The host broke the protocol; the export returns the negative code and the host fails
/// the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Misuse {
    UnknownOperation(i32),
    OperationRunning,
    NoOperation,
    BadEventCount(i32),
}

impl Misuse {
    pub(crate) fn code(self) -> i32 {
        match self {
            Misuse::UnknownOperation(_) => -1,
            Misuse::OperationRunning => -2,
            Misuse::NoOperation => -3,
            Misuse::BadEventCount(_) => -4,
        }
    }

    pub(crate) fn message(self) -> String {
        match self {
            Misuse::UnknownOperation(op) => {
                format!("rb_start: unknown operation {} (0..=5 exist)", op)
            }
            Misuse::OperationRunning => "rb_start: an operation is still running".to_string(),
            Misuse::NoOperation => "rb_poll: no operation is running".to_string(),
            Misuse::BadEventCount(n) => {
                format!(
                    "rb_poll: {} is not an event count (the buffer has 256 slots)",
                    n
                )
            }
        }
    }
}

#[derive(Default)]
struct Operation {
    running: bool,
    /// Set by the main task when the connector's method returned.
    outcome: Option<Result<Vec<u8>, ConnectorError>>,
    /// The finished operation's output JSON, kept until the next start.
    output: Vec<u8>,
}

thread_local! {
    static OPERATION: RefCell<Operation> = RefCell::new(Operation::default());
    /// The connector instance between operations; the running operation's task owns it.
    static INSTANCE: RefCell<Option<Box<dyn Any>>> = RefCell::new(None);
}

/// Starts operation `op` with its JSON `input` and runs its first slice.
pub(crate) fn start<C: Connector>(
    op: i32,
    input: Box<[u8]>,
    host_protocol_version: i32,
) -> Result<Status, Misuse> {
    let op = Op::from_code(op).ok_or(Misuse::UnknownOperation(op))?;
    OPERATION.with(|operation| {
        let mut operation = operation.borrow_mut();
        if operation.running {
            return Err(Misuse::OperationRunning);
        }
        operation.running = true;
        operation.output.clear();
        Ok(())
    })?;
    if host_protocol_version != PROTOCOL_VERSION as i32 {
        let message = format!(
            "the host speaks protocol version {} but this connector was built for version {}",
            host_protocol_version, PROTOCOL_VERSION
        );
        return Ok(finish(Err(ConnectorError::internal(message))));
    }
    let mut connector = take_instance::<C>();
    executor::spawn(async move {
        let outcome = dispatch(&mut *connector, op, &input).await;
        INSTANCE.with(|instance| *instance.borrow_mut() = Some(connector));
        OPERATION.with(|operation| operation.borrow_mut().outcome = Some(outcome));
    });
    Ok(slice())
}

/// Delivers the first `count` events of `events` and runs the next slice.
pub(crate) fn poll(events: &[u32], count: i32) -> Result<Status, Misuse> {
    if !OPERATION.with(|operation| operation.borrow().running) {
        return Err(Misuse::NoOperation);
    }
    if count < 0 || count as usize > events.len() {
        return Err(Misuse::BadEventCount(count));
    }
    reactor::deliver(&events[..count as usize]);
    Ok(slice())
}

/// Address and length of the last finished operation's output JSON.
pub(crate) fn output() -> (*const u8, usize) {
    OPERATION.with(|operation| {
        let operation = operation.borrow();
        (operation.output.as_ptr(), operation.output.len())
    })
}

fn take_instance<C: Connector>() -> Box<C> {
    match INSTANCE.with(|instance| instance.borrow_mut().take()) {
        Some(instance) => instance.downcast::<C>().unwrap_or_else(|_| {
            unreachable!("a module exports one rb_start, so it has one connector type")
        }),
        None => Box::new(C::default()),
    }
}

fn slice() -> Status {
    let stop = executor::run(SLICE_POLL_BUDGET);
    // Once the main task is done, background tasks still get to run until they settle
    // (a tokio-postgres Connection sends Terminate after its Client is dropped); only
    // then does the operation end.
    if stop == Stop::Yielded {
        return Status::Yield;
    }
    let outcome = OPERATION.with(|operation| operation.borrow_mut().outcome.take());
    match (outcome, stop) {
        (Some(outcome), _) => finish(outcome),
        (None, Stop::Stalled) => Status::Pending,
        (None, _) => unreachable!("the operation's task ended without recording its outcome"),
    }
}

fn finish(outcome: Result<Vec<u8>, ConnectorError>) -> Status {
    let (status, output) = match outcome {
        Ok(json) => (Status::Done, json),
        Err(error) => (Status::Failed, error_json(&error)),
    };
    OPERATION.with(|operation| {
        let mut operation = operation.borrow_mut();
        operation.running = false;
        operation.output = output;
    });
    status
}

fn error_json(error: &ConnectorError) -> Vec<u8> {
    serde_json::to_vec(error).expect("a ConnectorError always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::LocalBoxFuture;
    use crate::executor::{spawn, yield_now};
    use crate::poll_fn::poll_fn;
    use crate::protocol::{CheckResult, ConnectorSpec, StreamRequest, StreamSummary};
    use crate::reactor::{register, READABLE};
    use serde::Deserialize;
    use serde_json::{json, Value};
    use std::cell::Cell;
    use std::rc::Rc;
    use std::task::Poll;

    const SPEC: i32 = 0;
    const CHECK: i32 = 1;
    const DISCOVER: i32 = 2;
    const READ: i32 = 3;
    const WRITE: i32 = 4;
    const CLOSE: i32 = 5;

    /// Waits for an event on this handle in `check`.
    const SOCKET: u32 = 9;

    #[derive(Default)]
    struct Fake {
        operations: u64,
    }

    #[derive(Deserialize)]
    struct FakeConfig {
        table: String,
    }

    impl Connector for Fake {
        type Config = FakeConfig;

        fn spec() -> ConnectorSpec {
            ConnectorSpec {
                name: "fake".into(),
                version: "1.2.3".into(),
                protocol_version: PROTOCOL_VERSION,
                config_schema: "{}".into(),
                supported_sync_modes: vec![],
                supported_write_modes: vec![],
                commit_markers: false,
                native_encodings: vec![],
            }
        }

        fn check(
            &mut self,
            config: FakeConfig,
        ) -> LocalBoxFuture<'_, Result<CheckResult, ConnectorError>> {
            Box::pin(async move {
                self.operations += 1;
                let mut waited = false;
                poll_fn(|cx| {
                    if waited {
                        return Poll::Ready(());
                    }
                    waited = true;
                    register(SOCKET, READABLE, cx.waker());
                    Poll::Pending
                })
                .await;
                Ok(CheckResult {
                    ok: true,
                    message: format!("found {}", config.table),
                })
            })
        }

        fn read(
            &mut self,
            _: FakeConfig,
            stream: StreamRequest,
        ) -> LocalBoxFuture<'_, Result<StreamSummary, ConnectorError>> {
            Box::pin(async move {
                self.operations += 1;
                Ok(StreamSummary {
                    rows: self.operations,
                    bytes: stream.limits.max_batch_rows.into(),
                    batches: 0,
                })
            })
        }

        fn write(
            &mut self,
            _: FakeConfig,
            _: StreamRequest,
        ) -> LocalBoxFuture<'_, Result<StreamSummary, ConnectorError>> {
            Box::pin(async { Err(ConnectorError::data("row 3: value too long")) })
        }
    }

    fn start_json(op: i32, input: Value) -> Result<Status, Misuse> {
        start::<Fake>(
            op,
            serde_json::to_vec(&input).unwrap().into_boxed_slice(),
            PROTOCOL_VERSION as i32,
        )
    }

    fn output_json() -> Value {
        let (ptr, len) = output();
        serde_json::from_slice(unsafe { std::slice::from_raw_parts(ptr, len) }).unwrap()
    }

    fn stream_input() -> Value {
        json!({"config": {"table": "users"}, "stream": {"name": "users", "sync_mode": "full_refresh"}})
    }

    #[test]
    fn spec_is_done_in_the_first_slice() {
        assert_eq!(start_json(SPEC, json!({})), Ok(Status::Done));
        assert_eq!(output_json()["name"], "fake");
        assert_eq!(output_json()["protocol_version"], PROTOCOL_VERSION);
    }

    #[test]
    fn an_operation_waits_for_its_event_then_finishes() {
        assert_eq!(
            start_json(CHECK, json!({"config": {"table": "users"}})),
            Ok(Status::Pending)
        );
        assert_eq!(poll(&[], 0), Ok(Status::Pending), "no event, no progress");
        assert_eq!(
            poll(&[7 << 2 | READABLE], 1),
            Ok(Status::Pending),
            "someone else's event"
        );
        assert_eq!(poll(&[SOCKET << 2 | READABLE, 0], 1), Ok(Status::Done));
        assert_eq!(output_json(), json!({"ok": true, "message": "found users"}));
    }

    #[test]
    fn a_bad_config_fails_with_a_config_error_naming_the_field() {
        assert_eq!(
            start_json(CHECK, json!({"config": {"tabel": "users"}})),
            Ok(Status::Failed)
        );
        assert_eq!(
            output_json(),
            json!({"category": "config", "message": "invalid connector config: missing field `table`", "retryable": false})
        );
    }

    #[test]
    fn a_missing_member_and_malformed_input_are_named() {
        assert_eq!(
            start_json(READ, json!({"config": {"table": "t"}})),
            Ok(Status::Failed)
        );
        assert_eq!(
            output_json()["message"],
            "the `read` input has no `stream` member"
        );
        assert_eq!(
            start::<Fake>(
                WRITE,
                b"[1]".to_vec().into_boxed_slice(),
                PROTOCOL_VERSION as i32
            ),
            Ok(Status::Failed)
        );
        let message = output_json()["message"].as_str().unwrap().to_string();
        assert!(
            message.starts_with("the `write` input is not a JSON object:"),
            "{}",
            message
        );
    }

    #[test]
    fn an_operation_the_connector_lacks_fails_with_a_config_error() {
        assert_eq!(
            start_json(DISCOVER, json!({"config": {"table": "t"}})),
            Ok(Status::Failed)
        );
        assert_eq!(
            output_json(),
            json!({"category": "config", "message": "this connector does not support `discover`", "retryable": false})
        );
    }

    #[test]
    fn a_connector_error_is_the_failed_output() {
        assert_eq!(start_json(WRITE, stream_input()), Ok(Status::Failed));
        assert_eq!(
            output_json(),
            json!({"category": "data", "message": "row 3: value too long", "retryable": false})
        );
    }

    #[test]
    fn one_instance_serves_every_operation_in_turn() {
        assert_eq!(start_json(READ, stream_input()), Ok(Status::Done));
        assert_eq!(
            output_json(),
            json!({"rows": 1, "bytes": 10000, "batches": 0})
        );
        assert_eq!(start_json(READ, stream_input()), Ok(Status::Done));
        assert_eq!(output_json()["rows"], 2);
        assert_eq!(start_json(CLOSE, json!({})), Ok(Status::Done));
        assert_eq!(output_json(), Value::Null);
    }

    #[test]
    fn the_operation_ends_only_after_background_tasks_settle() {
        let settled = Rc::new(Cell::new(false));
        let flag = settled.clone();
        spawn(async move {
            yield_now().await;
            flag.set(true);
        });
        assert_eq!(start_json(SPEC, json!({})), Ok(Status::Yield));
        assert!(!settled.get());
        assert_eq!(poll(&[], 0), Ok(Status::Done));
        assert!(settled.get());
    }

    #[test]
    fn host_misuse_is_reported_with_a_negative_code() {
        assert_eq!(start_json(7, json!({})), Err(Misuse::UnknownOperation(7)));
        assert_eq!(poll(&[], 0), Err(Misuse::NoOperation));
        assert_eq!(
            start_json(CHECK, json!({"config": {"table": "t"}})),
            Ok(Status::Pending)
        );
        assert_eq!(start_json(SPEC, json!({})), Err(Misuse::OperationRunning));
        assert_eq!(poll(&[0; 4], 5), Err(Misuse::BadEventCount(5)));
        assert_eq!(poll(&[0; 4], -1), Err(Misuse::BadEventCount(-1)));
        let codes = [
            Misuse::UnknownOperation(6),
            Misuse::OperationRunning,
            Misuse::NoOperation,
            Misuse::BadEventCount(5),
        ]
        .map(Misuse::code);
        assert_eq!(codes, [-1, -2, -3, -4]);
    }

    #[test]
    fn a_host_of_another_protocol_version_fails_the_start() {
        let input = b"{}".to_vec().into_boxed_slice();
        let other = PROTOCOL_VERSION as i32 + 1;
        assert_eq!(start::<Fake>(SPEC, input, other), Ok(Status::Failed));
        assert_eq!(output_json()["category"], "internal");
        assert_eq!(
            output_json()["message"],
            format!(
                "the host speaks protocol version {} but this connector was built for version {}",
                other, PROTOCOL_VERSION
            )
        );
        assert_eq!(
            start_json(SPEC, json!({})),
            Ok(Status::Done),
            "not left running"
        );
    }
}
