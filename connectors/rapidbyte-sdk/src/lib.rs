//! Guest SDK for Rapidbyte connectors (see wit/connector.wit and wit/LOWERING.md).
pub mod arrow;
