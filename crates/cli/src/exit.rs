//! How a command ends: the one-line error on stderr and the exit status.
//!
//! 0 success; 1 an API or transport failure (the request was made, or may have been);
//! 4 `audit --fail-on` found something at or above the threshold;
//! 2 a usage or validation failure (nothing was sent). Clap's own errors exit 2 too.
//! This module must NOT print anything but that single `error: …` line, and the line must
//! NOT contain a secret: API error details and our messages carry none.

use std::fmt;
use std::process::ExitCode;

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad input or a refused action; nothing was sent. Exit 2.
    Usage(String),
    /// The API answered with an error, or the request failed on the way. Exit 1.
    Api(String),
    /// Writing the results failed (other than a closed pipe). Exit 1.
    Output(std::io::Error),
    /// `audit --fail-on`: a finding at or above the threshold (the report was printed). Exit 4.
    Findings(String),
}

impl Failure {
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) => ExitCode::from(2),
            Failure::Api(_) | Failure::Output(_) => ExitCode::from(1),
            Failure::Findings(_) => ExitCode::from(4),
        }
    }

    /// Prints `error: …` on stderr and returns the exit status.
    pub(crate) fn report(self) -> ExitCode {
        if let Failure::Output(error) = &self {
            // `atlas-keys … | head` closes the pipe early; that is the reader's choice, not
            // an error worth a message.
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
        }
        eprintln!("error: {}", one_line(&self.to_string()));
        self.exit_code()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) | Failure::Api(message) | Failure::Findings(message) => {
                f.write_str(message)
            }
            Failure::Output(error) => write!(f, "could not write the output: {error}"),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure::Output(error)
    }
}

/// Ends the process for a command line clap refused, or for `--help` / `--version`.
///
/// A bad *value* (`--orgId NOPE`, `-o yaml`, `--all=x`) is one line on stderr, with clap's
/// list of accepted values folded in where it has one: the user named the right flag and
/// needs only to know what it takes. Help, an unknown flag and a missing argument keep
/// clap's rendering with its usage section, which is what a mistyped command needs.
pub(crate) fn command_line(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let bad_value = matches!(
        error.kind(),
        ErrorKind::InvalidValue
            | ErrorKind::ValueValidation
            | ErrorKind::TooManyValues
            | ErrorKind::TooFewValues
            | ErrorKind::WrongNumberOfValues
            | ErrorKind::NoEquals
            | ErrorKind::InvalidUtf8
    );
    if !bad_value {
        // Prints help to stdout (exit 0) or the usage error to stderr (exit 2).
        let code = error.exit_code();
        let _ = error.print();
        return ExitCode::from(u8::try_from(code).unwrap_or(2));
    }
    let rendered = error.render().to_string();
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("error: invalid value");
    match lines.find(|l| l.starts_with("[possible values:")) {
        Some(possible) => eprintln!("{first} {possible}"),
        None => eprintln!("{first}"),
    }
    ExitCode::from(2)
}

/// Folds newlines so the error stays on one line whatever a server put in `detail`.
fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::{Failure, one_line};
    use std::process::ExitCode;

    #[test]
    fn usage_failures_exit_2_and_api_failures_exit_1() {
        assert_eq!(Failure::Usage("x".into()).exit_code(), ExitCode::from(2));
        assert_eq!(Failure::Api("x".into()).exit_code(), ExitCode::from(1));
    }

    #[test]
    fn multi_line_details_are_folded() {
        assert_eq!(
            one_line("404 RESOURCE_NOT_FOUND: a\n  b\r\n"),
            "404 RESOURCE_NOT_FOUND: a b"
        );
    }
}
