//! Logging through the host, which tags each line with the run, stream and connector.

use crate::abi;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error = 0,
    Warn = 1,
    Info = 2,
    Debug = 3,
    Trace = 4,
}

pub fn log(level: Level, message: &str) {
    // Safety: the host only reads `len` bytes at `ptr`.
    unsafe { abi::log(level as i32, message.as_ptr(), message.len()) }
}

pub fn error(message: &str) {
    log(Level::Error, message)
}

pub fn warn(message: &str) {
    log(Level::Warn, message)
}

pub fn info(message: &str) {
    log(Level::Info, message)
}

pub fn debug(message: &str) {
    log(Level::Debug, message)
}

pub fn trace(message: &str) {
    log(Level::Trace, message)
}
