//! Test fakes for users of this crate (feature `test-util`): [`ScriptedTransport`], an in-memory
//! transport that records requests and replays scripted responses, and [`MockTransport`], a
//! mockall mock of [`Transport`](crate::Transport).
//!
//! What it is for: testing the API crate and applications without a network. What it must NOT
//! do: open a socket, or be compiled into a build that did not ask for `test-util`.

mod mock;
mod scripted;

pub use mock::MockTransport;
pub use scripted::ScriptedTransport;
