//! Task files: any text gives a task or an error, never a panic; a parsed task
//! serialises to text that parses back to the same serialisation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orc::format::{config_from_toml, task_from_toml, task_to_toml};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = config_from_toml(text);
    if let Ok(task) = task_from_toml(text) {
        let once = task_to_toml(&task);
        let again = task_from_toml(&once).expect("orc's own output parses");
        assert_eq!(task_to_toml(&again), once, "serialisation is stable");
    }
});
