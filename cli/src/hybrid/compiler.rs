//! Compiling for the hybrid engine: a queue of requests served by compiler
//! threads, each with its own backend session (LLVM state is per thread),
//! or compiles on the calling thread (`--compiler-threads 0`, and the lazy
//! JIT's). Threads and sessions start at the first request, or when a
//! function is halfway to a threshold ([`Compiler::prepare`]), so a run
//! that compiles nothing never loads the backend library unless it comes
//! close to.
//!
//! A finished compile publishes its entries ([`Tables::publish`]) and
//! writes its `--jit-log` line; a failed one leaves the function
//! interpreted. Each (function, loop header) is compiled at most once.

use super::log::{self, JitLog, Reason};
use super::tables::{Ready, Tables};
use crate::backend::{protocol, TierSession};
use crate::failure::Failure;
use janus_bytecode::bytecode::Module;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// One compile asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// The function.
    pub func: u32,
    /// Why (and, for a loop, at which header).
    pub reason: Reason,
}

/// What the queue's lock guards.
#[derive(Default)]
struct Queue {
    /// Jobs waiting for a thread, with when each was asked for.
    pending: VecDeque<(Job, Duration)>,
    /// Every (function, loop header) asked for, so each is compiled once.
    asked: HashSet<(u32, Option<u32>)>,
    /// Compiler threads started.
    started: u32,
    /// Functions with a loop's compile queued or running on a thread.
    loops_in_flight: HashSet<u32>,
}

/// The compiler side of the engine.
pub struct Compiler {
    open: protocol::TierOpenRequest,
    threads: u32,
    queue: Mutex<Queue>,
    wake: Condvar,
    /// The session of compiles on the calling thread.
    local: Mutex<Option<TierSession>>,
    /// Why the backend cannot be opened, once it could not.
    broken: Mutex<Option<String>>,
    tables: &'static Tables,
    log: Option<&'static JitLog>,
    module: &'static Module,
    /// When the engine started: the report's times count from it.
    started: Instant,
    /// Whether a compiler thread has opened its session.
    ready: AtomicBool,
}

/// A failure's message, for the report.
fn message(failure: &Failure) -> String {
    crate::diagnostics::diagnostics_of(failure)
        .first()
        .map_or_else(|| format!("{failure:?}"), |d| d.message.clone())
}

impl Compiler {
    /// A compiler for `module` that opens sessions with `open`, runs
    /// `threads` threads (0: compiles only on the calling thread), and
    /// publishes into `tables`.
    pub fn new(
        open: protocol::TierOpenRequest,
        threads: u32,
        tables: &'static Tables,
        log: Option<&'static JitLog>,
        module: &'static Module,
    ) -> Compiler {
        Compiler {
            open,
            threads,
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            local: Mutex::new(None),
            broken: Mutex::new(None),
            tables,
            log,
            module,
            started: Instant::now(),
            ready: AtomicBool::new(false),
        }
    }

    /// Whether compiles run on the thread that asks for them.
    pub fn synchronous(&self) -> bool {
        self.threads == 0
    }

    /// Marks `job` asked for; false if it was already.
    fn first_ask(&self, job: Job) -> bool {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.asked.insert((job.func, job.reason.osr_pc()))
    }

