//! Panics in explored runs are findings, not noise: the panic hook stays quiet for threads of
//! controlled sessions, whose panics the report tells once, with their schedule.

use std::sync::Once;

use crate::session::{Session, context};

/// Installs, once, a panic hook that passes every panic to the hook before it except those of
/// threads in a controlled session.
pub(crate) fn silence_panics() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !(context::is_bound() && Session::current().is_controlled()) {
                previous(info);
            }
        }));
    });
}
