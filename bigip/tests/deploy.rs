//! Deploy and live audit against the local test BIG-IP (HTTPS on 127.0.0.1):
//! what is created, what survives, and every way the remote side can fail.

use std::time::Duration;

use manageout::ValidFarm;
use manageout_bigip::deploy::{self, Action};
use manageout_bigip::{Error, Password, Session, Settings, Target, Trust, audit};
use manageout_test_bigip::Server;
use serde_json::{Value, json};

const PASSWORD: &str = "pa$$ w0rd'\"";

fn farm(path: &str) -> ValidFarm {
    manageout::Farm::from_file(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .into_valid_farm()
        .unwrap()
}

fn seed() -> ValidFarm {
    farm("../examples/seed-fixed.toml")
}

fn partition_farm() -> ValidFarm {
    farm("tests/fixtures/partition.toml")
}

fn server(behaviour: Value) -> Server {
    let mut b = behaviour;
    if b.get("password").is_none() {
        b["password"] = json!(PASSWORD);
    }
    Server::start(b)
}

fn settings(server: &Server) -> Settings {
    let mut s = Settings::default();
    s.trust = Trust::CaFile(server.ca_file().to_owned());
    s.retry_pause = Duration::from_millis(5);
    s.poll_interval = Duration::from_millis(5);
    s.busy_for = Duration::from_secs(5);
    s
}

fn login(server: &Server) -> Session {
    login_with(server, &settings(server))
}

fn login_with(server: &Server, settings: &Settings) -> Session {
    let target = Target::parse(server.url()).unwrap();
    Session::login(&target, Password::new(PASSWORD.to_owned()), settings).unwrap()
}

fn deployed(server: &Server, farm: &ValidFarm) -> deploy::Applied {
    let mut session = login(server);
    let prepared = deploy::prepare(&mut session, farm).unwrap();
    prepared.apply(&mut session, &mut |_| {}).unwrap()
}

/// Every declaration the server received is valid for F5's schema and formats.
fn assert_all_valid(server: &Server) {
    for r in &server.state().received {
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }
}

/// A plan entry: action, path, class, server, prefix.
type Row<'a> = (Action, &'a str, &'a str, Option<&'a str>, Option<String>);

#[test]
fn a_dry_run_lists_each_object_in_the_farms_terms_and_changes_nothing() {
    let server = server(json!({}));
    let mut session = login(&server);
    let prepared = deploy::prepare(&mut session, &seed()).unwrap();
    assert_eq!(prepared.as3_version(), "3.50.0");
    let plan: Vec<Row<'_>> = prepared
        .plan()
        .iter()
        .map(|c| {
            (
                c.action,
                c.path.as_str(),
                c.class.as_str(),
                c.server.as_deref(),
                c.prefix.clone(),
            )
        })
        .collect();
    assert_eq!(
        plan,
        [
            (
                Action::Create,
                "/Common/Shared/article_DA1_client",
                "Service_L4",
                Some("DA1"),
                Some("2131:0:0:1000::/59".into())
            ),
            (
                Action::Create,
                "/Common/Shared/article_DA1_pool",
                "Pool",
                Some("DA1"),
                None
            ),
            (
                Action::Create,
                "/Common/Shared/article_DA2_client",
                "Service_L4",
                Some("DA2"),
                Some("2131:0:0:1020::/59".into())
            ),
            (
                Action::Create,
                "/Common/Shared/article_DA2_pool",
                "Pool",
                Some("DA2"),
                None
            ),
        ]
    );
    let state = server.state();
    assert!(state.tenants.is_empty(), "a dry run changed the box");
    let dry = &state.received[0];
    assert!(dry.dry_run);
    assert_eq!(
        dry.request["declaration"]["controls"]["traceResponse"],
        true
    );
    assert!(dry.problems.is_empty(), "{:?}", dry.problems);
}

