//! The `Examples:` block at the end of every command's `--help` (and man page).
//!
//! The Atlas CLI's documented examples, with our binary name; the ids are theirs
//! (placeholders). `tests/e2e/atlas_cli_examples.rs` runs the same commands against the
//! emulator. This module must NOT hold anything but help text.

pub(crate) const ROOT: &str = "\
Examples:
  # Which credential and profile would be used:
  atlas-keys auth whoami

  # List the organization's keys as JSON, with the Atlas CLI profile `work`:
  atlas-keys -P work organizations apiKeys list --output json

  # Only the ids of the keys:
  atlas-keys organizations apiKeys list -o 'json-path=$.results[*].id'\n";

pub(crate) const ORGS: &str = "\
Examples:
  atlas-keys organizations apiKeys list --orgId 5a1b39eec902201990f12345
  atlas-keys orgs apikeys describe 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345\n";

pub(crate) const ORG_KEYS: &str = "\
Examples:
  atlas-keys organizations apiKeys create --role ORG_MEMBER --desc \"CI key\" --orgId 5a1b39eec902201990f12345
  atlas-keys organizations apiKeys list --orgId 5a1b39eec902201990f12345 --output json\n";

pub(crate) const ORG_KEY_CREATE: &str = "\
Examples:
  # Create an organization API key with organization owner access in the organization with the ID 5a1b39eec902201990f12345:
  atlas-keys organizations apiKeys create --role ORG_OWNER --desc \"My API Key\" --orgId 5a1b39eec902201990f12345 --output json\n";

pub(crate) const ORG_KEY_LIST: &str = "\
Examples:
  # Return a JSON-formatted list of organization API keys for the organization with the ID 5a1b39eec902201990f12345:
  atlas-keys organizations apiKeys list --orgId 5a1b39eec902201990f12345 --output json

  # Every key, however many pages:
  atlas-keys organizations apiKeys list --orgId 5a1b39eec902201990f12345 --all\n";

pub(crate) const ORG_KEY_DESCRIBE: &str = "\
Examples:
  # Return the JSON-formatted details for the organization API key with the ID 5f24084d8dbffa3ad3f21234 for the organization with the ID 5a1b39eec902201990f12345:
  atlas-keys organizations apiKeys describe 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --output json\n";

pub(crate) const ORG_KEY_ASSIGN: &str = "\
Examples:
  # Modify the role and description for the API key with the ID 5f24084d8dbffa3ad3f21234 for the organization with the ID 5a1b39eec902201990f12345:
  atlas-keys organizations apiKeys assign 5f24084d8dbffa3ad3f21234 --role ORG_MEMBER --desc \"User1 Member Key\" --orgId 5a1b39eec902201990f12345 --output json\n";

pub(crate) const ORG_KEY_DELETE: &str = "\
Examples:
  # Remove the organization API key with the ID 5f24084d8dbffa3ad3f21234 for the organization with the ID 5a1b39eec902201990f12345:
  atlas-keys organizations apiKeys delete 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --force\n";

pub(crate) const ACCESS_LISTS: &str = "\
Examples:
  atlas-keys organizations apiKeys accessLists list 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345\n";

pub(crate) const ACCESS_LIST_CREATE: &str = "\
Examples:
  # Create access list entries for two IP addresses for the API key with the ID 5f24084d8dbffa3ad3f21234 in the organization with the ID 5a1b39eec902201990f12345:
  atlas-keys organizations apiKeys accessLists create --apiKey 5f24084d8dbffa3ad3f21234 --cidr 192.0.2.0/24,198.51.100.0/24 --orgId 5a1b39eec902201990f12345 --output json

  # Allow the address this command runs from:
  atlas-keys organizations apiKeys accessLists create --apiKey 5f24084d8dbffa3ad3f21234 --currentIp --orgId 5a1b39eec902201990f12345\n";

