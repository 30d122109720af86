//! The load driver: `calls` calls of one async function with `concurrency` of them in flight.
//!
//! `concurrency` worker tasks each take the next ticket from a shared counter until the tickets
//! run out, so exactly `calls` calls are made and never more than `concurrency` are in flight.
//! Workers (rather than one future per call) keep the driver's own cost to an atomic add per
//! call, the same for every client measured.
//!
//! What it must NOT do: retry, sleep, or hide a failed call (the first error ends the run).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::BoxError;

/// Runs `call` `calls` times with up to `concurrency` in flight; returns the wall time.
pub(crate) async fn drive<F, Fut>(
    calls: u64,
    concurrency: usize,
    call: F,
) -> Result<Duration, BoxError>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
{
    let call = Arc::new(call);
    let tickets = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let call = Arc::clone(&call);
            let tickets = Arc::clone(&tickets);
            tokio::spawn(async move {
                while tickets.fetch_add(1, Ordering::Relaxed) < calls {
                    call().await?;
                }
                Ok::<(), BoxError>(())
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    Ok(started.elapsed())
}
