//! Arrow IPC writer and reader for the types connectors exchange.
//!
//! Each batch is one complete IPC stream (wit/LOWERING.md, "Arrow batches"): a Schema
//! message, exactly one RecordBatch message and the end-of-stream marker; little-endian,
//! MetadataVersion V5, 8-byte aligned and padded buffers, no compression, no dictionaries.
//! Debian packages no arrow or flatbuffers crate, so the FlatBuffers metadata is written
//! and read here by hand, limited to the tables of `Schema.fbs`/`Message.fbs` we need.
//!
//! - [`BatchBuilder`]: append values column by column, `finish` into stream bytes.
//! - [`IpcBatch`]: parse and validate stream bytes once, then read values zero-copy.

mod builder;
mod error;
mod flatbuf;
mod format;
mod reader;
mod schema;
mod writer;

#[cfg(test)]
mod tests;

pub use builder::BatchBuilder;
pub use error::ArrowError;
pub use reader::{Column, IpcBatch};
pub use schema::{DataType, Field, Schema};