pub(crate) const ACCESS_LIST_LIST: &str = "\
Examples:
  # Return a JSON-formatted list of access list entries for the API key with the ID 5f24084d8dbffa3ad3f21234 in the organization with the ID 5a1b39eec902201990f12345:
  atlas-keys organizations apiKeys accessLists list 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --output json

  # The same, with the key as a flag (older Atlas CLI releases):
  atlas-keys organizations apiKeys accessLists list --apiKey 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --output json\n";

pub(crate) const ACCESS_LIST_DESCRIBE: &str = "\
Examples:
  atlas-keys organizations apiKeys accessLists describe 192.0.2.0/24 --apiKey 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345\n";

pub(crate) const ACCESS_LIST_DELETE: &str = "\
Examples:
  # Remove the IP address 192.0.2.0 from the access list for the API key with the ID 5f24084d8dbffa3ad3f21234 in the organization with the ID 5a1b39eec902201990f12345:
  atlas-keys organizations apiKeys accessLists delete 192.0.2.0 --apiKey 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --force\n";

pub(crate) const PROJECTS: &str = "\
Examples:
  atlas-keys projects apiKeys list --projectId 5e1234c17a3e5a48f5497de3\n";

pub(crate) const PROJECT_KEYS: &str = "\
Examples:
  atlas-keys projects apiKeys assign 5f46ae53d58b421fe3edc115 --projectId 5e1234c17a3e5a48f5497de3 --role GROUP_READ_ONLY
  atlas-keys projects apiKeys list --projectId 5e1234c17a3e5a48f5497de3 --output json\n";

pub(crate) const PROJECT_KEY_CREATE: &str = "\
Examples:
  # Create an organization API key with the GROUP_OWNER role and assign it to the project with ID 5e1234c17a3e5a48f5497de3:
  atlas-keys projects apiKeys create --desc \"My API key\" --projectId 5e1234c17a3e5a48f5497de3 --role GROUP_OWNER --output json

  # Create an organization API key with the GROUP_SEARCH_INDEX_EDITOR and GROUP_DATABASE_ACCESS_ADMIN roles and assign it to the project with ID 5e1234c17a3e5a48f5497de3:
  atlas-keys projects apiKeys create --desc \"My API key\" --projectId 5e1234c17a3e5a48f5497de3 --role GROUP_SEARCH_INDEX_EDITOR,GROUP_DATABASE_ACCESS_ADMIN --output json\n";

pub(crate) const PROJECT_KEY_LIST: &str = "\
Examples:
  # Return a JSON-formatted list of organization API keys assigned to the project with ID 5e1234c17a3e5a48f5497de3:
  atlas-keys projects apiKeys list --projectId 5e1234c17a3e5a48f5497de3 --output json\n";

pub(crate) const PROJECT_KEY_ASSIGN: &str = "\
Examples:
  # Assign an organization API key with the ID 5f46ae53d58b421fe3edc115 and grant the GROUP_DATA_ACCESS_READ_WRITE role for the project with ID 5e1234c17a3e5a48f5497de3:
  atlas-keys projects apiKeys assign 5f46ae53d58b421fe3edc115 --projectId 5e1234c17a3e5a48f5497de3 --role GROUP_DATA_ACCESS_READ_WRITE --output json\n";

pub(crate) const PROJECT_KEY_UPDATE: &str = "\
Examples:
  # Replace the key's roles in the project with GROUP_READ_ONLY:
  atlas-keys projects apiKeys update 5f46ae53d58b421fe3edc115 --projectId 5e1234c17a3e5a48f5497de3 --role GROUP_READ_ONLY\n";

pub(crate) const PROJECT_KEY_DELETE: &str = "\
Examples:
  # Remove an organization API key with the ID 5f46ae53d58b421fe3edc115 from the project with ID 5e1234c17a3e5a48f5497de3:
  atlas-keys projects apiKeys delete 5f46ae53d58b421fe3edc115 --projectId 5e1234c17a3e5a48f5497de3 --force\n";

pub(crate) const ROTATE: &str = "\
Examples:
  atlas-keys rotate 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --deliver file:new-key.json
  atlas-keys rotate start 5f24084d8dbffa3ad3f21234 --deliver exec:'vault kv put secret/atlas -'
  atlas-keys rotate finish 5f24084d8dbffa3ad3f21234 --wait-unused 15m
  atlas-keys rotate status\n";

