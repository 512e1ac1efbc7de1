//! What `/ping` says: `Healthy`, or `HealthyBusy` while tracked background work runs, and since when.
//!
//! AgentCore's idle timer reads `time_of_last_update`: it must be Unix seconds and change only when
//! the status changes (facts §6.2). Stamping every ping with "now" keeps sessions alive forever;
//! omitting it lets the platform reap a busy session. Here the timestamp moves at the moment the
//! status really changes (a task starts or finishes, a status is forced), so a short task that
//! starts and ends between two pings still counts as recent activity.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// The health status the platform polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PingStatus {
    /// Ready for work; no background task runs.
    Healthy,
    /// Background work is running: keep the session alive.
    HealthyBusy,
}

/// The `/ping` body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PingResponse {
    /// The status.
    pub status: PingStatus,
    /// Unix seconds of the last status change.
    pub time_of_last_update: u64,
}

type StatusFn = Arc<dyn Fn() -> PingStatus + Send + Sync>;

struct State {
    tasks: BTreeMap<u64, String>,
    next_id: u64,
    forced: Option<PingStatus>,
    custom: Option<StatusFn>,
    last: PingStatus,
    since: u64,
}

/// Shared health state: clone it freely (it is an `Arc` inside).
///
/// # Example
/// ```
/// use corestack_agent::{Health, PingStatus};
/// let health = Health::new();
/// assert_eq!(health.ping().status, PingStatus::Healthy);
/// let job = health.start_task("index documents");
/// assert_eq!(health.ping().status, PingStatus::HealthyBusy);
/// drop(job);
/// assert_eq!(health.ping().status, PingStatus::Healthy);
/// ```
#[derive(Clone)]
pub struct Health {
    state: Arc<Mutex<State>>,
    clock: fn() -> u64,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Health").field("ping", &self.ping()).finish()
    }
}

