//! `orc graph`: Mermaid and DOT of the example's tasks and decisions, checked by the
//! real tools (Graphviz's `dot`, Mermaid in headless Chromium).

use std::io::Write;
use std::process::{Command, Stdio};

use crate::board::{at_later, example_repo};
use crate::browser;
use crate::harness::success;

#[test]
fn graph_of_tasks_as_mermaid_and_dot() {
    let repo = example_repo();
    insta::assert_snapshot!(success(&mut at_later(&repo, &["graph"])), @r#"
    flowchart TD
        t0["task_2f827e4f<br/>Password reset by email<br/>pending"]:::pending
        t1["architect_dd7e35f0<br/>Design the reset flow and token format<br/>completed"]:::completed
        t2["documenter_6421399d<br/>User guide: resetting your password<br/>ready"]:::ready
        t3["implementer_6a45badb<br/>Implement reset tokens and endpoints<br/>completed"]:::completed
        t4["security_f79fcae4<br/>Security review of the reset flow<br/>in_progress · @codex"]:::in_progress
        t5["tester_fbf50bb1<br/>Integration tests for reset, expiry and rate limits<br/>ready"]:::ready
        t6["implementer_b9a347f6<br/>Rate-limit login attempts<br/>ready"]:::ready
        t7["documenter_85b2705c<br/>Document rate limits for operators<br/>ready"]:::ready
        t2 -. depends on .-> t3
        t3 -. depends on .-> t1
        t4 -. depends on .-> t3
        t0 --> t1
        t0 --> t2
        t0 --> t3
        t0 --> t4
        t0 --> t5
        t5 -. depends on .-> t3
        classDef ready fill:#dbeafe,stroke:#374151,color:#111827
        classDef pending fill:#f3f4f6,stroke:#374151,color:#111827
        classDef in_progress fill:#fef3c7,stroke:#374151,color:#111827
        classDef completed fill:#dcfce7,stroke:#374151,color:#111827
    "#);
    insta::assert_snapshot!(success(&mut at_later(&repo, &["graph", "implementer_6a45", "--format", "dot"])), @r##"
    digraph tasks {
        rankdir=TB;
        node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];
        edge [fontname="Helvetica", fontsize=9];
        "implementer_6a45badb" [label="implementer_6a45badb\nImplement reset tokens and endpoints\ncompleted", fillcolor="#dcfce7"];
        "architect_dd7e35f0" [label="architect_dd7e35f0\nDesign the reset flow and token format\ncompleted", fillcolor="#dcfce7", style="rounded,filled,dashed"];
        "implementer_6a45badb" -> "architect_dd7e35f0" [style=dashed, label="depends on"];
    }
    "##);
}

#[test]
fn graph_of_decisions_as_mermaid_and_dot() {
    let repo = example_repo();
    success(&mut at_later(
        &repo,
        &[
            "decision",
            "new",
            "Hash tokens with \"Argon2\" <not SHA-256>",
            "--status",
            "accepted",
        ],
    ));
    success(&mut at_later(
        &repo,
        &["decision", "supersede", "1", "--by", "3"],
    ));
    insta::assert_snapshot!(success(&mut at_later(&repo, &["graph", "--decisions"])), @r##"
    flowchart TD
        adr_0001["ADR-0001<br/>Store reset tokens only as SHA-256 hashes<br/>superseded"]:::superseded
        adr_0002["ADR-0002<br/>End all other sessions after a password reset<br/>proposed"]:::proposed
        adr_0003["ADR-0003<br/>Hash tokens with #quot;Argon2#quot; #lt;not SHA-256#gt;<br/>accepted"]:::accepted
        t0(["architect_dd7e35f0<br/>Design the reset flow and token format"]):::task
        t1(["security_f79fcae4<br/>Security review of the reset flow"]):::task
        adr_0003 -->|supersedes| adr_0001
        adr_0001 -. for .-> t0
        adr_0002 -. for .-> t1
        classDef proposed fill:#dbeafe,stroke:#374151,color:#111827
        classDef accepted fill:#dcfce7,stroke:#374151,color:#111827
        classDef superseded fill:#e5e7eb,stroke:#374151,color:#111827
        classDef task fill:#ffffff,stroke:#9ca3af,color:#374151
    "##);
    insta::assert_snapshot!(success(&mut at_later(&repo, &["graph", "--decisions", "--format", "dot"])), @r##"
    digraph decisions {
        rankdir=TB;
        node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];
        edge [fontname="Helvetica", fontsize=9];
        "adr_0001" [label="ADR-0001\nStore reset tokens only as SHA-256 hashes\nsuperseded", fillcolor="#e5e7eb"];
        "adr_0002" [label="ADR-0002\nEnd all other sessions after a password reset\nproposed", fillcolor="#dbeafe"];
        "adr_0003" [label="ADR-0003\nHash tokens with \"Argon2\" <not SHA-256>\naccepted", fillcolor="#dcfce7"];
        "architect_dd7e35f0" [label="architect_dd7e35f0\nDesign the reset flow and token format", shape=ellipse, style=solid];
        "security_f79fcae4" [label="security_f79fcae4\nSecurity review of the reset flow", shape=ellipse, style=solid];
        "adr_0003" -> "adr_0001" [label="supersedes"];
        "adr_0001" -> "architect_dd7e35f0" [style=dashed, label="for"];
        "adr_0002" -> "security_f79fcae4" [style=dashed, label="for"];
    }
    "##);
}

#[test]
fn graph_selects_a_stream_and_refuses_unknown_ones() {
    let repo = example_repo();
    let docs = success(&mut at_later(&repo, &["graph", "--stream", "docs"]));
    assert!(
        docs.contains("documenter_85b2705c") && docs.contains("documenter_6421399d"),
        "{docs}"
    );
    assert!(!docs.contains("tester_fbf50bb1"), "{docs}");
    // The docs task depends on an implementer task of another stream: drawn, dashed.
    let dot = success(&mut at_later(
        &repo,
        &["graph", "--stream", "docs", "--format", "dot"],
    ));
    assert!(dot.contains("\"implementer_6a45badb\" [label="), "{dot}");
    assert!(dot.contains("style=\"rounded,filled,dashed\""), "{dot}");
    let err = repo.fails(&["graph", "--stream", "nope"]);
    assert!(err.contains("no task is in stream \"nope\""), "{err}");
    let err = repo.fails(&["graph", "task_ffffffff"]);
    assert!(err.contains("task_ffffffff"), "{err}");
    let json = repo.json(&["graph", "task_2f82"]);
    assert_eq!(json["nodes"].as_array().unwrap().len(), 6);
    assert_eq!(json["edges"][0]["kind"], "depends_on");
}

/// Graphviz's `dot`, or `None` after saying why the test skips (CI installs it and sets
/// `ORC_REQUIRE_GRAPHVIZ=1`).
fn graphviz() -> Option<()> {
    let found = Command::new("dot").arg("-V").output().is_ok();
    if !found {
        assert!(
            std::env::var("ORC_REQUIRE_GRAPHVIZ").as_deref() != Ok("1"),
            "ORC_REQUIRE_GRAPHVIZ=1 but `dot` is not installed (apt-get install graphviz)"
        );
        eprintln!("SKIPPED graph_dot_is_accepted_by_graphviz: no `dot` (apt-get install graphviz)");
    }
    found.then_some(())
}

fn dot_to_svg(dot: &str) -> Result<String, String> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() && out.stderr.is_empty() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn graph_dot_is_accepted_by_graphviz() {
    if graphviz().is_none() {
        return;
    }
    let repo = example_repo();
    success(&mut at_later(
        &repo,
        &["task", "add", "Quote \"this\" and a back\\slash {x}"],
    ));
    for args in [
        &["graph", "--format", "dot"][..],
        &["graph", "--decisions", "--format", "dot"],
    ] {
        let dot = success(&mut at_later(&repo, args));
        let svg = dot_to_svg(&dot).unwrap_or_else(|e| panic!("dot refused {args:?}: {e}\n{dot}"));
        assert!(svg.contains("<svg"), "{svg}");
    }
    let svg = dot_to_svg(&success(&mut at_later(
        &repo,
        &["graph", "--format", "dot"],
    )))
    .unwrap();
    assert!(
        svg.contains("Quote &quot;this&quot; and a back\\slash {x}"),
        "{svg}"
    );
    // The check can fail: a broken graph is refused.
    assert!(dot_to_svg("digraph { \"a\" -> }").is_err());
}

/// Renders each Mermaid text with mermaid.js in headless Chromium; the page reports
/// `ok` or the parser's error for each.
fn mermaid_results(chrome: &std::path::Path, mermaid_js: &str, texts: &[String]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("check.html");
    let texts_json = serde_json::to_string(texts).unwrap();
    std::fs::write(
        &page,
        format!(
            r#"<!doctype html><html><body><pre id="out">running</pre>
<script src="file://{mermaid_js}"></script>
<script>
mermaid.initialize({{ startOnLoad: false }});
(async () => {{
  const results = [];
  for (const [i, text] of {texts_json}.entries()) {{
    try {{ await mermaid.render("g" + i, text); results.push("ok"); }}
    catch (e) {{ results.push("error: " + (e.message || e)); }}
  }}
  document.getElementById("out").textContent = "RESULTS" + JSON.stringify(results);
}})();
</script></body></html>"#
        ),
    )
    .unwrap();
    let dom = browser::dump_dom(
        chrome,
        &dir.path().join("profile"),
        &format!("file://{}", page.display()),
        20_000,
    );
    let start = dom
        .find("RESULTS")
        .unwrap_or_else(|| panic!("no results:\n{dom}"))
        + 7;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[test]
fn graph_mermaid_is_accepted_by_mermaid() {
    const TEST: &str = "graph_mermaid_is_accepted_by_mermaid";
    let Some(chrome) = browser::chromium(TEST) else {
        return;
    };
    let Ok(mermaid_js) = std::env::var("ORC_MERMAID_JS") else {
        assert!(
            std::env::var("ORC_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "ORC_REQUIRE_CHROMIUM=1 but ORC_MERMAID_JS is not set (see .ci/run)"
        );
        eprintln!("SKIPPED {TEST}: ORC_MERMAID_JS (the path of mermaid.min.js) is not set");
        return;
    };
    let repo = example_repo();
    success(&mut at_later(
        &repo,
        &["task", "add", "Quote \"this\" <b>bold</b> #1 & `code` end"],
    ));
    let texts = vec![
        success(&mut at_later(&repo, &["graph"])),
        success(&mut at_later(&repo, &["graph", "--decisions"])),
        // The check can fail: a broken graph is refused.
        "flowchart TD\n    a[\"x\" --> \n".to_owned(),
    ];
    let results = mermaid_results(&chrome, &mermaid_js, &texts);
    assert_eq!(results[..2], ["ok", "ok"], "{results:?}\n{}", texts[0]);
    assert!(results[2].starts_with("error: "), "{results:?}");
}
