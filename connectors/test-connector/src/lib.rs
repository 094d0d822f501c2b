//! Test connector (scenarios chosen by config.scenario).
