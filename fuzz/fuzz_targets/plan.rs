//! Plan files (TOML and JSON, with the original orchestrator's field names): any text
//! gives a plan with problems or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orc::format::{PlanSyntax, plan_from_text};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for syntax in [PlanSyntax::Toml, PlanSyntax::Json, PlanSyntax::Detect] {
        let _ = plan_from_text(text, syntax);
    }
});