#[test]
fn apply_posts_asynchronously_polls_the_task_and_a_second_deploy_changes_nothing() {
    let server = server(json!({"task_polls": 3}));
    let mut session = login(&server);
    let prepared = deploy::prepare(&mut session, &seed()).unwrap();
    let mut progress = Vec::new();
    let applied = prepared
        .apply(&mut session, &mut |line| progress.push(line.to_owned()))
        .unwrap();
    assert_eq!(progress.len(), 3, "{progress:?}");
    assert!(
        progress[0].starts_with("waiting for AS3 task task-"),
        "{progress:?}"
    );
    assert_eq!(applied.results[0]["message"], "success");
    assert!(applied.sync.is_none());
    {
        let state = server.state();
        let shared = &state.tenants["Common"]["Shared"];
        assert_eq!(shared["article_DA1_pool"]["remark"], "manageout:article");
        assert!(
            state
                .log
                .iter()
                .any(|l| l.path == "/mgmt/shared/appsvcs/declare?async=true")
        );
    }
    let again = deploy::prepare(&mut session, &seed()).unwrap();
    assert!(again.plan().is_empty(), "{:?}", again.plan());
    assert_all_valid(&server);
}

#[test]
fn another_application_in_the_tenant_survives_and_only_manageouts_is_replaced() {
    let other = json!({"class": "Application", "template": "generic",
        "web": {"class": "Service_HTTP", "virtualAddresses": ["10.0.0.10"], "pool": "web_pool"},
        "web_pool": {"class": "Pool", "members": [{"servicePort": 80, "serverAddresses": ["10.0.0.11"]}]}});
    let old_ours = json!({"class": "Application", "template": "generic", "remark": "manageout:lab",
        "lab_DA9_pool": {"class": "Pool", "remark": "manageout:lab", "members": [{"servicePort": 0, "serverAddresses": ["2131::901"], "shareNodes": true}]}});
    let server = server(
        json!({"tenants": {"Mgmt": {"class": "Tenant", "web_app": other, "lab_manageout": old_ours}}}),
    );
    let farm = partition_farm();
    let mut session = login(&server);
    let prepared = deploy::prepare(&mut session, &farm).unwrap();
    let deleted: Vec<&str> = prepared
        .plan()
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(deleted, ["/Mgmt/lab_manageout/lab_DA9_pool"]);
    assert!(
        prepared
            .plan()
            .iter()
            .all(|c| c.path.starts_with("/Mgmt/lab_manageout/"))
    );
    let applied = prepared.apply(&mut session, &mut |_| {}).unwrap();
    let sync = applied.sync.unwrap();
    assert_eq!(sync.group, "/Common/failover-group");
    assert!(sync.ran);
    assert_eq!(sync.status.as_deref(), Some("In Sync"));
    let state = server.state();
    let tenant = &state.tenants["Mgmt"];
    assert_eq!(tenant["web_app"], other, "another application was changed");
    assert!(tenant["lab_manageout"]["lab_DA9_pool"].is_null());
    assert_eq!(tenant["lab_manageout"]["lab_DA1_pool"]["class"], "Pool");
    let posted = state.received.last().unwrap();
    assert_eq!(posted.request["syncToGroup"], "/Common/failover-group");
    assert_eq!(
        posted.before["Mgmt"]["web_app"],
        posted.request["declaration"]["Mgmt"]["web_app"]
    );
    drop(state);
    assert_all_valid(&server);
}

#[test]
fn in_common_only_manageouts_objects_of_shared_are_replaced() {
    let theirs = json!({"class": "Pool", "remark": "the monitoring team's",
        "members": [{"servicePort": 443, "serverAddresses": ["2131::99"]}]});
    let stale = json!({"class": "Pool", "remark": "manageout:article",
        "members": [{"servicePort": 0, "serverAddresses": ["2131::301"], "shareNodes": true}]});
    let server = server(json!({"tenants": {"Common": {"class": "Tenant", "Shared": {
        "class": "Application", "template": "shared", "monitoring_pool": theirs, "article_DA3_pool": stale}}}}));
    let mut session = login(&server);
    let prepared = deploy::prepare(&mut session, &seed()).unwrap();
    let delete: Vec<&str> = prepared
        .plan()
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(delete, ["/Common/Shared/article_DA3_pool"]);
    prepared.apply(&mut session, &mut |_| {}).unwrap();
    let state = server.state();
    let shared = &state.tenants["Common"]["Shared"];
    assert_eq!(shared["monitoring_pool"], theirs);
    assert!(shared["article_DA3_pool"].is_null());
    assert_eq!(shared["article_DA2_client"]["class"], "Service_L4");
}

