//! `client.current_ip()` against the emulator: the rooted path (outside the flavour
//! prefix) is reached in every flavour and with both kinds of credentials, and the answer
//! is the address the server saw.

use std::net::{IpAddr, Ipv4Addr};

use atlas_keys::model::Flavour;
use atlas_keys::model::operations::Operation;
use atlas_keys::transport::SecretString;

use crate::common::{cases, client, emulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_ip_is_the_address_the_server_saw_in_every_flavour() {
    for flavour in Flavour::ALL {
        let emu = emulator(flavour).await;
        for case in cases(flavour).into_iter().filter(|c| !c.envelope) {
            let got = client(&emu, case)
                .current_ip()
                .send_with_metadata()
                .await
                .unwrap_or_else(|e| panic!("{case:?}: {e}"));
            assert_eq!(
                got.value.address(),
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                "{case:?}"
            );
            assert_eq!(got.metadata.status, 200, "{case:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_ip_needs_credentials_and_reports_the_operation() {
    let emu = emulator(Flavour::AtlasV2).await;
    let wrong = crate::common::builder(&emu, Flavour::AtlasV2)
        .digest(emu.public_key(), SecretString::from("not-the-private-key"))
        .build()
        .unwrap();
    let err = wrong.current_ip().send().await.unwrap_err();
    // Refused digest credentials end in the transport (after a fresh challenge), not as
    // an API error body.
    assert!(err.is_transport(), "{err}");
    assert_eq!(err.operation(), Some(Operation::CurrentIpInfo));
}
