"""Every [Z] check passes on its derivation and fails on each of its corruptions (`@check(..., corruptions=...)`)."""
import pytest

from mesaverify.checks.core.registry import all_checks, select
from tests.checkparams import corruption_params

ZHENG = {cid: c for cid, c in select(all_checks(), tags=("zheng",)).items() if "training" not in c.tags}


def test_every_check_has_corruptions():
    assert all(c.corruptions for c in ZHENG.values()), [cid for cid, c in ZHENG.items() if not c.corruptions]


@pytest.fixture(scope="module")
def derived():
    return {cid: c.derived() for cid, c in ZHENG.items()}


@pytest.mark.parametrize("cid", sorted(ZHENG))
def test_check_passes(cid, derived):
    result = ZHENG[cid].compare(derived[cid])
    assert result.passed, result.evidence


@pytest.mark.parametrize("cid,n", corruption_params(ZHENG[cid] for cid in sorted(ZHENG)))
def test_check_fails_on_corruption(cid, n, derived):
    corrupted = ZHENG[cid].corruptions[n](derived[cid])
    assert corrupted != derived[cid], "the corruption must change the expression"
    result = ZHENG[cid].compare(corrupted)
    assert not result.passed, f"corruption {n} of {cid} survived: {result.evidence}"