pub(crate) const ROTATE_START: &str = "\
Examples:
  atlas-keys rotate start 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --deliver file:new-key.json
  atlas-keys rotate start 5f24084d8dbffa3ad3f21234 --deliver env -- ./deploy.sh\n";

pub(crate) const ROTATE_FINISH: &str = "\
Examples:
  atlas-keys rotate finish 5f24084d8dbffa3ad3f21234 --wait-unused 15m
  atlas-keys rotate finish 5f24084d8dbffa3ad3f21234 --force\n";

pub(crate) const ROTATE_STATUS: &str = "\
Examples:
  atlas-keys rotate status
  atlas-keys rotate status --journal /var/lib/atlas-keys/rotations\n";

pub(crate) const ROTATE_RESUME: &str = "\
Examples:
  atlas-keys rotate resume
  atlas-keys rotate resume 5f24084d8dbffa3ad3f21234 --abort\n";

pub(crate) const CI_ACCESS: &str = "\
Examples:
  atlas-keys ci-access --apiKey 5f24084d8dbffa3ad3f21234 --ttl 30m -- ./run-migrations.sh
  atlas-keys ci-access --ephemeral-key --projectId 5e2211c17a3e5a48f5497de3 --role GROUP_READ_ONLY -- ./smoke-test.sh\n";

pub(crate) const CI_REAP: &str = "\
Examples:
  atlas-keys ci-access reap
  atlas-keys ci-access reap --orgId 5a1b39eec902201990f12345\n";

pub(crate) const SETTINGS: &str = "\
Examples:
  atlas-keys organizations settings describe --orgId 5a1b39eec902201990f12345
  atlas-keys organizations settings update --apiAccessListRequired true\n";

pub(crate) const SETTINGS_DESCRIBE: &str = "\
Examples:
  atlas-keys organizations settings describe --orgId 5a1b39eec902201990f12345 -o json\n";

pub(crate) const SETTINGS_UPDATE: &str = "\
Examples:
  atlas-keys organizations settings update --orgId 5a1b39eec902201990f12345 --apiAccessListRequired true\n";

pub(crate) const AUDIT: &str = "\
Examples:
  atlas-keys audit --orgId 5a1b39eec902201990f12345
  atlas-keys audit --stale 30d -o sarif --fail-on high > atlas-keys.sarif
  atlas-keys audit -o csv > keys.csv\n";

pub(crate) const AUTH: &str = "\
Examples:
  atlas-keys auth whoami
  atlas-keys -P work auth whoami -o json
  atlas-keys auth logout\n";

pub(crate) const WHOAMI: &str = "\
Examples:
  atlas-keys auth whoami
  atlas-keys -P work auth whoami -o json\n";

pub(crate) const LOGOUT: &str = "\
Examples:
  # Forget every cached service-account token (the next command asks for a new one):
  atlas-keys auth logout\n";

pub(crate) const COMPLETION: &str = "\
Examples:
  # bash, for this shell only:
  source <(atlas-keys completion bash)
  # zsh, installed:
  atlas-keys completion zsh > \"${fpath[1]}/_atlas-keys\"
  # fish:
  atlas-keys completion fish > ~/.config/fish/completions/atlas-keys.fish
  # PowerShell:
  atlas-keys completion powershell | Out-String | Invoke-Expression\n";

pub(crate) const EMULATOR: &str = "\
Examples:
  # Serve on a free loopback port; the first stdout line is JSON with the URL and keys:
  atlas-keys emulator --listen 127.0.0.1:0\n";

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every visible command ends its help with an `Examples:` block.
    #[test]
    fn every_command_has_examples() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", command.get_name());
            let has = command
                .get_after_help()
                .is_some_and(|h| h.to_string().starts_with("Examples:"));
            if !has && command.get_name() != "help" {
                missing.push(path.clone());
            }
            for sub in command.get_subcommands().filter(|c| !c.is_hide_set()) {
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&crate::args::Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "no Examples: block in {missing:?}");
    }
}
