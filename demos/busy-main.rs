//! The low-level `thread` module example: two threads print the time every 2 s and 4 s while
//! the main thread keeps the program alive with a busy loop (001 `print_time`,
//! `while 1: pass`).

use std::time::Duration;

use threadviz::Session;
use threadviz::thread::{self, Thread};
use tracing::info;

/// Prints the thread's name and the time five times, `delay` apart.
fn print_time(threadname: &str, delay: Duration) {
    let mut count = 0;
    while count < 5 {
        thread::sleep(delay);
        count += 1;
        // Demo time since the program started, which `--speed` scales and pausing stops (the
        // tutorial prints the clock time, `time.ctime(time.time())`).
        let now = Session::current().now().as_secs_f64();
        info!("{threadname}: {now:.1} s");
    }
}

/// Starts `thread-1` and `thread-2`, then spins until both are done.
pub fn main() {
    let thread_1 = Thread::builder().name("thread-1").build(|| print_time("thread-1", Duration::from_secs(2)));
    let thread_2 = Thread::builder().name("thread-2").build(|| print_time("thread-2", Duration::from_secs(4)));
    thread_1.start();
    thread_2.start();

    // `while 1: pass`: the main thread never waits, it just burns CPU. The tutorial spins
    // forever and needs Ctrl-C; here it stops once both threads are done.
    while thread_1.is_alive() || thread_2.is_alive() {
        std::hint::spin_loop();
    }
}
