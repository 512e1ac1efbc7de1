//! Extending the standard architecture in Rust, the way CDK users add their own stacks.
//!
//! A team's agent reads documents from S3. This program builds the standard stacks from the config,
//! adds a `Data` stack with a KMS-encrypted, private bucket, grants the primary runtime's execution
//! role read access through the same checked grant mechanism the standard stacks use, and writes the
//! assembly with the same writer. References between the stacks (the key, the role) become exports
//! and imports by themselves.
//!
//! Run: `cargo run -p corestack-app --example extend_with_bucket -- [CONFIG] [OUT_DIR]`

use std::error::Error;
use std::path::Path;

use corestack_app::cfn::policy::Statement;
use corestack_app::cfn::resources::s3::{
    Bucket, BucketEncryption, PublicAccessBlockConfiguration, ServerSideEncryptionByDefault, ServerSideEncryptionRule,
};
use corestack_app::cfn::{Expr, Output};
use corestack_app::{Assembly, DEFAULT_CONFIG, Settings, StandardArchitecture};

/// The standard architecture plus the `Data` stack.
pub fn extended_assembly(settings: &Settings) -> Result<Assembly, Box<dyn Error>> {
    let mut arch = StandardArchitecture::build(settings)?;
    let mut data = arch.new_stack("Data", "Documents the agent reads");
    let key_arn = arch.key.key.arn();
    let bucket = data.add(
        "Documents",
        Bucket {
            bucket_encryption: Some(BucketEncryption {
                server_side_encryption_configuration: vec![ServerSideEncryptionRule {
                    server_side_encryption_by_default: Some(ServerSideEncryptionByDefault {
                        sse_algorithm: "aws:kms".into(),
                        kms_master_key_id: Some(key_arn.clone()),
                    }),
                    bucket_key_enabled: Some(true),
                }],
            }),
            public_access_block_configuration: Some(PublicAccessBlockConfiguration {
                block_public_acls: Some(true),
                block_public_policy: Some(true),
                ignore_public_acls: Some(true),
                restrict_public_buckets: Some(true),
            }),
            tags: vec![],
        },
    )?;
    let primary = &settings.runtimes[0].key;
    arch.roles[primary].grant(
        &mut data,
        "AgentReadsDocuments",
        vec![
            Statement::allow("ListDocuments", ["s3:ListBucket"], vec![bucket.arn()]),
            Statement::allow("ReadDocuments", ["s3:GetObject"], vec![Expr::join("", [bucket.arn(), "/*".into()])]),
            Statement::allow("DecryptDocuments", ["kms:Decrypt"], vec![key_arn]).when(
                "StringEquals",
                "kms:ViaService",
                Expr::sub("s3.${AWS::Region}.amazonaws.com", []),
            ),
        ],
    )?;
    data.add_output(
        "DocumentsBucketName",
        Output {
            value: bucket.as_ref(),
            description: "Bucket the agent reads documents from".into(),
            export_name: None,
        },
    )?;
    arch.add_stack(data);
    Ok(arch.synth()?)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = match args.first() {
        Some(path) => Settings::load(Path::new(path), None)?,
        None => Settings::from_toml(DEFAULT_CONFIG, Path::new("corestack.toml"), None)?,
    };
    let out = args.get(1).map(String::as_str).unwrap_or("corestack.out");
    let assembly = extended_assembly(&settings)?;
    assembly.write(Path::new(out))?;
    for stack in &assembly.manifest.stacks {
        println!("{} ({} resources)", stack.name, stack.resources);
    }
    Ok(())
}
