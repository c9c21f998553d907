use std::time::Duration;
use threadviz::sync::{Condition, Lock};
use threadviz::{Session, thread};

#[test]
fn smoke() {
    let session = Session::new();
    let events = session.subscribe();
    session.run(|| {
        let lock = Lock::named("L");
        let cv = Condition::new();
        let a = {
            let lock = lock.clone();
            let cv = cv.clone();
            thread::spawn(move || {
                let _g = lock.hold();
                thread::sleep(Duration::from_millis(10));
                let _c = cv.hold();
                cv.wait_timeout(Duration::from_millis(20)).unwrap();
                tracing::info!("hello from a");
            })
        };
        let d = thread::Thread::builder().daemon(true).name("daemon").build(|| {
            thread::sleep(Duration::from_secs(100));
            tracing::info!("Exiting");
        });
        d.start().unwrap();
        lock.acquire();
        lock.release().unwrap();
        a.join().unwrap();
    });
    for e in events.receiver().try_iter() {
        println!("{} {} {:?} {:?}", e.seq, e.thread, e.kind, e.loc.map(|l| l.line));
    }
}