#[test]
fn an_object_manageout_did_not_create_is_never_overwritten() {
    let server = server(json!({"tenants": {"Common": {"class": "Tenant", "Shared": {
        "class": "Application", "template": "shared",
        "article_DA1_pool": {"class": "Pool", "remark": "hand-made"}}}}}));
    let mut session = login(&server);
    let err = deploy::prepare(&mut session, &seed()).unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err}");
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.to_string().contains("/Common/Shared/article_DA1_pool"),
        "{err}"
    );
    assert!(server.state().received.is_empty(), "nothing may be posted");
}

#[test]
fn a_busy_box_is_retried_then_given_up_on_after_the_bound() {
    let server = server(json!({"busy": 2}));
    let mut session = login(&server);
    assert!(deploy::prepare(&mut session, &seed()).is_ok());
    let busy = server
        .state()
        .log
        .iter()
        .filter(|l| l.path == "/mgmt/shared/appsvcs/declare")
        .count();
    assert_eq!(busy, 3);

    let server = self::server(json!({"busy": 1_000_000}));
    let mut s = settings(&server);
    s.busy_for = Duration::from_millis(50);
    let mut session = login_with(&server, &s);
    let err = deploy::prepare(&mut session, &seed()).unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert_eq!(err.exit_code(), 3);
}

#[test]
fn a_422_is_mapped_back_to_the_server_and_prefix_it_came_from() {
    let server = server(json!({"reject": [
        "/Common/Shared/article_DA2_client/virtualAddresses/0: should match format \"f5ip\"",
        "/Common/Shared/unrelated: whatever"]}));
    let mut session = login(&server);
    let err = deploy::prepare(&mut session, &seed()).unwrap_err();
    let Error::Rejected { problems, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        problems[0]
            .starts_with("server DA2, prefix 2131:0:0:1020::/59 (virtual article_DA2_client): "),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("/Common/Shared/unrelated"),
        "{problems:?}"
    );
    assert_eq!((err.code(), err.exit_code()), ("rejected", 1));
}

#[test]
fn a_failed_task_leaves_the_box_as_it_was_and_says_so() {
    let server = server(
        json!({"task_fails": {"code": 500, "message": "declaration failed",
        "response": "01020036:3: The requested pool member was not found", "tenant": "Common"}}),
    );
    let mut session = login(&server);
    let prepared = deploy::prepare(&mut session, &seed()).unwrap();
    let err = prepared.apply(&mut session, &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::TaskFailed { .. }), "{err}");
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("holds what AS3 left"), "{err}");
    assert!(server.state().tenants.is_empty());
}

#[test]
fn a_task_that_fails_validation_is_a_rejection() {
    let server = server(
        json!({"task_fails": {"code": 422, "message": "declaration failed",
        "response": "/Common/Shared/article_DA1_pool: invalid member", "tenant": "Common"}}),
    );
    let mut session = login(&server);
    let prepared = deploy::prepare(&mut session, &seed()).unwrap();
    let err = prepared.apply(&mut session, &mut |_| {}).unwrap_err();
    let Error::Rejected { problems, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        problems[0].starts_with("server DA1 (pool article_DA1_pool)"),
        "{problems:?}"
    );
}

#[test]
fn wrong_credentials_are_an_authentication_error_that_never_shows_the_password() {
    let server = server(json!({}));
    let target = Target::parse(server.url()).unwrap();
    let err = Session::login(
        &target,
        Password::new("wrong-secret-42".into()),
        &settings(&server),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err}");
    assert_eq!(err.exit_code(), 3);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("wrong-secret-42"), "{shown}");
}

#[test]
fn no_as3_is_said_with_how_to_install_it() {
    let server = server(json!({"as3": false}));
    let mut session = login(&server);
    let err = deploy::prepare(&mut session, &seed()).unwrap_err();
    assert!(matches!(err, Error::As3Missing), "{err}");
    assert!(err.to_string().contains("install the f5-appsvcs RPM"));
}

