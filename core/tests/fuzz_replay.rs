//! The fuzz targets' checks (`manageout_test_support::fuzz`) on stable Rust: every
//! committed corpus and crash reproducer, plus a fixed-seed sweep of mutations of them.

use manageout_test_support::fuzz as checks;
use manageout_test_support::replay::replay;

#[test]
fn farm_config_corpus_parses_validates_and_builds_without_panics() {
    replay("farm_config", 3000, checks::farm_config);
}

#[test]
fn prefix_map_diff_corpus_agrees_with_ip_network_table() {
    replay("prefix_map_diff", 1500, checks::prefix_map_diff);
}

#[test]
fn import_daserver_corpus_imports_or_rejects_without_panics() {
    replay("import_daserver", 3000, checks::import_daserver);
}

#[test]
fn render_corpus_renders_every_target_of_every_valid_farm() {
    replay("render", 1500, checks::render);
}

#[test]
fn explain_corpus_classifies_consistently() {
    replay("explain", 3000, checks::explain);
}

#[test]
fn bigip_config_corpus_audits_without_panics() {
    replay("bigip_config", 3000, checks::bigip_config);
}

#[test]
fn rest_audit_corpus_audits_rest_answers_without_panics() {
    replay("rest_audit", 3000, checks::rest_audit);
}

#[test]
fn scripts_corpus_runs_exactly_the_intended_commands_as_bash_tmsh_and_cmd_read_them() {
    replay("scripts", 1500, checks::scripts);
}
