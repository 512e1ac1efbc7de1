//! The async runtime the commands run their work on.

use crate::Failure;

/// A multi-threaded tokio runtime whose [`Tokio::run`] boxes the future it runs: the AWS SDK's
/// futures are large in debug builds, and on the main thread's stack a deploy's overflowed.
pub(crate) struct Tokio(tokio::runtime::Runtime);

impl Tokio {
    pub(crate) fn new() -> Result<Tokio, Failure> {
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map(Tokio).map_err(Failure::from)
    }

    /// Runs `work` to its end on this runtime, from the heap.
    pub(crate) fn run<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        self.0.block_on(Box::pin(work))
    }
}
