//! `threadviz::std::sync::mpsc` against std's own tests (`library/std/src/sync/mpsc/tests.rs`
//! and `sync_tests.rs`): disconnection both ways, the rendezvous, bounded blocking,
//! `recv_timeout`, `try_recv`'s two errors, iterators ending at disconnection, many senders;
//! in a session, under the explorer, and as the events tell them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use threadviz::event::ChannelSide;
use threadviz::explore::{Explorer, Failed, Strategy};
use threadviz::std::sync::mpsc::{
    Receiver, RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError, channel, sync_channel,
};
use threadviz::{EventKind, Session, thread};

mod common;

/// Runs `main` as the main thread of a fresh watched session, under a deadline; its events.
fn in_session(main: impl FnOnce() + Send + 'static) -> Vec<EventKind> {
    watched(move |_| main())
}

/// [`in_session`], with the watcher to wait for what a thread reports.
fn watched(main: impl FnOnce(&mut common::Watch) + Send + 'static) -> Vec<EventKind> {
    let ((), events) = common::in_watched_session(main);
    events.into_iter().map(|event| event.kind).collect()
}

/// Waits until thread `thread` reports that it waits on a channel at `side`.
fn wait_until_channel_wait(watch: &mut common::Watch, thread: u32, side: ChannelSide, count: usize) {
    watch.wait_count("a channel wait", count, |event| {
        event.thread == thread && matches!(event.kind, EventKind::ChannelWait { side: waits, .. } if waits == side)
    });
}

#[test]
fn smoke_in_one_thread_and_between_threads() {
    in_session(|| {
        let (tx, rx) = channel::<i32>();
        tx.send(1).expect("the receiver is there");
        assert_eq!(rx.recv(), Ok(1));
        let sender = thread::spawn(move || tx.send(2).expect("the receiver is there"));
        assert_eq!(rx.recv(), Ok(2));
        sender.join();
    });
}

#[test]
fn a_send_after_the_receiver_is_dropped_fails_and_hands_the_value_back() {
    let kinds = in_session(|| {
        // std's smoke_port_gone and oneshot_single_thread_send_port_close.
        let (tx, rx) = channel::<String>();
        drop(rx);
        assert_eq!(tx.send("kept".to_owned()), Err(SendError("kept".to_owned())));
        let (tx, rx) = sync_channel::<i32>(1);
        drop(rx);
        assert_eq!(tx.send(1), Err(SendError(1)));
        assert_eq!(tx.try_send(2), Err(TrySendError::Disconnected(2)));
    });
    let failed = kinds.iter().filter(|kind| matches!(kind, EventKind::Disconnected { side: ChannelSide::Send, .. }));
    assert_eq!(failed.count(), 3);
}

#[test]
fn a_receive_after_every_sender_is_dropped_fails_once_the_channel_is_empty() {
    in_session(|| {
        // std's smoke_chan_gone and smoke_chan_gone_shared: queued items still come first.
        let (tx, rx) = channel::<i32>();
        let tx2 = tx.clone();
        tx.send(1).expect("the receiver is there");
        tx2.send(2).expect("the receiver is there");
        drop((tx, tx2));
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Disconnected));
    });
}

#[test]
fn dropping_the_last_sender_wakes_a_waiting_receiver() {
    // std's chan_gone_concurrent, with the receiver already waiting when the sender goes.
    let kinds = watched(|watch| {
        let (tx, rx) = channel::<i32>();
        let receiver = thread::spawn(move || {
            assert_eq!(rx.recv(), Ok(1));
            assert_eq!(rx.recv(), Err(RecvError), "the sender's end wakes the receiver");
        });
        // Thread 2, the receiver, waits before each send and before the drop.
        wait_until_channel_wait(watch, 2, ChannelSide::Recv, 1);
        tx.send(1).expect("the receiver is there");
        wait_until_channel_wait(watch, 2, ChannelSide::Recv, 2);
        drop(tx);
        receiver.join();
    });
    let tail: Vec<&EventKind> = kinds
        .iter()
        .filter(|kind| {
            matches!(
                kind,
                EventKind::ChannelWait { .. } | EventKind::ChannelDropped { .. } | EventKind::Disconnected { .. }
            )
        })
        .collect();
    assert!(
        matches!(
            tail[..],
            [
                EventKind::ChannelWait { side: ChannelSide::Recv, .. },
                EventKind::ChannelWait { side: ChannelSide::Recv, .. },
                EventKind::ChannelDropped { side: ChannelSide::Send, .. },
                EventKind::Disconnected { side: ChannelSide::Recv, .. },
                EventKind::ChannelDropped { side: ChannelSide::Recv, discarded: 0, .. },
            ]
        ),
        "{tail:#?}"
    );
}

