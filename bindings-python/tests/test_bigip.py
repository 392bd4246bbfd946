"""Farm.deploy and Farm.audit_bigip against the local test BIG-IP."""

from __future__ import annotations

import pytest

import manageout
from conftest import BIGIP_PASSWORD, bigip

SEED = "examples/seed-fixed.toml"
PARTITION = "bigip/tests/fixtures/partition.toml"


def test_deploy_dry_runs_by_default_then_applies_and_leaves_nothing_to_change() -> None:
    farm = manageout.Farm.from_file(SEED)
    with bigip() as box:
        dry = farm.deploy(box.url, password=BIGIP_PASSWORD, ca_file=box.ca_file)
        assert dry["applied"] is False and dry["results"] == [] and dry["sync"] is None
        assert [(c["action"], c["class"], c["server"]) for c in dry["plan"]] == [
            ("create", "Service_L4", "DA1"),
            ("create", "Pool", "DA1"),
            ("create", "Service_L4", "DA2"),
            ("create", "Pool", "DA2"),
        ]
        assert dry["plan"][0]["prefix"] == "2131:0:0:1000::/59"
        assert box.state()["tenants"] == {}
        done = farm.deploy(box.url, password=BIGIP_PASSWORD, ca_file=box.ca_file, dry_run=False)
        assert done["applied"] is True and done["results"][0]["message"] == "success"
        assert "article_DA1_pool" in box.state()["tenants"]["Common"]["Shared"]
        again = farm.deploy(box.url, password=BIGIP_PASSWORD, ca_file=box.ca_file)
        assert again["plan"] == []
        state = box.state()
        assert state["live_tokens"] == []
        assert all(not r["problems"] for r in state["received"])


def test_another_application_in_the_tenant_survives() -> None:
    other = {"class": "Application", "template": "generic",
             "web_pool": {"class": "Pool", "members": [{"servicePort": 80, "serverAddresses": ["10.0.0.11"]}]}}
    farm = manageout.Farm.from_file(PARTITION)
    with bigip(tenants={"Mgmt": {"class": "Tenant", "web_app": other}}) as box:
        done = farm.deploy(box.url, password=BIGIP_PASSWORD, ca_file=box.ca_file, dry_run=False)
        assert done["sync"] == {"group": "/Common/failover-group", "ran": True, "status": "In Sync"}
        tenant = box.state()["tenants"]["Mgmt"]
        assert tenant["web_app"] == other
        assert tenant["lab_manageout"]["lab_DA2_pool"]["class"] == "Pool"


@pytest.mark.parametrize(
    ("behaviour", "password", "error", "code"),
    [
        ({}, "wrong", manageout.BigIpAuthError, "auth"),
        ({"as3": False}, BIGIP_PASSWORD, manageout.As3MissingError, "as3-missing"),
        ({"reject": ["/Common/Shared/article_DA2_pool: bad"]}, BIGIP_PASSWORD, manageout.DeclarationRejected, "rejected"),
        ({"busy": 1_000_000_000}, BIGIP_PASSWORD, manageout.BigIpTimeoutError, "timeout"),
    ],
)
def test_each_failure_is_a_typed_error_with_its_code(
    behaviour: dict[str, object], password: str, error: type[manageout.BigIpError], code: str
) -> None:
    farm = manageout.Farm.from_file(SEED)
    with bigip(**behaviour) as box:
        with pytest.raises(error) as caught:
            farm.deploy(box.url, password=password, ca_file=box.ca_file, timeout=0.5)
        assert caught.value.code == code
        assert isinstance(caught.value, manageout.BigIpError)
        assert password not in str(caught.value) and password not in repr(caught.value)
        if code == "rejected":
            assert caught.value.problems[0].startswith("server DA2 (pool article_DA2_pool)")
        if code == "timeout":
            assert isinstance(caught.value, TimeoutError)


def test_an_untrusted_certificate_is_a_tls_error_and_insecure_connects() -> None:
    farm = manageout.Farm.from_file(SEED)
    with bigip() as box:
        with pytest.raises(manageout.BigIpTlsError):
            farm.deploy(box.url, password=BIGIP_PASSWORD)
        assert farm.deploy(box.url, password=BIGIP_PASSWORD, insecure=True)["plan"]
        with pytest.raises(ValueError):
            farm.deploy(box.url, password=BIGIP_PASSWORD, insecure=True, ca_file=box.ca_file)


def test_a_bad_url_is_refused_before_anything_is_sent() -> None:
    farm = manageout.Farm.from_file(SEED)
    with pytest.raises(manageout.BigIpError) as caught:
        farm.deploy("http://127.0.0.1:1", password="x")
    assert caught.value.code == "url"


def test_audit_bigip_returns_the_findings_at_each_object_url() -> None:
    farm = manageout.Farm.from_file(SEED)
    stale = {"name": "old", "partition": "Common", "fullPath": "/Common/old",
             "destination": "/Common/2131:0:0:1000::.0", "mask": "ffff:ffff:ffff:ffe0::", "disabled": True}
    with bigip(objects={"ltm/virtual": [stale]}, page_max=1) as box:
        report = farm.audit_bigip(box.url, password=BIGIP_PASSWORD, ca_file=box.ca_file)
        found = {d["code"]: d for d in report["diagnostics"]}
        assert found["MO108"]["file"] == box.url + "/mgmt/tm/ltm/virtual/~Common~old"
        assert found["MO108"]["line"] is None and found["MO108"]["column"] is None
        assert report["errors"] >= 1
