//! A throughput smoke test (ignored by default): 64 concurrent digest clients reading one
//! key. Run with `cargo test --release -p atlas-keys-emulator --test perf_smoke -- --ignored --nocapture`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::*;
use http::Method;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "throughput measurement, not a correctness test"]
async fn get_one_key_throughput() {
    let env = Arc::new(start().await);
    let (id, _, _) = env.create_org_key(V2, "perf", &["ORG_MEMBER"]).await;
    let path = format!("{V2}/orgs/{}/apiKeys/{id}", env.emu.org_id());
    let per_client = 500;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let env = env.clone();
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            let prompt = Mutex::new(None);
            let client = client();
            for _ in 0..per_client {
                let req = Req::new(Method::GET, &path)
                    .digest(env.emu.public_key(), env.emu.private_key());
                send_via(&client, env.emu.base_url(), &prompt, req)
                    .await
                    .unwrap()
                    .expect(200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = 64 * per_client;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{n} authenticated GETs in {secs:.2}s = {:.0}/s; stats {:?}",
        n as f64 / secs,
        env.emu.stats()
    );
}
