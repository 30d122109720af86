//! The caller's public address as the service sees it: `GET /api/private/ipinfo`, what the
//! Atlas CLI's `--currentIp` asks (NOTES (j)). `client.current_ip().send().await?` gives an
//! [`IpInfo`]; `.address()` is the address to put on an access list.
//!
//! The path is outside the flavour prefix: its row is in the model's
//! [`ROOTED_OPERATIONS`](atlas_keys_model::operations::ROOTED_OPERATIONS), and the call path
//! puts only the base URL's own path before it.
//!
//! What it must NOT do: guess an address locally (a machine behind NAT does not know the
//! address the service sees), or build a request itself (the call path in `call.rs` does).

use std::sync::Arc;

use atlas_keys_model::IpInfo;

use crate::call::{ApiCall, Core, RequestBuilder, sealed};
use crate::operations::{CURRENT_IP_PATH, Operation};

/// `GET /api/private/ipinfo`: no parameters, answers [`IpInfo`].
///
/// ```no_run
/// # async fn run(client: atlas_keys::Client) -> atlas_keys::Result<()> {
/// let seen = client.current_ip().send().await?.address();
/// println!("the service sees this machine as {seen}");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentIp {
    _private: (),
}

impl sealed::Sealed for CurrentIp {}
impl ApiCall for CurrentIp {
    const OPERATION: Operation = Operation::CurrentIpInfo;
    type Output = IpInfo;

    fn write_path(&self, out: &mut String) {
        out.push_str(CURRENT_IP_PATH);
    }
}

/// The call behind [`Client::current_ip`](crate::Client::current_ip).
pub(crate) fn current_ip(core: &Arc<Core>) -> RequestBuilder<CurrentIp> {
    RequestBuilder::new(core, CurrentIp { _private: () })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::tests::path_of;
    use atlas_keys_model::Flavour;

    #[test]
    fn typed_path_is_the_rooted_row() {
        let (operation, path) = path_of(&CurrentIp { _private: () });
        for flavour in Flavour::ALL {
            let spec = operation.spec(flavour).unwrap();
            assert!(spec.rooted);
            assert_eq!(path, spec.path);
        }
    }
}
