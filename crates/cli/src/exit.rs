//! How a command ends: the one-line error on stderr and the exit status.
//!
//! 0 success; 1 an API or transport failure (the request was made, or may have been);
//! 2 a usage or validation failure (nothing was sent); 3 a create answered without the new
//! key's full private key (the key exists, its secret does not); 4 `audit --fail-on` found
//! something at or above the threshold. Clap's own errors exit 2 too.
//! Under `-o json` the same failure is one JSON object on stderr instead:
//! `{"status", "errorCode", "detail", "hint"}`. This module must NOT print anything but
//! that single line (and, for the failures `hints` knows a fix for, one `hint: …` line
//! after it), or that one object, and it must NOT contain a secret: API error details and
//! our messages carry none. Writing to a closed stderr is ignored, never a panic.

use std::fmt;
use std::io::Write;
use std::process::ExitCode;

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad input or a refused action; nothing was sent. Exit 2.
    Usage(String),
    /// The request failed on the way (or something else outside the input went wrong).
    /// Exit 1.
    Api(String),
    /// The API answered with an error: its status and `errorCode` are kept for `-o json`.
    /// Exit 1.
    Service {
        /// The HTTP status.
        status: u16,
        /// The API's `errorCode`, if it sent one.
        code: Option<String>,
        /// The whole message, as for [`Failure::Api`].
        message: String,
    },
    /// A key was created but the answer lacked its private key. Exit 3.
    SecretMissing(String),
    /// Writing the results failed (other than a closed pipe). Exit 1.
    Output(std::io::Error),
    /// `audit --fail-on`: a finding at or above the threshold (the report was printed). Exit 4.
    Findings(String),
}

impl Failure {
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) => ExitCode::from(2),
            Failure::Api(_) | Failure::Service { .. } | Failure::Output(_) => ExitCode::from(1),
            Failure::SecretMissing(_) => ExitCode::from(3),
            Failure::Findings(_) => ExitCode::from(4),
        }
    }

    /// Prints `error: …` (or, with `json`, the JSON object) on stderr and returns the exit
    /// status.
    pub(crate) fn report(self, json: bool) -> ExitCode {
        if let Failure::Output(error) = &self {
            // `atlas-keys … | head` closes the pipe early; that is the reader's choice, not
            // an error worth a message.
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
        }
        let line = if json {
            self.to_json_line()
        } else {
            let mut text = format!("error: {}", one_line(&self.to_string()));
            if let Some(hint) = self.hint() {
                text.push_str("\nhint: ");
                text.push_str(&hint);
            }
            text
        };
        // Not eprintln!: it panics when stderr is a closed pipe.
        let _ = writeln!(std::io::stderr().lock(), "{line}");
        self.exit_code()
    }

    /// The `-o json` form, one line: the API's status and code when it answered, else
    /// `status` null and our own code (`INVALID_INPUT` for exit 2, `REQUEST_FAILED` for
    /// exit 1).
    fn to_json_line(&self) -> String {
        let (status, error_code) = match self {
            Failure::Usage(_) => (None, Some("INVALID_INPUT".to_owned())),
            Failure::Api(_) => (None, Some("REQUEST_FAILED".to_owned())),
            Failure::Output(_) => (None, Some("OUTPUT_FAILED".to_owned())),
            Failure::SecretMissing(_) => (None, Some("PRIVATE_KEY_MISSING".to_owned())),
            Failure::Findings(_) => (None, Some("AUDIT_FINDINGS".to_owned())),
            Failure::Service { status, code, .. } => (Some(*status), code.clone()),
        };
        let error = JsonError {
            status,
            error_code,
            detail: one_line(&self.to_string()),
            hint: self.hint(),
        };
        serde_json::to_string(&error).unwrap_or_default()
    }

    /// What to try next, where there is something useful to say.
    /// The hint `hints::note` recorded for this failure's API error, if any. Taken, so it
    /// is printed once.
    fn hint(&self) -> Option<String> {
        crate::hints::take_pending().or_else(|| match self {
            Failure::Usage(message) if message.starts_with("no credentials") => Some(
                "run `atlas-keys auth whoami` to see which variables and profile were read".into(),
            ),
            _ => None,
        })
    }
}

/// A failure under `-o json`. A struct rather than `json!`, so the fields keep this order
/// on the wire (serde_json's maps sort their keys).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonError {
    status: Option<u16>,
    error_code: Option<String>,
    detail: String,
    hint: Option<String>,
}

impl From<crate::config::ConfigError> for Failure {
    fn from(error: crate::config::ConfigError) -> Self {
        // Everything the configuration can fail on is found before any request.
        Failure::Usage(error.to_string())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message)
            | Failure::Api(message)
            | Failure::Service { message, .. }
            | Failure::SecretMissing(message)
            | Failure::Findings(message) => f.write_str(message),
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
pub(crate) fn command_line(error: clap::Error, json: bool) -> ExitCode {
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
    let is_error = error.use_stderr();
    if json && is_error {
        let rendered = error.render().to_string();
        let detail = rendered
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("invalid command line")
            .trim_start_matches("error: ")
            .to_owned();
        return Failure::Usage(detail).report(true);
    }
    if !bad_value {
        // Prints help to stdout (exit 0) or the usage error to stderr (exit 2). A closed
        // pipe makes print() fail, which is ignored: nothing is left to tell anyone.
        let code = error.exit_code();
        let _ = error.print();
        return ExitCode::from(u8::try_from(code).unwrap_or(2));
    }
    let rendered = error.render().to_string();
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("error: invalid value");
    let line = match lines.find(|l| l.starts_with("[possible values:")) {
        Some(possible) => format!("{first} {possible}"),
        None => first.to_owned(),
    };
    let _ = writeln!(std::io::stderr().lock(), "{line}");
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
    fn a_json_error_has_status_code_detail_and_hint_in_that_order() {
        let line = Failure::Service {
            status: 404,
            code: Some("RESOURCE_NOT_FOUND".into()),
            message: "404 RESOURCE_NOT_FOUND: gone\nreally".into(),
        }
        .to_json_line();
        assert_eq!(
            line,
            r#"{"status":404,"errorCode":"RESOURCE_NOT_FOUND","detail":"404 RESOURCE_NOT_FOUND: gone really","hint":null}"#
        );
        let usage = Failure::Usage("bad".into()).to_json_line();
        assert!(
            usage.starts_with(r#"{"status":null,"errorCode":"INVALID_INPUT""#),
            "{usage}"
        );
    }

    #[test]
    fn multi_line_details_are_folded() {
        assert_eq!(
            one_line("404 RESOURCE_NOT_FOUND: a\n  b\r\n"),
            "404 RESOURCE_NOT_FOUND: a b"
        );
    }
}
