//! Arrow IPC writer and reader for the types connectors exchange.
