//! Exports of a recording for other tools: Chrome's trace event format (for Perfetto or
//! `chrome://tracing`) and asciicast v2 (the dashboard as a terminal recording for asciinema).

pub mod asciicast;
pub mod chrome;
