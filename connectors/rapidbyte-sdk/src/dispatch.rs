//! From an operation's JSON input to the connector's method, and from its result to the
//! output JSON (wit/LOWERING.md, "Exports").

use crate::connector::Connector;
use crate::error::ConnectorError;
use crate::protocol::StreamRequest;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// The operations of wit `connector`, by their `rb_start` number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Spec,
    Check,
    Discover,
    Read,
    Write,
    Close,
    Committed,
}

impl Op {
    pub(crate) fn from_code(code: i32) -> Option<Op> {
        match code {
            0 => Some(Op::Spec),
            1 => Some(Op::Check),
            2 => Some(Op::Discover),
            3 => Some(Op::Read),
            4 => Some(Op::Write),
            5 => Some(Op::Close),
            6 => Some(Op::Committed),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Op::Spec => "spec",
            Op::Check => "check",
            Op::Discover => "discover",
            Op::Read => "read",
            Op::Write => "write",
            Op::Close => "close",
            Op::Committed => "committed",
        }
    }
}

/// Runs `op` on `connector`; `Ok` holds the output JSON of the op's ok value.
pub(crate) async fn dispatch<C: Connector>(
    connector: &mut C,
    op: Op,
    input: &[u8],
) -> Result<Vec<u8>, ConnectorError> {
    match op {
        Op::Spec => output(&C::spec()),
        Op::Close => output(&connector.close().await?),
        Op::Check | Op::Discover => {
            let mut input = parse_input(op, input)?;
            let config = config::<C>(op, &mut input)?;
            if op == Op::Check {
                output(&connector.check(config).await?)
            } else {
                output(&connector.discover(config).await?)
            }
        }
        Op::Read | Op::Write | Op::Committed => {
            let mut input = parse_input(op, input)?;
            let config = config::<C>(op, &mut input)?;
            let stream: StreamRequest = member(op, &mut input, "stream", "stream request")?;
            match op {
                Op::Read => output(&connector.read(config, stream).await?),
                Op::Write => output(&connector.write(config, stream).await?),
                _ => output(&connector.committed(config, stream).await?),
            }
        }
    }
}

fn parse_input(op: Op, input: &[u8]) -> Result<Map<String, Value>, ConnectorError> {
    serde_json::from_slice(input).map_err(|e| {
        ConnectorError::config(format!(
            "the `{}` input is not a JSON object: {}",
            op.name(),
            e
        ))
    })
}

fn config<C: Connector>(
    op: Op,
    input: &mut Map<String, Value>,
) -> Result<C::Config, ConnectorError> {
    member(op, input, "config", "connector config")
}

/// Parses one member on its own, so the error says which one is wrong: serde's message
/// names the field or variant at fault, and this prefix names the member.
fn member<T: DeserializeOwned>(
    op: Op,
    input: &mut Map<String, Value>,
    name: &str,
    what: &str,
) -> Result<T, ConnectorError> {
    let value = input.remove(name).ok_or_else(|| {
        ConnectorError::config(format!(
            "the `{}` input has no `{}` member",
            op.name(),
            name
        ))
    })?;
    serde_json::from_value(value)
        .map_err(|e| ConnectorError::config(format!("invalid {}: {}", what, e)))
}

fn output(value: &impl Serialize) -> Result<Vec<u8>, ConnectorError> {
    serde_json::to_vec(value)
        .map_err(|e| ConnectorError::internal(format!("cannot serialize the result: {}", e)))
}
