//! The two steps that let the configuration supply defaults to the command line: a lenient
//! first look at the global flags (`-P`, `-o`, `--base-url`, `--flavor`) so the
//! configuration can be loaded, then the real command tree with `--orgId` / `--projectId`
//! defaulted from it.
//!
//! Why not clap's `env = …`: the default may also come from the profile, and a malformed
//! variable must fail only a command that takes the flag, with an error naming the
//! variable; as an `env` default it failed every command. This module must NOT do I/O:
//! the caller loads the configuration between the two steps.

use std::ffi::OsString;

use clap::{ArgMatches, Command};

use crate::config::{ConfigError, FlagInputs, Resolved};

/// What the first, lenient pass found: the global flags the configuration needs, and
/// whether the command needs credentials at all (so the keyring is left alone otherwise).
#[derive(Debug, Default)]
pub(crate) struct FirstLook {
    pub(crate) flags: FlagInputs,
    pub(crate) needs_credentials: bool,
    /// `-o json` (or `json-path`) was asked for on the command line, so even a command
    /// line error is reported as JSON.
    pub(crate) json_errors: bool,
}

/// Reads the global flags, tolerating every other error (the second pass reports them).
pub(crate) fn first_look(command: Command, argv: &[OsString]) -> FirstLook {
    let Ok(matches) = command
        .ignore_errors(true)
        .try_get_matches_from(argv.iter().cloned())
    else {
        // Even the lenient parse gave up (a bad value, say): the profile and the output
        // format still decide how that error is shown, so find them by hand.
        let output = scan(argv, "-o", "--output");
        return FirstLook {
            json_errors: output.is_some_and(|o| o == "json" || o.starts_with("json-path")),
            flags: FlagInputs {
                profile: scan(argv, "-P", "--profile"),
                ..FlagInputs::default()
            },
            needs_credentials: false,
        };
    };
    let leaf = leaf(&matches);
    let string = |id: &str| {
        leaf.try_get_one::<String>(id)
            .ok()
            .flatten()
            .or_else(|| matches.try_get_one::<String>(id).ok().flatten())
            .cloned()
    };
    // A lenient parse stops at the first bad value, so later flags may be missing from
    // its matches; the scan finds them anyway.
    let output = string("output").or_else(|| scan(argv, "-o", "--output"));
    let flags = FlagInputs {
        profile: string("profile").or_else(|| scan(argv, "-P", "--profile")),
        base_url: string("base_url"),
        flavour: leaf
            .try_get_one("flavor")
            .ok()
            .flatten()
            .or_else(|| matches.try_get_one("flavor").ok().flatten())
            .copied(),
        output: output.clone(),
        ca_file: string("ca_file").map(Into::into),
        ..FlagInputs::default()
    };
    let top = matches.subcommand_name().unwrap_or_default();
    let second = matches
        .subcommand()
        .and_then(|(_, sub)| sub.subcommand_name())
        .unwrap_or_default();
    FirstLook {
        flags,
        needs_credentials: !matches!(
            (top, second),
            ("" | "completion" | "emulator" | "__man", _) | ("auth", "logout")
        ),
        json_errors: output.is_some_and(|o| o == "json" || o.starts_with("json-path")),
    }
}

/// The last value of `-x VALUE`, `-xVALUE`, `--long VALUE` or `--long=VALUE`, before any
/// `--`. A rough reading, used only when clap could not parse the line at all.
fn scan(argv: &[OsString], short: &str, long: &str) -> Option<String> {
    let words: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|w| w.to_string_lossy().into_owned())
        .take_while(|w| w != "--")
        .collect();
    let mut found = None;
    for (i, word) in words.iter().enumerate() {
        if word == short || word == long {
            found = words.get(i + 1).cloned();
        } else if let Some(value) = word.strip_prefix(&format!("{long}=")) {
            found = Some(value.to_owned());
        } else if let Some(value) = word.strip_prefix(short).filter(|v| !v.is_empty()) {
            found = Some(value.trim_start_matches('=').to_owned());
        }
    }
    found
}

fn leaf(matches: &ArgMatches) -> &ArgMatches {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    m
}

/// The command tree with `--orgId` and `--projectId` defaulted from the configuration,
/// where it holds a valid value.
pub(crate) fn with_defaults(command: Command, resolved: &Resolved) -> Command {
    let org = resolved
        .org_id()
        .ok()
        .flatten()
        .map(|s| s.value.to_string());
    let project = resolved
        .project_id()
        .ok()
        .flatten()
        .map(|s| s.value.to_string());
    set_defaults(command, org.as_deref(), project.as_deref())
}

fn set_defaults(mut command: Command, org: Option<&str>, project: Option<&str>) -> Command {
    for (id, value) in [("org_id", org), ("project_id", project)] {
        if let Some(value) = value
            && command.get_arguments().any(|a| a.get_id() == id)
        {
            // The value is known only at run time; clap wants an owned string (its
            // `string` feature) for that.
            command = command.mut_arg(id, |a| {
                a.default_value(value.to_owned())
                    .required(false)
                    .hide_default_value(true)
            });
        }
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |c| set_defaults(c, org, project));
    }
    command
}

/// For clap's "required argument missing" about `--orgId` or `--projectId`: the
/// configuration's own error, which names the variable and the profile (or says which
/// variable holds a malformed value).
pub(crate) fn missing_id_error(error: &clap::Error, resolved: &Resolved) -> Option<ConfigError> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() != ErrorKind::MissingRequiredArgument {
        return None;
    }
    let missing = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::Strings(args)) => args.clone(),
        Some(ContextValue::String(arg)) => vec![arg.clone()],
        _ => return None,
    };
    // Only when nothing else is missing: otherwise clap's usage message says it all.
    match missing.as_slice() {
        [one] if one.starts_with("--orgId") => resolved.require_org_id().err(),
        [one] if one.starts_with("--projectId") => resolved.require_project_id().err(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::scan;
    use std::ffi::OsString;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_fallback_scan_finds_every_spelling() {
        for words in [
            &["atlas-keys", "x", "-o", "json"][..],
            &["atlas-keys", "x", "-ojson"],
            &["atlas-keys", "x", "--output", "json"],
            &["atlas-keys", "x", "--output=json"],
        ] {
            assert_eq!(
                scan(&argv(words), "-o", "--output").as_deref(),
                Some("json"),
                "{words:?}"
            );
        }
        assert_eq!(
            scan(&argv(&["atlas-keys", "--", "-o", "json"]), "-o", "--output"),
            None
        );
    }
}
