//! Configurations used by tests and benchmarks, built from the default one.

use crate::DEFAULT_CONFIG;

/// The default config with `n` runtimes instead of one; every fourth runtime has two named endpoints
/// and a forwarded header, every third a different model.
pub fn many_runtimes(n: usize) -> String {
    let head = DEFAULT_CONFIG.split("\n[[runtimes]]\n").next().expect("the default config has a runtimes section");
    let tail = DEFAULT_CONFIG.split("\n[environments.dev]\n").nth(1).expect("the default config has a dev environment");
    let mut text = format!("{head}\n");
    for i in 0..n {
        let model = if i % 3 == 0 { "us.amazon.nova-pro-v1:0" } else { "us.anthropic.claude-haiku-5-5" };
        text.push_str(&format!(
            "[[runtimes]]\nname = \"agent_{i:03}\"\ndescription = \"Agent {i}\"\nimage_tag = \"v{i}\"\nmodels = [\"{model}\"]\n"
        ));
        if i % 4 == 0 {
            text.push_str("request_header_allowlist = [\"X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant\"]\n");
            text.push_str("[runtimes.environment]\nAGENT_INDEX = \"");
            text.push_str(&i.to_string());
            text.push_str(
                "\"\n[[runtimes.endpoints]]\nname = \"prod\"\n[[runtimes.endpoints]]\nname = \"canary\"\nversion = 1\n",
            );
        }
        text.push('\n');
    }
    text.push_str("\n[environments.dev]\n");
    text.push_str(tail);
    text
}
