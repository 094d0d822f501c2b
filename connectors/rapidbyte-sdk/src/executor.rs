//! The guest's executor: a single-threaded run queue that runs tasks until none can make
//! progress and then returns, so `rb_poll` can hand control back to the host. It never
//! parks (a parked guest would block a host thread).
//!
//! It must know exactly why it stopped. Returning "stalled" while a task is still
//! runnable loses that wake-up: the host waits for socket events that will never come.
//! (futures' `LocalPool::run_until_stalled` has exactly that flaw, see DESIGN.md.)
//!
//! A waker is the task's id in the pointer slot of a `RawWaker`: cloning, waking and
//! dropping it allocate nothing, and waking pushes the id on this thread's run queue. The
//! guest has one thread (wasm32-wasi has no threads), so a waker is always woken on the
//! thread whose queue it names; native tests keep each executor on its test's thread.

use crate::poll_fn::poll_fn;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Why [`run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Tasks remain and every one waits to be woken (by a host event or another task).
    Stalled,
    /// A task is still runnable but the slice ended: `yield_now` or the poll budget.
    Yielded,
    /// No task is left.
    Empty,
}

#[derive(Default)]
struct Executor {
    /// Tasks by id. `None` is a free id, or (only during a poll) the task being polled,
    /// which `run` holds outside this table so the task may spawn and wake freely.
    tasks: Vec<Option<Task>>,
    /// `queued[id]` is true while `id` is in `ready`: a task is queued once however often
    /// it is woken.
    queued: Vec<bool>,
    ready: VecDeque<usize>,
    free: Vec<usize>,
    live: usize,
    yield_requested: bool,
}

thread_local! {
    static EXECUTOR: RefCell<Executor> = RefCell::new(Executor::default());
}

/// Runs `future` as a task of its own, concurrently with the operation: for example
/// tokio-postgres's `Connection`, which does the socket I/O for a `Client`. A task
/// outlives the operation that spawned it and keeps running in later operations' slices.
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    let task: Task = Box::pin(future);
    EXECUTOR.with(|executor| executor.borrow_mut().insert(task));
}

/// Ends the current slice (`rb_poll` returns YIELD) with this task still runnable, so
/// the host can interleave other guests; call it after each batch of work.
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(move |cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        EXECUTOR.with(|executor| executor.borrow_mut().yield_requested = true);
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

/// Polls runnable tasks until none is runnable, a task yields, or `budget` polls were
/// made (a task that keeps waking itself cannot hold the slice forever).
pub(crate) fn run(budget: usize) -> Stop {
    for _ in 0..budget {
        let (id, mut task) = match EXECUTOR.with(|executor| executor.borrow_mut().next_runnable()) {
            Ok(next) => next,
            Err(stop) => return stop,
        };
        let waker = task_waker(id);
        let poll = task.as_mut().poll(&mut Context::from_waker(&waker));
        // A finished task is dropped here, outside the table's borrow: its destructors
        // may wake or spawn tasks.
        let unfinished = match poll {
            Poll::Ready(()) => None,
            Poll::Pending => Some(task),
        };
        if EXECUTOR.with(|executor| executor.borrow_mut().after_poll(id, unfinished)) {
            return Stop::Yielded;
        }
    }
    EXECUTOR.with(|executor| executor.borrow_mut().stop_reason())
}

impl Executor {
    fn insert(&mut self, task: Task) {
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.tasks.push(None);
                self.queued.push(false);
                self.tasks.len() - 1
            }
        };
        self.tasks[id] = Some(task);
        self.live += 1;
        self.schedule(id);
    }

    fn schedule(&mut self, id: usize) {
        if id < self.queued.len() && !self.queued[id] {
            self.queued[id] = true;
            self.ready.push_back(id);
        }
    }

    /// Takes the next runnable task out of the table, or says why there is none.
    fn next_runnable(&mut self) -> Result<(usize, Task), Stop> {
        while let Some(id) = self.ready.pop_front() {
            self.queued[id] = false;
            // An id whose task finished is a stale wake: skip it. (If the id was reused,
            // the new task gets one spurious poll, which futures must tolerate.)
            if let Some(task) = self.tasks[id].take() {
                return Ok((id, task));
            }
        }
        Err(self.stop_reason())
    }

    /// Puts an unfinished task back (or frees its id) and reports whether it asked to
    /// end the slice.
    fn after_poll(&mut self, id: usize, unfinished: Option<Task>) -> bool {
        match unfinished {
            Some(task) => self.tasks[id] = Some(task),
            None => {
                self.live -= 1;
                self.free.push(id);
            }
        }
        mem::take(&mut self.yield_requested)
    }

    fn stop_reason(&self) -> Stop {
        if self.ready.iter().any(|&id| self.tasks[id].is_some()) {
            Stop::Yielded
        } else if self.live == 0 {
            Stop::Empty
        } else {
            Stop::Stalled
        }
    }
}

fn task_waker(id: usize) -> Waker {
    // Safety: the vtable functions below treat the data pointer as a plain integer and
    // never dereference it, so any value is valid.
    unsafe { Waker::from_raw(RawWaker::new(id as *const (), &VTABLE)) }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake, drop_waker);

unsafe fn clone_waker(id: *const ()) -> RawWaker {
    RawWaker::new(id, &VTABLE)
}

unsafe fn wake(id: *const ()) {
    // `try_with`: a task dropped while the thread's executor is being destroyed may still
    // wake another; there is nothing left to run it.
    let _ = EXECUTOR.try_with(|executor| executor.borrow_mut().schedule(id as usize));
}

unsafe fn drop_waker(_: *const ()) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// A future that stays pending until `open` is set, remembering its last waker.
    fn gate(open: Rc<Cell<bool>>, waker: Rc<RefCell<Option<Waker>>>) -> impl Future<Output = ()> {
        poll_fn(move |cx| {
            if open.get() {
                Poll::Ready(())
            } else {
                *waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }

    fn counter() -> Rc<Cell<usize>> {
        Rc::new(Cell::new(0))
    }

    #[test]
    fn with_no_tasks_it_is_empty() {
        assert_eq!(run(256), Stop::Empty);
    }

    #[test]
    fn a_waiting_task_stalls_until_woken_then_finishes() {
        let (open, waker) = (Rc::new(Cell::new(false)), Rc::new(RefCell::new(None)));
        spawn(gate(open.clone(), waker.clone()));
        assert_eq!(run(256), Stop::Stalled);
        assert_eq!(run(256), Stop::Stalled, "nothing woke it");
        open.set(true);
        waker.borrow_mut().take().unwrap().wake();
        assert_eq!(run(256), Stop::Empty);
    }

    #[test]
    fn yield_now_ends_the_slice_and_the_task_resumes_in_the_next() {
        let steps = counter();
        let seen = steps.clone();
        spawn(async move {
            seen.set(1);
            yield_now().await;
            seen.set(2);
        });
        assert_eq!(run(256), Stop::Yielded);
        assert_eq!(steps.get(), 1);
        assert_eq!(run(256), Stop::Empty);
        assert_eq!(steps.get(), 2);
    }

    #[test]
    fn tasks_spawned_by_a_task_run_in_the_same_slice() {
        let finished = counter();
        let inner = finished.clone();
        spawn(async move {
            for _ in 0..3 {
                let done = inner.clone();
                spawn(async move { done.set(done.get() + 1) });
            }
        });
        assert_eq!(run(256), Stop::Empty);
        assert_eq!(finished.get(), 3);
    }

    #[test]
    fn a_task_that_keeps_waking_itself_is_cut_off_by_the_budget() {
        let polls = counter();
        let seen = polls.clone();
        spawn(poll_fn(move |cx| {
            seen.set(seen.get() + 1);
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        }));
        assert_eq!(run(10), Stop::Yielded);
        assert_eq!(polls.get(), 10);
    }

    #[test]
    fn the_budget_ending_exactly_with_the_work_still_reports_the_truth() {
        spawn(async {});
        assert_eq!(run(1), Stop::Empty);
        let (open, waker) = (Rc::new(Cell::new(false)), Rc::new(RefCell::new(None)));
        spawn(gate(open, waker));
        assert_eq!(run(1), Stop::Stalled);
    }

    #[test]
    fn a_task_woken_many_times_is_polled_once() {
        let polls = counter();
        let seen = polls.clone();
        let (open, waker) = (Rc::new(Cell::new(false)), Rc::new(RefCell::new(None)));
        let (gate_open, gate_waker) = (open.clone(), waker.clone());
        spawn(async move {
            seen.set(seen.get() + 1);
            gate(gate_open, gate_waker).await;
        });
        assert_eq!(run(256), Stop::Stalled);
        let waker = waker.borrow_mut().take().unwrap();
        waker.wake_by_ref();
        waker.wake_by_ref();
        waker.wake();
        assert_eq!(run(256), Stop::Stalled);
        assert_eq!(polls.get(), 1, "the async block's first line runs once");
    }

    #[test]
    fn a_stale_wake_of_a_finished_task_polls_nothing() {
        let (open, waker) = (Rc::new(Cell::new(true)), Rc::new(RefCell::new(None)));
        spawn(async {});
        assert_eq!(run(256), Stop::Empty);
        task_waker(0).wake();
        assert_eq!(run(256), Stop::Empty);
        // The id is reused by the next task; a stale wake then only causes a spurious poll.
        open.set(false);
        spawn(gate(open, waker));
        assert_eq!(run(256), Stop::Stalled);
        task_waker(0).wake();
        assert_eq!(run(256), Stop::Stalled);
    }

    #[test]
    fn only_the_woken_task_is_polled() {
        let polls = [counter(), counter()];
        let wakers = [Rc::new(RefCell::new(None)), Rc::new(RefCell::new(None))];
        for (polls, waker) in polls.iter().zip(wakers.iter()) {
            let (polls, waker) = (polls.clone(), waker.clone());
            spawn(poll_fn(move |cx| {
                polls.set(polls.get() + 1);
                *waker.borrow_mut() = Some(cx.waker().clone());
                Poll::<()>::Pending
            }));
        }
        assert_eq!(run(256), Stop::Stalled);
        wakers[1].borrow().as_ref().unwrap().wake_by_ref();
        assert_eq!(run(256), Stop::Stalled);
        assert_eq!((polls[0].get(), polls[1].get()), (1, 2));
    }
}
