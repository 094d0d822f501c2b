//! The wake registry: which task waits for which host handle.
//!
//! A would-block result from the host is two things at once (wit/LOWERING.md, "The poll
//! protocol"): the host records the interest (handle, readable/writable), and the task
//! parks its waker here under the same pair. `rb_poll(n)` then delivers the ready
//! interests as events and exactly the tasks waiting on them are woken. A delivered
//! interest is cleared on both sides; a task that still cannot proceed gets would-block
//! again and so registers again, which makes spurious events harmless.

use std::cell::RefCell;
use std::mem;
use std::task::Waker;

/// Interest bits, as in an event `handle << 2 | READABLE | WRITABLE`.
pub(crate) const READABLE: u32 = 1;
pub(crate) const WRITABLE: u32 = 2;

/// The batch channel: readable when `next_batch` has data or the end, writable when
/// `emit_batch` has room.
pub(crate) const CHANNEL: u32 = 0;
/// Cancellation: readable once the run is cancelled.
pub(crate) const CANCELLATION: u32 = 1;

struct Waiter {
    handle: u32,
    interest: u32,
    waker: Waker,
}

/// A handle whose event is itself the news (a timer has nothing to retry): its delivery
/// is remembered until the owner looks.
struct Latch {
    handle: u32,
    fired: bool,
}

#[derive(Default)]
struct Registry {
    waiters: Vec<Waiter>,
    latches: Vec<Latch>,
    /// Scratch for `deliver`, kept to reuse its capacity: delivering allocates nothing.
    woken: Vec<Waker>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
}

/// Parks `waker` until an event for `interest` on `handle` arrives. Call it right after
/// the host answered would-block for that handle.
pub(crate) fn register(handle: u32, interest: u32, waker: &Waker) {
    REGISTRY.with(|registry| {
        let waiters = &mut registry.borrow_mut().waiters;
        let known = waiters
            .iter()
            .any(|w| w.handle == handle && w.interest == interest && w.waker.will_wake(waker));
        if !known {
            waiters.push(Waiter {
                handle,
                interest,
                waker: waker.clone(),
            });
        }
    })
}

/// Wakes the tasks waiting on the interests in `events` and forgets those waiters.
pub(crate) fn deliver(events: &[u32]) {
    let mut woken = REGISTRY.with(|registry| {
        let registry = &mut *registry.borrow_mut();
        let mut woken = mem::take(&mut registry.woken);
        let mut i = 0;
        while i < registry.waiters.len() {
            let waiter = &registry.waiters[i];
            if events
                .iter()
                .any(|&event| event >> 2 == waiter.handle && event & waiter.interest != 0)
            {
                woken.push(registry.waiters.swap_remove(i).waker);
            } else {
                i += 1;
            }
        }
        for latch in registry.latches.iter_mut() {
            latch.fired |= events.iter().any(|&event| event >> 2 == latch.handle);
        }
        woken
    });
    // Woken outside the borrow: a waker may be another executor's (a combinator's) and
    // run arbitrary code.
    for waker in woken.drain(..) {
        waker.wake();
    }
    REGISTRY.with(|registry| registry.borrow_mut().woken = woken);
}

/// Starts remembering whether an event for `handle` was delivered.
pub(crate) fn latch(handle: u32) {
    REGISTRY.with(|registry| {
        registry.borrow_mut().latches.push(Latch {
            handle,
            fired: false,
        })
    })
}

/// Whether an event for the latched `handle` has been delivered.
pub(crate) fn has_fired(handle: u32) -> bool {
    REGISTRY.with(|registry| {
        registry
            .borrow()
            .latches
            .iter()
            .any(|latch| latch.handle == handle && latch.fired)
    })
}

/// Drops every waiter and latch of a handle that is being closed: the host will never
/// report it again, and it may hand the number out anew.
pub(crate) fn forget(handle: u32) {
    // Dropped outside the borrow, as in `deliver`.
    let forgotten = REGISTRY.with(|registry| {
        let registry = &mut *registry.borrow_mut();
        registry.latches.retain(|latch| latch.handle != handle);
        let (forgotten, kept): (Vec<Waiter>, Vec<Waiter>) = mem::take(&mut registry.waiters)
            .into_iter()
            .partition(|w| w.handle == handle);
        registry.waiters = kept;
        forgotten
    });
    drop(forgotten);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::{run, spawn, Stop};
    use crate::poll_fn::poll_fn;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::task::Poll;

    /// Spawns a task that waits for (handle, interest) forever, counting its polls.
    fn waiting_task(handle: u32, interest: u32) -> Rc<Cell<usize>> {
        let polls = Rc::new(Cell::new(0));
        let seen = polls.clone();
        spawn(poll_fn(move |cx| {
            seen.set(seen.get() + 1);
            register(handle, interest, cx.waker());
            Poll::<()>::Pending
        }));
        polls
    }

    fn event(handle: u32, interest: u32) -> u32 {
        handle << 2 | interest
    }

    #[test]
    fn an_event_wakes_exactly_the_task_waiting_on_that_handle_and_interest() {
        let reader = waiting_task(7, READABLE);
        let writer = waiting_task(7, WRITABLE);
        let other = waiting_task(8, READABLE);
        assert_eq!(run(256), Stop::Stalled);
        deliver(&[event(7, READABLE)]);
        assert_eq!(run(256), Stop::Stalled);
        assert_eq!((reader.get(), writer.get(), other.get()), (2, 1, 1));
    }

    #[test]
    fn an_event_with_both_bits_wakes_readers_and_writers() {
        let reader = waiting_task(CHANNEL, READABLE);
        let writer = waiting_task(CHANNEL, WRITABLE);
        run(256);
        deliver(&[event(CHANNEL, READABLE | WRITABLE)]);
        run(256);
        assert_eq!((reader.get(), writer.get()), (2, 2));
    }

    #[test]
    fn a_delivered_interest_is_cleared_until_registered_again() {
        let polls = Rc::new(Cell::new(0));
        let seen = polls.clone();
        spawn(poll_fn(move |cx| {
            seen.set(seen.get() + 1);
            if seen.get() == 1 {
                register(5, READABLE, cx.waker());
            }
            Poll::<()>::Pending
        }));
        run(256);
        deliver(&[event(5, READABLE)]);
        run(256);
        deliver(&[event(5, READABLE)]);
        assert_eq!(run(256), Stop::Stalled);
        assert_eq!(polls.get(), 2, "the second event found no waiter");
    }

    #[test]
    fn a_task_registering_twice_is_woken_once() {
        let polls = waiting_task(3, READABLE);
        run(256);
        REGISTRY.with(|r| assert_eq!(r.borrow().waiters.len(), 1));
        deliver(&[event(3, READABLE), event(3, READABLE)]);
        run(256);
        assert_eq!(polls.get(), 2);
    }

    #[test]
    fn forgetting_a_handle_drops_its_waiters_and_latch_only() {
        let closed = waiting_task(4, READABLE);
        let open = waiting_task(9, READABLE);
        run(256);
        latch(4);
        forget(4);
        deliver(&[event(4, READABLE), event(9, READABLE)]);
        run(256);
        assert_eq!((closed.get(), open.get()), (1, 2));
        assert!(!has_fired(4));
    }

    #[test]
    fn a_latch_remembers_its_event_without_any_waiter() {
        latch(12);
        latch(13);
        deliver(&[event(12, READABLE)]);
        assert!(has_fired(12));
        assert!(!has_fired(13));
    }
}