#[test]
fn try_recv_tells_empty_from_disconnected() {
    in_session(|| {
        let (tx, rx) = channel::<i32>();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        tx.send(3).expect("the receiver is there");
        assert_eq!(rx.try_recv(), Ok(3));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

#[test]
fn recv_timeout_times_out_in_demo_time_and_returns_an_item_sent_in_time() {
    // At ten times real time: the timeout is 50 ms, and a minute is plenty for the sender.
    let session = Session::builder().speed(10.0).build();
    common::with_deadline("recv_timeout", move || {
        session.run(|| {
            let (tx, rx) = channel::<i32>();
            let started = Session::current().now();
            assert_eq!(rx.recv_timeout(Duration::from_millis(500)), Err(RecvTimeoutError::Timeout));
            let waited = Session::current().now().checked_sub(started).expect("demo time moves forward");
            assert!(waited >= Duration::from_millis(500), "{waited:?}");
            let sender = thread::spawn(move || {
                thread::sleep(Duration::from_millis(100));
                tx.send(9).expect("the receiver is there");
            });
            assert_eq!(rx.recv_timeout(Duration::from_mins(1)), Ok(9));
            sender.join();
        });
    });
}

#[test]
fn a_rendezvous_send_returns_only_once_the_receiver_took_the_item() {
    watched(|watch| {
        // std's sync_tests try_send1 and smoke: nobody waits, so a try_send is refused.
        let (tx, rx) = sync_channel::<i32>(0);
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
        let sent = Arc::new(AtomicBool::new(false));
        let sender = {
            let sent = sent.clone();
            thread::spawn(move || {
                tx.send(7).expect("the receiver is there");
                sent.store(true, Ordering::SeqCst);
            })
        };
        wait_until_channel_wait(watch, 2, ChannelSide::Send, 1);
        assert!(!sent.load(Ordering::SeqCst), "nobody took it yet");
        // A sender blocked offering its item: try_recv takes it, as std's does.
        assert_eq!(rx.try_recv(), Ok(7));
        sender.join();
        assert!(sent.load(Ordering::SeqCst));
    });
}

#[test]
fn a_rendezvous_sender_gets_its_item_back_when_the_receiver_goes() {
    let kinds = watched(|watch| {
        let (tx, rx) = sync_channel::<&str>(0);
        let sender = thread::spawn(move || assert_eq!(tx.send("back"), Err(SendError("back"))));
        wait_until_channel_wait(watch, 2, ChannelSide::Send, 1);
        drop(rx);
        sender.join();
    });
    assert!(
        kinds
            .iter()
            .any(|kind| matches!(kind, EventKind::ChannelDropped { side: ChannelSide::Recv, discarded: 1, .. }))
    );
}

#[test]
fn in_every_interleaving_a_rendezvous_send_ends_after_its_receive() {
    let report = Explorer::new()
        .strategy(Strategy::Dfs { preemptions: usize::MAX })
        .runs(5_000)
        .check(|| {
            let (tx, rx) = sync_channel::<u8>(0);
            let sent = Arc::new(AtomicBool::new(false));
            let sender = {
                let sent = sent.clone();
                thread::spawn(move || {
                    tx.send(1).expect("the receiver is there");
                    sent.store(true, Ordering::SeqCst);
                })
            };
            thread::sleep(Duration::from_millis(1));
            assert!(!sent.load(Ordering::SeqCst), "the send returned before anybody received");
            assert_eq!(rx.recv(), Ok(1));
            sender.join();
            assert!(sent.load(Ordering::SeqCst));
        })
        .expect("no deadlock, and no send that returns early");
    assert!(report.is_exhaustive(), "{report}");
    assert!(report.interleavings() > 1, "{report}");
}

#[test]
fn a_bounded_channel_makes_its_sender_wait_while_full() {
    let kinds = watched(|watch| {
        // std's sync_tests try_send2 and send_from_outside_runtime, shortened.
        let (tx, rx) = sync_channel::<u32>(1);
        tx.try_send(1).expect("room for one");
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        let sender = thread::spawn(move || tx.send(2).expect("the receiver is there"));
        wait_until_channel_wait(watch, 2, ChannelSide::Send, 1);
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Ok(2));
        sender.join();
        assert_eq!(rx.recv(), Err(RecvError));
    });
    assert!(kinds.iter().any(|kind| matches!(kind, EventKind::ChannelWait { side: ChannelSide::Send, .. })));
    let items: Vec<&str> = kinds
        .iter()
        .filter_map(|kind| match kind {
            EventKind::Received { item, .. } => Some(item.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(items, ["u32 #1", "u32 #2"]);
}

#[test]
fn iterators_end_at_disconnection() {
    in_session(|| {
        // std's test_recv_iter_break, test_recv_try_iter, test_recv_into_iter_owned/_borrowed.
        let (tx, rx) = channel::<i32>();
        let sender = thread::spawn(move || {
            for item in 0..3 {
                tx.send(item).expect("the receiver is there");
            }
        });
        assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]);
        sender.join();

        let (tx, rx) = channel::<i32>();
        assert_eq!(rx.try_iter().next(), None);
        tx.send(4).expect("the receiver is there");
        tx.send(5).expect("the receiver is there");
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [4, 5]);
        drop(tx);
        assert_eq!((&rx).into_iter().count(), 0);

        let (tx, rx) = channel::<i32>();
        tx.send(6).expect("the receiver is there");
        drop(tx);
        let owned: Receiver<i32> = rx;
        assert_eq!(owned.into_iter().collect::<Vec<_>>(), [6]);
    });
}

#[test]
fn many_senders_deliver_every_item() {
    // std's stress_shared: several threads, each sending many items through its clone.
    const SENDERS: usize = 4;
    const EACH: usize = 50;
    in_session(|| {
        let (tx, rx) = channel::<usize>();
        let senders: Vec<_> = (0..SENDERS)
            .map(|sender| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for item in 0..EACH {
                        tx.send(sender * EACH + item).expect("the receiver is there");
                    }
                })
            })
            .collect();
        drop(tx);
        let mut all: Vec<usize> = rx.iter().collect();
        all.sort_unstable();
        assert_eq!(all, (0..SENDERS * EACH).collect::<Vec<_>>());
        for sender in senders {
            sender.join();
        }
    });
}

