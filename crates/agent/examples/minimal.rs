//! The README's example: an agent that streams when asked to and echoes otherwise.
//! Run: `PORT=8080 cargo run -p corestack-agent --example minimal`

use corestack_agent::{BoxError, Request, Response, handler_fn};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), corestack_agent::Error> {
    corestack_agent::run(handler_fn(|req: Request| async move {
        if req.context.accepts_event_stream {
            let words: Vec<Result<_, BoxError>> = vec![Ok(json!({"delta": "hi"}))];
            return Ok::<_, BoxError>(Response::stream(futures_util::stream::iter(words)));
        }
        Ok(Response::Json(json!({"echo": req.payload, "session_id": req.context.session_id})))
    }))
    .await
}
