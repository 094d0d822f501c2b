//! What Rapidbyte's PostgreSQL connectors (`source-postgres`, `dest-postgres`) share.
//!
//! - [`PgConfig`]: the connection settings of both connectors (and [`config_schema`], its
//!   JSON Schema). The password never appears in `Debug` output, logs or errors.
//! - [`connect`] / [`cancel`] (wasm32 only): tokio-postgres `connect_raw` over the host's
//!   sockets, the `Connection` spawned on the SDK's executor, a fixed session setup; and a
//!   CancelRequest on a fresh socket for a query that must stop now.
//! - [`classify`]: a tokio-postgres error as a [`ConnectorError`] with the right category.
//! - [`quote_ident`], [`quote_literal`], [`qualified_name`]: SQL text built safely.
//! - [`catalog`]: tables, views and their columns (with everything the type mapping needs).
//! - [`types`]: THE type mapping, both ways ([`map_type`], [`pg_type_for_field`]).
//! - [`wire`]: PostgreSQL binary values <-> Arrow values (epochs, numeric, interval, "char").
//!
//! # The type mapping
//!
//! Every Arrow field carries metadata `rapidbyte.native_type` = PostgreSQL's
//! `format_type(type, typmod)` (for a domain: of its base type), so a PostgreSQL
//! destination recreates the exact column type, including for columns carried as text.
//!
//! | PostgreSQL | Arrow | read as |
//! |---|---|---|
//! | `boolean` | Boolean | binary |
//! | `smallint` / `integer` / `bigint` | Int16 / Int32 / Int64 | binary |
//! | `real` / `double precision` (NaN, ±Infinity, -0 kept bit for bit) | Float32 / Float64 | binary |
//! | `numeric(p,s)`, 1 <= p <= 38, 0 <= s <= p | Decimal128(p,s) | binary, decoded exactly to i128; NaN is a data error naming column and row |
//! | `numeric` unconstrained, p > 38, or s < 0 or s > p | Utf8 | `::text` (exact) |
//! | `text`, `varchar(n)`, `char(n)` (padding kept), `name` | Utf8 | binary |
//! | `"char"` | Utf8 | binary; a byte >= 0x80 becomes `\ooo` (its PostgreSQL 15+ text form), 0 becomes `''` |
//! | `bytea` | Binary | binary |
//! | `date` (±infinity) | Date32 | binary: days + 10957; infinity = i32::MAX, -infinity = i32::MIN |
//! | `time` | Time64(µs) | binary (`24:00:00` stays 86400000000) |
//! | `timestamp` / `timestamptz` (±infinity) | Timestamp(µs) / Timestamp(µs, "UTC") | binary: µs + 946684800000000; infinity = i64::MAX, -infinity = i64::MIN |
//! | `interval` | Interval(MonthDayNano) | binary: (months, days, µs * 1000); a time part beyond ±292 years moves whole days into the day field (an equal interval) |
//! | `uuid` | FixedSizeBinary(16), extension `arrow.uuid` | binary |
//! | `json`, `jsonb`, `inet`, `cidr`, `timetz`, enums, arrays of any type above | Utf8 | `::text` |
//! | anything else (`money`, `point`, ranges, composites, `xml`, ...) | Utf8 | `::text`, with a warning naming the column; with `strict_types` a schema error before any row is read |
//!
//! Enums (and arrays of enums) also carry `rapidbyte.enum_labels`: a JSON array of the
//! labels in sort order; user-defined composites and ranges (and arrays of them)
//! `rapidbyte.type_definition`: their attributes' names and types, or their subtype; a
//! column of a domain `rapidbyte.domains`: the domain and those under it (base type,
//! collation, default, NOT NULL, checks), innermost first. The reverse direction, [`pg_type_for_field`], prefers
//! `rapidbyte.native_type` and otherwise derives the type from the Arrow type.
//!
//! # The native lane (`postgresql-binary`)
//!
//! Between two PostgreSQL connectors the host agrees `postgresql-binary` (both specs offer
//! it). The source then carries every column whose type has binary send/receive
//! ([`types::PgType::travels_native`]: all but pseudo-types, `aclitem` and the like) as an Arrow
//! `binary` column of the values' binary COPY bytes, undecoded ([`types::native_mapping`]), and
//! the destination writes them untouched into a column of that type (setting an array's
//! element OID to its own), or stages and casts them into a wider column of the same kind.
//! Exact for every value PostgreSQL stores (NaN and ±Infinity in any numeric, timestamps to
//! year 294276, composites, ranges, ...); the table above stays the lane to anything else.
//!
//! Text values are exact because every session runs with `client_encoding=UTF8` (the
//! server converts from its encoding; `SQL_ASCII` servers are refused), `DateStyle=ISO`,
//! `IntervalStyle=postgres`, `extra_float_digits=3`, `TimeZone=UTC` and `bytea_output=hex`.

#[cfg(feature = "bench-data")]
pub mod bench_data;
pub mod catalog;
mod config;
#[cfg(target_arch = "wasm32")]
mod connect;
mod error;
mod ident;
pub mod types;
mod version;
pub mod wire;

pub use catalog::{PgColumn, PgRelation};
pub use config::{config_schema, schema_keys, struct_keys, PgConfig};
#[cfg(target_arch = "wasm32")]
pub use connect::{cancel, connect, Session};
pub use error::{classify, classify_sqlstate, sqlstate_of};
pub use ident::{qualified_name, quote_ident, quote_literal};
pub use types::{
    arrow_type_name, field_type_name, map_type, pg_type_for_field, BinaryFormat, PgType, ReadAs,
    TypeMapping,
};
pub use version::check_server_version;

/// Re-exported so connectors name the same versions.
pub use rapidbyte_sdk::{ConnectorError, ErrorCategory};
pub use tokio_postgres;

/// The session settings every connection runs with (see the crate docs): they make every
/// value's text form exact and unambiguous on both ends.
pub const SESSION_SETUP: &str = "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; \
     SET extra_float_digits = 3; SET TimeZone = 'UTC'; SET bytea_output = 'hex'";
