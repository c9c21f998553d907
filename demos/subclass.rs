//! A thread type with its own fields and its own `run`, the Rust counterpart of subclassing
//! `threading.Thread` (PyMOTW `threading_subclass_args`; 000 `ThreadExample`; 001 `myThread`).

use std::collections::BTreeMap;

use threadviz::py::repr;
use threadviz::thread::Thread;
use tracing::info;

/// Python: `class MyThreadWithArgs(threading.Thread)`. The constructor saves the arguments in
/// fields that `run` can see.
struct MyThreadWithArgs {
    args: (u32,),
    kwargs: BTreeMap<&'static str, &'static str>,
}

impl MyThreadWithArgs {
    fn new(args: (u32,), kwargs: BTreeMap<&'static str, &'static str>) -> Self {
        Self { args, kwargs }
    }

    /// What the thread does once started.
    fn run(&self) {
        info!("running with {} and {}", repr(&self.args), repr(&self.kwargs));
    }

    /// Creates the thread and starts it; the new thread calls `run`.
    fn start(self) -> Thread {
        let thread = Thread::new(move || self.run());
        thread.start();
        thread
    }
}

/// Starts five `MyThreadWithArgs`, each with its own number and the same keyword arguments.
pub fn main() {
    for i in 0..5 {
        let t = MyThreadWithArgs::new((i,), BTreeMap::from([("a", "A"), ("b", "B")]));
        t.start();
    }
}