#[test]
fn a_try_send_that_ignores_full_loses_a_message_and_the_explorer_finds_it() {
    let failure = Explorer::new()
        .strategy(Strategy::Dfs { preemptions: 2 })
        .check(|| {
            let (tx, rx) = sync_channel::<u32>(1);
            let received = Arc::new(AtomicUsize::new(0));
            let consumer = {
                let received = received.clone();
                thread::spawn(move || {
                    for _ in rx {
                        received.fetch_add(1, Ordering::SeqCst);
                    }
                })
            };
            for item in 0..2 {
                // The bug: a full channel drops the item instead of waiting for room.
                let _ = tx.try_send(item);
            }
            drop(tx);
            consumer.join();
            assert_eq!(received.load(Ordering::SeqCst), 2, "a message was lost");
        })
        .expect_err("the second try_send can find the channel full");
    assert_eq!(failure.kind(), Failed::Panic, "{failure}");
    assert!(failure.message().contains("a message was lost"), "{failure}");
}

#[test]
fn a_receiver_waiting_for_a_sender_it_holds_itself_is_a_deadlock_the_explorer_finds() {
    let failure = Explorer::new()
        .strategy(Strategy::Dfs { preemptions: 2 })
        .check(|| {
            let (tx, rx) = channel::<u32>();
            let worker = {
                let tx = tx.clone();
                thread::spawn(move || tx.send(1).expect("the receiver is there"))
            };
            // The bug: `tx` is still alive here, so the loop never sees the disconnection.
            let total: u32 = rx.iter().sum();
            worker.join();
            drop(tx);
            assert_eq!(total, 1);
        })
        .expect_err("the receiver waits forever");
    assert_eq!(failure.kind(), Failed::Deadlock, "{failure}");
    let message = failure.message();
    assert!(
        message.contains(
            "every thread waits and none is left to wake the others: MainThread waits on Channel-1 to receive"
        ),
        "{message}"
    );
}