#[test]
fn an_expired_token_is_renewed_by_logging_in_again() {
    let server = server(json!({"token_uses": 3}));
    deployed(&server, &seed());
    let logins = server
        .state()
        .log
        .iter()
        .filter(|l| l.path == "/mgmt/shared/authn/login")
        .count();
    assert!(logins >= 2, "{logins}");
    assert!(!server.state().tenants.is_empty());
}

#[test]
fn the_token_is_deleted_at_the_end_and_the_password_is_only_in_the_login() {
    let server = server(json!({}));
    let session = login(&server);
    session.logout();
    let state = server.state();
    assert_eq!(state.deleted_tokens.len(), 1);
    assert!(state.tokens.is_empty());
    let login = state
        .log
        .iter()
        .find(|l| l.path == "/mgmt/shared/authn/login")
        .unwrap();
    assert_eq!(login.body["loginProviderName"], "tmos");
    // the server logs the password as *** : no request but the login carried it
    for l in &state.log {
        assert!(
            !l.body.to_string().contains(PASSWORD),
            "{} {}",
            l.method,
            l.path
        );
        assert!(!l.path.contains("w0rd"));
    }
}

#[test]
fn a_token_that_could_rewrite_the_request_path_is_refused() {
    let server = server(json!({"token": "ABC/../../mgmt/tm/sys?x=1"}));
    let target = Target::parse(server.url()).unwrap();
    let err =
        Session::login(&target, Password::new(PASSWORD.into()), &settings(&server)).unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err}");
    assert_eq!(err.exit_code(), 3);
    assert!(
        server.state().log.iter().all(|l| !l.path.contains("..")),
        "the token was used in a path"
    );
}

#[test]
fn an_untrusted_certificate_is_a_tls_error_and_insecure_connects() {
    let server = server(json!({}));
    let target = Target::parse(server.url()).unwrap();
    let mut s = settings(&server);
    s.trust = Trust::System;
    let err = Session::login(&target, Password::new(PASSWORD.into()), &s).unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err}");
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("--ca-file"), "{err}");
    s.trust = Trust::Insecure;
    assert!(Session::login(&target, Password::new(PASSWORD.into()), &s).is_ok());
}

#[test]
fn a_slow_answer_times_out() {
    let server = server(json!({"slow": "/mgmt/shared/appsvcs/info", "slow_ms": 600_000}));
    let mut s = settings(&server);
    s.read_timeout = Duration::from_millis(200);
    let mut session = login_with(&server, &s);
    let err = deploy::prepare(&mut session, &seed()).unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert_eq!(err.exit_code(), 3);
}

#[test]
fn nothing_listens_is_a_connection_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let target = Target::parse(&format!("https://127.0.0.1:{port}")).unwrap();
    let err = Session::login(&target, Password::new("x".into()), &Settings::default()).unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err}");
    assert_eq!(err.exit_code(), 3);
}

#[test]
fn a_deployed_farm_audits_clean_over_rest_across_pages() {
    let server = server(json!({"page_max": 1}));
    deployed(&server, &seed());
    let mut session = login(&server);
    let report = audit::audit(&mut session, &seed()).unwrap();
    assert!(!report.has_errors(), "{}", report.render(false));
    let pages = server
        .state()
        .log
        .iter()
        .filter(|l| l.path.starts_with("/mgmt/tm/ltm/virtual?"))
        .count();
    assert!(pages >= 2, "{pages}");
}

#[test]
fn a_broken_live_virtual_is_found_at_its_url() {
    let server = server(json!({"objects": {"ltm/virtual": [{
        "kind": "tm:ltm:virtual:virtualstate", "name": "old_da1", "partition": "Common", "fullPath": "/Common/old_da1",
        "destination": "/Common/2131:0:0:1000::.0", "mask": "ffff:ffff:ffff:ffe0::",
        "pool": "/Common/old_pool", "translateAddress": "enabled"}]}}));
    let mut session = login(&server);
    let report = audit::audit(&mut session, &seed()).unwrap();
    let json = report.to_json();
    let d = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "MO106")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(
        d["file"],
        format!("{}/mgmt/tm/ltm/virtual/~Common~old_da1", server.url())
    );
    assert!(d["line"].is_null());
    assert!(d["message"].as_str().unwrap().contains("/Common/old_da1"));
}
