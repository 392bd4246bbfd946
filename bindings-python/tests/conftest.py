import json
import os
import ssl
import subprocess
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _repo_root() -> None:
    # example farms are read by paths relative to the repository root
    os.chdir(ROOT)


class TestBigIp:
    """A running test BIG-IP (test-bigip/, started as a process)."""

    def __init__(self, url: str, ca_file: str, proc: "subprocess.Popen[str]") -> None:
        self.url = url
        self.ca_file = ca_file
        self._proc = proc

    def state(self) -> dict[str, Any]:
        context = ssl.create_default_context(cafile=self.ca_file)
        with urllib.request.urlopen(self.url + "/__test__/state", context=context) as r:
            state: dict[str, Any] = json.load(r)
            return state


def test_bigip_binary() -> Path:
    """The test BIG-IP: $MANAGEOUT_TEST_BIGIP (scripts/test sets it), else built."""
    given = os.environ.get("MANAGEOUT_TEST_BIGIP")
    if given:
        return Path(given)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    subprocess.run(["cargo", "build", "-q", "-p", "manageout-test-bigip"], cwd=ROOT, check=True)
    return target / "debug" / "manageout-test-bigip"


@contextmanager
def bigip(**behaviour: Any) -> Iterator[TestBigIp]:
    behaviour.setdefault("password", BIGIP_PASSWORD)
    proc = subprocess.Popen(
        [str(test_bigip_binary()), json.dumps(behaviour)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    info = json.loads(proc.stdout.readline())
    try:
        yield TestBigIp(info["url"], info["ca_file"], proc)
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait(timeout=30)


BIGIP_PASSWORD = "py-s3cret!'\" pass"
