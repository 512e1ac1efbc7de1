//! Ending sessions the way the service does: idle (no request in flight, `/ping` Healthy, and the
//! later of the last request and `time_of_last_update` older than the idle timeout), max
//! lifetime, a process that exited, or three unanswered pings. Sessions are judged, and stopped,
//! several at a time, so that frozen agents (each costing a ping's timeout and a stop's grace)
//! do not hold up the reaping of healthy ones.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;

use crate::session::{Session, short, unix_now};
use crate::{Key, Slot, State, clock, forget};

/// How many sessions are pinged or stopped at once.
pub(crate) const AT_ONCE: usize = 16;

/// How long a ping may take before it counts as unanswered.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// What one round found for a session.
enum Verdict {
    /// Healthy and in use (or not idle long enough).
    Keep,
    /// The ping went unanswered, not for the third time yet.
    Unanswered,
    /// Stopped (its time was up).
    Ended,
}

pub(crate) async fn reap(state: Arc<State>) {
    let mut unanswered: HashMap<String, u32> = HashMap::new();
    loop {
        tokio::time::sleep(state.config.ping_interval).await;
        let live: Vec<(Key, Arc<Slot>, Arc<Session>)> = {
            let slots = state.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.iter().filter_map(|(k, s)| Some((k.clone(), s.clone(), s.0.get()?.clone()))).collect()
        };
        let verdicts: Vec<(String, Verdict)> = futures_util::stream::iter(live)
            .map(|(key, slot, session)| {
                let (state, misses) = (&state, unanswered.get(&session.id).copied().unwrap_or(0));
                async move {
                    let verdict = judge_and_stop(state, &key, &slot, &session, misses).await;
                    (session.id.clone(), verdict)
                }
            })
            .buffer_unordered(AT_ONCE)
            .collect()
            .await;
        for (id, verdict) in verdicts {
            match verdict {
                Verdict::Unanswered => *unanswered.entry(id).or_default() += 1,
                Verdict::Keep | Verdict::Ended => {
                    unanswered.remove(&id);
                }
            }
        }
        // Sessions that ended some other way (a stop on exit, say) are forgotten too.
        let slots = state.slots.lock().unwrap_or_else(|e| e.into_inner());
        unanswered.retain(|id, _| slots.values().any(|s| s.0.get().is_some_and(|s| &s.id == id)));
    }
}

/// Judges one session (`misses` pings unanswered so far) and stops it when its time is up.
async fn judge_and_stop(state: &State, key: &Key, slot: &Arc<Slot>, s: &Session, misses: u32) -> Verdict {
    let reason = if let Some(status) = s.exited().await {
        format!("exited ({status})")
    } else if s.started.elapsed() >= s.runtime.max_lifetime {
        format!("max lifetime {} s", s.runtime.max_lifetime.as_secs())
    } else {
        // Pinged whether or not a request is in flight: /ping must answer while the agent works
        // (facts §15.19), and an agent that stops answering is stopped.
        match s.ping(PING_TIMEOUT).await {
            Some(p) => {
                let idle_since = s.last_activity.load(Ordering::SeqCst).max(p.time_of_last_update);
                let idle = s.in_flight.load(Ordering::SeqCst) == 0
                    && !p.busy
                    && unix_now().saturating_sub(idle_since) >= s.runtime.idle_timeout.as_secs();
                if !idle {
                    return Verdict::Keep;
                }
                format!("idle {} s", s.runtime.idle_timeout.as_secs())
            }
            None if misses + 1 >= 3 => "three pings unanswered".to_string(),
            None => return Verdict::Unanswered,
        }
    };
    forget(state, key, slot);
    s.stop(state.config.stop_grace).await;
    (state.console)(&format!("{} {} session {} stopped ({reason})", clock(), s.runtime.name, short(&s.id)));
    Verdict::Ended
}
