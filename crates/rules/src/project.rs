//! The check of a project, as synth, check and deploy run it: the config's suppressions applied
//! to the assembly its settings synthesize. A library user gets the same verdict as the CLI.

use corestack_app::{Assembly, Settings, SynthError};

use crate::{Model, Report, Suppression};

/// The config's `[[check.suppressions]]`, as the check takes them.
pub fn suppressions(settings: &Settings) -> Vec<Suppression> {
    settings
        .suppressions
        .iter()
        .map(|s| Suppression { rule: s.rule.clone(), resource: s.resource.clone(), reason: s.reason.clone() })
        .collect()
}

/// The check of a synthesized assembly, with the config's suppressions.
pub fn check_assembly(settings: &Settings, assembly: &Assembly) -> Report {
    let model = Model::new(assembly.documents(), settings.environment.production);
    crate::check(&model, &suppressions(settings))
}

/// Synthesizes the project and checks what it made: the assembly and its report (which fails
/// on an unsuppressed error; the caller decides whether that stops it).
pub fn synth_and_check(settings: &Settings) -> Result<(Assembly, Report), SynthError> {
    let assembly = corestack_app::synth(settings)?;
    let report = check_assembly(settings, &assembly);
    Ok((assembly, report))
}

/// The findings as the terminal shows them (nothing when there are none) and, when the check
/// failed and that stops the command, the line that says what did not happen: `refused`.
pub fn findings_text(report: &Report, color: bool, refused: Option<&str>) -> String {
    let mut text = String::new();
    if !report.findings.is_empty() {
        text = crate::report::render(report, crate::report::Format::Text, color);
    }
    if let (true, Some(refused)) = (report.failed(), refused) {
        text.push_str(&format!("corestack: the check found errors, so {refused}\n"));
    }
    text
}
