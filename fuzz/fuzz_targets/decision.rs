//! Decision records (YAML front matter + Markdown) and manifests: any text gives a value
//! or an error, never a panic; a parsed decision serialises to text that parses again
//! to the same serialisation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orc::format::{
    decision_from_markdown, decision_to_markdown, manifest_from_toml, manifest_to_toml,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = decision_from_markdown(text) {
        let once = decision_to_markdown(&d);
        let again = decision_from_markdown(&once).expect("orc's own output parses");
        assert_eq!(
            decision_to_markdown(&again),
            once,
            "serialisation is stable"
        );
    }
    if let Ok(m) = manifest_from_toml(text) {
        let once = manifest_to_toml(&m);
        let again = manifest_from_toml(&once).expect("orc's own output parses");
        assert_eq!(manifest_to_toml(&again), once, "serialisation is stable");
    }
});
