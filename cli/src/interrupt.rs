//! Ctrl-C, listened to from the start of every command that talks to RunningHub, so that
//! no moment is left where it kills the process with a paid task unnamed.
//!
//! Until [`Interrupt::hold`], nothing paid exists: Ctrl-C ends the process at once with exit
//! code 130, as the default handler would. From then on (a submit may be in flight, or a task
//! exists) Ctrl-C is only noted: a submit in flight is allowed to answer, so that its task's
//! id is shown, and the command ends itself with 130, saying how to pick the task up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

/// The exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

/// Ctrl-C as the command sees it.
pub(crate) struct Interrupt {
    held: Arc<AtomicBool>,
    pressed: watch::Receiver<bool>,
}

impl Interrupt {
    /// Starts listening. On Unix the handler is in place when this returns.
    pub(crate) fn listen() -> Interrupt {
        let held = Arc::new(AtomicBool::new(false));
        let (tx, pressed) = watch::channel(false);
        #[cfg(unix)]
        let mut signals =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
        let hold = held.clone();
        tokio::spawn(async move {
            loop {
                #[cfg(unix)]
                let got = match signals.as_mut() {
                    Some(s) => s.recv().await.is_some(),
                    None => false,
                };
                #[cfg(not(unix))]
                let got = tokio::signal::ctrl_c().await.is_ok();
                if !got {
                    return;
                }
                if !hold.load(Ordering::SeqCst) {
                    eprintln!("interrupted; nothing was submitted");
                    std::process::exit(i32::from(EXIT_INTERRUPTED));
                }
                let _ = tx.send(true);
            }
        });
        Interrupt { held, pressed }
    }

    /// From now on a submit may be in flight or a task exists: Ctrl-C is noted, and the
    /// command ends itself.
    pub(crate) fn hold(&self) {
        self.held.store(true, Ordering::SeqCst);
    }

    /// Whether Ctrl-C was pressed since [`Interrupt::hold`].
    pub(crate) fn pressed(&self) -> bool {
        *self.pressed.borrow()
    }

    /// Resolves when Ctrl-C is pressed (at once if it was already).
    pub(crate) async fn wait(&mut self) {
        if self.pressed.wait_for(|p| *p).await.is_err() {
            // The listener is gone (no signal handler could be installed): never.
            std::future::pending::<()>().await;
        }
    }
}
