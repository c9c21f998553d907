//! Fetching URLs in three threads and appending to one file under a lock: the downloads run
//! side by side, the writes one at a time (000 Locking: `fetchURL`, `FetchUrls`).

use std::time::Duration;

use threadviz::sync::{Lock, Shared};
use threadviz::thread::{self, Thread};
use tracing::info;

/// Stands in for `urllib2.urlopen(url).read()`: each site takes its own time to answer.
fn get_data(url: &str) -> String {
    let download = match url {
        "http://www.yahoo.fr" => Duration::from_secs_f64(2.5),
        "http://www.lemonde.fr" => Duration::from_secs_f64(1.0),
        _ => Duration::from_secs_f64(1.5),
    };
    thread::sleep(download);
    format!("<html> from {url}")
}

/// Downloads `url`, then appends one line to the shared file, holding the lock only while
/// writing.
fn fetch_url(url: &str, file: &Shared<Vec<String>>, lock: &Lock) -> String {
    let data = get_data(url);
    info!("{url} was requested and returned");

    lock.acquire();
    let name = thread::current_thread().name();
    info!("lock acquired by {name}");
    // Open, append, close: a load-modify-store that only the lock holder may do.
    let mut lines = file.load();
    lines.push(format!("Data from {url} fetched"));
    thread::sleep(Duration::from_secs(1)); // writing takes a while too
    file.store(lines);
    info!("write done by {name}");
    info!("lock released by {name}");
    lock.release().expect("this thread holds the lock");
    data
}

/// Fetches three URLs at once, then shows the file.
pub fn main() {
    let file = Shared::named("test.txt", Vec::new());
    let lock = Lock::named("lock");

    let fetchers: Vec<Thread> = ["http://www.yahoo.fr", "http://www.lemonde.fr", "http://www.youtube.fr"]
        .into_iter()
        .map(|url| {
            let (file, lock) = (file.clone(), lock.clone());
            let t = Thread::new(move || {
                fetch_url(url, &file, &lock);
            });
            t.start();
            t
        })
        .collect();

    for t in &fetchers {
        t.join();
    }
    info!("test.txt:");
    for line in file.load() {
        info!("  {line}");
    }
}