impl Default for Health {
    fn default() -> Self {
        Health::new()
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Health {
    /// Healthy since now.
    pub fn new() -> Health {
        Health::with_clock(unix_seconds)
    }

    /// Healthy since `clock()`, with a clock of your own (for tests).
    pub fn with_clock(clock: fn() -> u64) -> Health {
        let state = State {
            tasks: BTreeMap::new(),
            next_id: 0,
            forced: None,
            custom: None,
            last: PingStatus::Healthy,
            since: clock(),
        };
        Health { state: Arc::new(Mutex::new(state)), clock }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves plain data behind; keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a status change, if there is one. `custom` is the custom function's answer.
    fn settle(&self, state: &mut State, custom: Option<PingStatus>) {
        let automatic = if state.tasks.is_empty() { PingStatus::Healthy } else { PingStatus::HealthyBusy };
        let status = state.forced.or(custom).unwrap_or(automatic);
        if status != state.last {
            state.last = status;
            state.since = (self.clock)();
        }
    }

    /// The current status and the time of its last change: what `/ping` answers. Precedence: a
    /// forced status, then the custom status function, then tracked tasks.
    pub fn ping(&self) -> PingResponse {
        // The custom function runs without the lock, so it may itself use this Health.
        let custom = self.lock().custom.clone();
        let answer = custom.map(|f| f());
        let mut state = self.lock();
        self.settle(&mut state, answer);
        PingResponse { status: state.last, time_of_last_update: state.since }
    }

    /// Starts tracking a background task; it ends when the guard is dropped or finished.
    pub fn start_task(&self, name: &str) -> TaskGuard {
        TaskGuard { health: self.clone(), id: Some(self.add_async_task(name)) }
    }

    /// Starts tracking a task by ID (the Python SDK's `add_async_task`); end it with
    /// [`Health::complete_async_task`].
    pub fn add_async_task(&self, name: &str) -> u64 {
        let mut state = self.lock();
        let id = state.next_id;
        state.next_id += 1;
        state.tasks.insert(id, name.to_string());
        self.settle(&mut state, None);
        id
    }

    /// Ends a tracked task; false when it was not running.
    pub fn complete_async_task(&self, id: u64) -> bool {
        let mut state = self.lock();
        let found = state.tasks.remove(&id).is_some();
        self.settle(&mut state, None);
        found
    }

    /// Spawns a future on the runtime as a tracked task: `HealthyBusy` until it completes.
    pub fn spawn<F>(&self, name: &str, task: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let guard = self.start_task(name);
        tokio::spawn(async move {
            let out = task.await;
            drop(guard);
            out
        })
    }

    /// Names of the tracked tasks that are running.
    pub fn running_tasks(&self) -> Vec<String> {
        self.lock().tasks.values().cloned().collect()
    }

    /// Forces a status regardless of tasks, or `None` to stop forcing.
    pub fn force_status(&self, status: Option<PingStatus>) {
        let mut state = self.lock();
        state.forced = status;
        self.settle(&mut state, None);
    }

    /// Decides the status with a function of your own (checked at each ping), or `None` to go back
    /// to tracked tasks.
    pub fn set_status_fn(&self, f: Option<impl Fn() -> PingStatus + Send + Sync + 'static>) {
        self.lock().custom = f.map(|f| Arc::new(f) as StatusFn);
    }
}

/// A tracked task; the status goes back to `Healthy` when the last one ends.
#[derive(Debug)]
#[must_use = "the task ends when the guard is dropped"]
pub struct TaskGuard {
    health: Health,
    id: Option<u64>,
}

impl TaskGuard {
    /// Ends the task now.
    pub fn finish(mut self) {
        if let Some(id) = self.id.take() {
            self.health.complete_async_task(id);
        }
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.health.complete_async_task(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    static NOW: AtomicU64 = AtomicU64::new(1_000);
    fn clock() -> u64 {
        NOW.load(Ordering::SeqCst)
    }

    #[test]
    fn timestamp_moves_only_on_status_changes() {
        let h = Health::with_clock(clock);
        assert_eq!(h.ping(), PingResponse { status: PingStatus::Healthy, time_of_last_update: 1_000 });
        NOW.store(1_010, Ordering::SeqCst);
        assert_eq!(h.ping().time_of_last_update, 1_000, "no change, no new timestamp");
        let a = h.start_task("a");
        NOW.store(1_020, Ordering::SeqCst);
        let b = h.start_task("b");
        assert_eq!(h.ping(), PingResponse { status: PingStatus::HealthyBusy, time_of_last_update: 1_010 });
        a.finish();
        NOW.store(1_030, Ordering::SeqCst);
        assert_eq!(h.ping().status, PingStatus::HealthyBusy, "b still runs");
        drop(b);
        assert_eq!(h.ping(), PingResponse { status: PingStatus::Healthy, time_of_last_update: 1_030 });
        assert!(h.running_tasks().is_empty());
    }

    #[test]
    fn forced_beats_custom_beats_tasks() {
        let h = Health::new();
        let _t = h.start_task("t");
        h.set_status_fn(Some(|| PingStatus::Healthy));
        assert_eq!(h.ping().status, PingStatus::Healthy);
        h.force_status(Some(PingStatus::HealthyBusy));
        assert_eq!(h.ping().status, PingStatus::HealthyBusy);
        h.force_status(None);
        h.set_status_fn(None::<fn() -> PingStatus>);
        assert_eq!(h.ping().status, PingStatus::HealthyBusy);
        assert!(!h.complete_async_task(99));
    }

    #[test]
    fn a_custom_function_may_use_the_health_it_belongs_to() {
        let h = Health::new();
        let inner = h.clone();
        h.set_status_fn(Some(move || {
            if inner.running_tasks().is_empty() { PingStatus::HealthyBusy } else { PingStatus::Healthy }
        }));
        assert_eq!(h.ping().status, PingStatus::HealthyBusy);
    }

    #[test]
    fn ping_serializes_compactly_with_integer_seconds() {
        let body = serde_json::to_string(&PingResponse {
            status: PingStatus::HealthyBusy,
            time_of_last_update: 1_700_000_000,
        })
        .unwrap();
        assert_eq!(body, r#"{"status":"HealthyBusy","time_of_last_update":1700000000}"#);
    }
}
