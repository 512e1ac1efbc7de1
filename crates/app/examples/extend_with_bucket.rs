//! Extending the standard architecture in Rust, the way CDK users add their own stacks.
//!
//! A team's agent reads documents from S3. This program builds the standard stacks from the config,
//! adds a `Data` stack with a KMS-encrypted, private bucket, grants the primary runtime's execution
//! role read access through the same checked grant mechanism the standard stacks use, and writes the
//! assembly with the same writer. References between the stacks (the key, the role) become exports
//! and imports by themselves.
//!
//! The same program deploys it through the library, as `corestack deploy` does: the credentials
//! of the environment are checked, the stacks up to the image repository are deployed, the
//! runtimes' images are built (or looked up) and pinned by digest, then the rest, the `Data` stack
//! among them, are deployed in dependency order.
//!
//! Run: `cargo run -p corestack-app --example extend_with_bucket -- [CONFIG] [OUT_DIR]` (synthesize)
//! or `cargo run -p corestack-app --example extend_with_bucket -- deploy [CONFIG]` (deploy with the
//! AWS credentials the AWS CLI would use; builds with `docker buildx`).

use std::error::Error;
use std::path::Path;
use std::sync::Arc;

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

/// Prints each stack as it starts and finishes, and each image step.
struct Printer;

impl corestack_deploy::Observer for Printer {
    fn step(&self, step: corestack_deploy::Step<'_>) {
        match step {
            corestack_deploy::Step::Started { stack, .. } => eprintln!("deploying {stack}"),
            corestack_deploy::Step::Finished(r) => eprintln!("{}: {}", r.name, corestack_deploy::describe_outcome(r)),
        }
    }
    fn note(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// Deploys the extended architecture of `settings` on `project` (the configuration and docker
/// CLI to use), building images from `base`, the config's directory; returns what each stack did.
pub async fn deploy_extended(
    settings: &Settings,
    config: aws_config::SdkConfig,
    docker: corestack_deploy::image::Docker,
    base: &Path,
) -> Result<Vec<corestack_deploy::StackResult>, Box<dyn Error>> {
    let env = &settings.environment;
    let identity = corestack_deploy::preflight::preflight(&config, &env.name, env.account.as_deref(), None).await?;
    let assembly = extended_assembly(settings)?;
    let project = corestack_deploy::Project::with_config(settings, &assembly, config, identity).with_docker(docker);
    let rollout = project.prepare_deploy(corestack_deploy::image::ImageChoices::default(), base).await?;
    let observer: Arc<dyn corestack_deploy::Observer> = Arc::new(Printer);
    let record = corestack_deploy::Record::default();
    rollout.run(&project, &observer, &record).await?;
    Ok(record.results())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("deploy") {
        let path = args.get(1).cloned().unwrap_or_else(|| "corestack.toml".into());
        let settings = Settings::load(Path::new(&path), None)?;
        let base = Path::new(&path).parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let runtime = tokio::runtime::Runtime::new()?;
        let results = runtime.block_on(async {
            let (config, _) = corestack_deploy::project::connect(&settings).await?;
            deploy_extended(&settings, config, corestack_deploy::image::Docker::new(), base).await
        })?;
        for r in &results {
            println!("{} {}", r.name, corestack_deploy::describe_outcome(r));
        }
        return Ok(());
    }
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
