//! A tour of the model: build, validate and print values of the Programmatic API Keys API,
//! including input the API would reject. It does no I/O (the model crate cannot).
//!
//! Run it with `cargo run -p atlas-keys-model --example tour`.

use atlas_keys_model::{
    AccessListAddress, ApiKey, CreateOrgApiKey, CreateProjectApiKey, Description, Flavour, OrgId,
    OrgRole, ProjectRole, ValidationError,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("== valid values");
    let org: OrgId = "4888442a3354817a7320eb61".parse()?;
    println!("org id          {org}");
    let create = CreateOrgApiKey::new(
        Description::new("deploy bot")?,
        vec![OrgRole::Member, "ORG_READ_ONLY".parse()?],
    )?;
    create.validate_for(Flavour::AtlasV2)?;
    println!("create org key  {}", serde_json::to_string(&create)?);
    let project_key = CreateProjectApiKey::new(
        Flavour::CloudManager.create_project_key_rule(),
        None,
        vec![ProjectRole::AutomationAdmin],
    )?;
    project_key.validate_for(Flavour::CloudManager)?;
    println!("cloud manager   {}", serde_json::to_string(&project_key)?);
    let cidr = AccessListAddress::parse("192.0.2.0/24")?;
    println!(
        "access list     {cidr}  (path segment {})",
        cidr.to_path_segment()
    );
    println!(
        "/32 is the bare address: {}",
        AccessListAddress::parse("192.0.2.7/32")? == AccessListAddress::parse("192.0.2.7")?
    );

    println!("\n== a response: the private key never prints by accident");
    let key: ApiKey = serde_json::from_str(
        r#"{"id":"5d1113b25a115342acc2d1aa","desc":"deploy bot","publicKey":"zmmrboas",
            "privateKey":"********-****-****-01bdd56c8977",
            "roles":[{"orgId":"4888442a3354817a7320eb61","roleName":"ORG_MEMBER"}]}"#,
    )?;
    println!("{key:?}");

    println!("\n== rejected input: each error names the field, the rule and the value");
    let rejected: [(&str, Result<(), ValidationError>); 6] = [
        (
            "uppercase org id",
            "4888442A3354817A7320EB61".parse::<OrgId>().map(drop),
        ),
        ("empty description", Description::new("").map(drop)),
        ("a typo in a role", "ORG_MEMBR".parse::<OrgRole>().map(drop)),
        (
            "a Cloud Manager role on Atlas",
            CreateProjectApiKey::new(
                Flavour::AtlasV2.create_project_key_rule(),
                Some(Description::new("ci")?),
                vec![ProjectRole::AutomationAdmin],
            )
            .and_then(|body| body.validate_for(Flavour::AtlasV2)),
        ),
        (
            "no roles at all",
            CreateOrgApiKey::new(Description::new("ci")?, vec![]).map(drop),
        ),
        (
            "a CIDR with host bits",
            AccessListAddress::parse("192.0.2.1/24").map(drop),
        ),
    ];
    for (what, result) in rejected {
        match result {
            Err(error) => println!("{what:32} -> {error}"),
            Ok(()) => return Err(format!("{what} was accepted but must be rejected").into()),
        }
    }
    Ok(())
}
