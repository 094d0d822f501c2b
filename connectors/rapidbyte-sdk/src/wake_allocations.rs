//! Proves that the wake path allocates nothing once warm: host event, waker, run queue,
//! poll, registering again. A guest waiting on thousands of events per stream must not
//! churn its allocator (and a waker must stay a plain task id).

use crate::executor::{run, spawn, Stop};
use crate::poll_fn::poll_fn;
use crate::reactor::{deliver, register, READABLE};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::task::Poll;

/// Counts this thread's allocations, so tests running in parallel do not disturb it.
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn a_warm_wake_cycle_allocates_nothing() {
    const SOCKET: u32 = 5;
    for _ in 0..2 {
        spawn(poll_fn(|cx| {
            register(SOCKET, READABLE, cx.waker());
            Poll::<()>::Pending
        }));
    }
    assert_eq!(run(256), Stop::Stalled);
    deliver(&[SOCKET << 2 | READABLE]);
    assert_eq!(run(256), Stop::Stalled);

    let before = allocations();
    for _ in 0..1000 {
        deliver(&[SOCKET << 2 | READABLE]);
        assert_eq!(run(256), Stop::Stalled);
    }
    assert_eq!(allocations() - before, 0);
}