    /// Queues `job` for a compiler thread (starting one if fewer run than
    /// asked for); nothing if it was asked for before.
    pub fn ask(&'static self, job: Job) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if !queue.asked.insert((job.func, job.reason.osr_pc())) {
            return;
        }
        if job.reason.osr_pc().is_some() {
            queue.loops_in_flight.insert(job.func);
        }
        queue.pending.push_back((job, self.started.elapsed()));
        if queue.started < self.threads {
            self.start_thread(&mut queue);
        }
        drop(queue);
        self.wake.notify_one();
    }

    /// Gets ready to compile: starts the first compiler thread, which loads
    /// the backend and opens its session before any job arrives, so that
    /// the first compile does not wait for them. Nothing on the calling
    /// thread, nor if a thread runs already or compiles run on the calling
    /// thread (`--compiler-threads 0`: its load stays where the first
    /// compile is, keeping the switch points deterministic). True once a
    /// thread has its session open: compiles then cost only themselves.
    pub fn prepare(&'static self) -> bool {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if queue.started == 0 && self.threads > 0 {
            self.start_thread(&mut queue);
        }
        self.ready.load(Ordering::Acquire)
    }

    /// Starts a compiler thread (a failure to start one leaves the jobs
    /// to the threads that run, or queued).
    fn start_thread(&'static self, queue: &mut Queue) {
        queue.started += 1;
        let spawned = std::thread::Builder::new()
            .name("janus-compiler".into())
            .spawn(move || self.serve());
        if spawned.is_err() {
            queue.started -= 1;
        }
    }

    /// Whether a compile of one of `func`'s loops is queued or running on a
    /// thread: the function's other loop headers wait for it rather than
    /// queue compiles of their own (each compiles the whole function).
    pub fn loop_in_flight(&self, func: u32) -> bool {
        let queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.loops_in_flight.contains(&func)
    }

    /// Compiles `job` on this thread and publishes it: `Ok(false)` if it
    /// was asked for before, the failure if it fails.
    pub fn compile_now(&self, job: Job) -> Result<bool, Failure> {
        if !self.first_ask(job) {
            return Ok(false);
        }
        let asked = self.started.elapsed();
        let mut local = self.local.lock().unwrap_or_else(|e| e.into_inner());
        let result = self.compile(&mut local, job);
        drop(local);
        match result {
            Ok(code) => {
                self.finish(job, asked, Ok(&code));
                Ok(true)
            }
            Err(failure) => {
                self.finish(job, asked, Err(&message(&failure)));
                Err(failure)
            }
        }
    }

    /// A compiler thread: serves the queue until the process ends.
    fn serve(&'static self) {
        let mut session = None;
        // A failure is kept in `broken`, for the first job to report.
        if self.session(&mut session).is_ok() {
            self.ready.store(true, Ordering::Release);
        }
        loop {
            let (job, asked) = {
                let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(pending) = queue.pending.pop_front() {
                        break pending;
                    }
                    queue = self.wake.wait(queue).unwrap_or_else(|e| e.into_inner());
                }
            };
            match self.compile(&mut session, job) {
                Ok(code) => self.finish(job, asked, Ok(&code)),
                Err(failure) => self.finish(job, asked, Err(&message(&failure))),
            }
            if job.reason.osr_pc().is_some() {
                let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                queue.loops_in_flight.remove(&job.func);
            }
        }
    }

    /// `session`, opened first if it is not yet (loading the backend the
    /// first time): the failure if it cannot be, now or before.
    fn session<'s>(
        &self,
        session: &'s mut Option<TierSession>,
    ) -> Result<&'s mut TierSession, Failure> {
        if let Some(why) = &*self.broken.lock().unwrap_or_else(|e| e.into_inner()) {
            return Err(Failure::Usage(why.clone()));
        }
        match session {
            Some(session) => Ok(session),
            None => match TierSession::open(&self.open) {
                Ok(opened) => Ok(session.insert(opened)),
                Err(failure) => {
                    *self.broken.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(message(&failure));
                    Err(failure)
                }
            },
        }
    }

    /// Compiles `job` in `session`, opening it first if needed.
    fn compile(
        &self,
        session: &mut Option<TierSession>,
        job: Job,
    ) -> Result<protocol::TierCode, Failure> {
        self.session(session)?
            .compile(&protocol::TierCompileRequest {
                func: job.func,
                osr_pc: job.reason.osr_pc(),
            })
    }

    /// Publishes a finished compile, asked for at `asked`, and reports it.
    fn finish(&self, job: Job, asked: Duration, result: Result<&protocol::TierCode, &str>) {
        let mut headers = Vec::new();
        if let Ok(code) = result {
            let osr = match (job.reason.osr_pc(), code.osr) {
                (Some(pc), Some(entry)) => Some((pc, entry as usize)),
                _ => None,
            };
            headers = self.tables.publish(
                job.func,
                Ready {
                    native: code.native as usize,
                    boxed: code.boxed as usize,
                    osr,
                },
            );
        }
        let ready = self.started.elapsed();
        if let Some(log) = self.log {
            let name = self
                .module
                .functions
                .get(job.func as usize)
                .map_or("?", |f| f.name.as_str());
            log.write(&log::line(
                job.func,
                name,
                job.reason,
                &headers,
                result.map(|code| log::Timing {
                    compile: Duration::from_nanos(code.compile_nanos),
                    asked,
                    ready,
                }),
            ));
        }
    }
}
