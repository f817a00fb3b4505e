"""`bench.run --reuse`: a kept database is measured again only when it holds what the arguments say
(the size, and the history or not); otherwise the run stops and says why."""

import pytest

from bench import run
from devdata import scale
from practice.models import AuditEvent


@pytest.fixture
def loaded(db, settings):
    settings.ALLOW_DEMO_DATA = True
    scale.seed("XS")


def test_the_same_size_is_reused(loaded, capsys):
    run._check_reused("XS", history=False)
    assert "reusing the loaded size XS" in capsys.readouterr().out


def test_another_size_stops_the_run_and_says_what_is_there(loaded):
    with pytest.raises(SystemExit) as stopped:
        run._check_reused("S", history=False)
    assert "2 therapists and 50 units, not size S" in str(stopped.value)


def test_the_history_must_be_there_when_asked_for_and_absent_when_not(loaded):
    with pytest.raises(SystemExit) as stopped:
        run._check_reused("XS", history=True)
    assert "lacks the history" in str(stopped.value)
    AuditEvent.objects.create(id=run.HISTORY_AUDIT, action="view", target_type="clients.note", target_id="1")
    run._check_reused("XS", history=True)
    with pytest.raises(SystemExit) as stopped:
        run._check_reused("XS", history=False)
    assert "has the history" in str(stopped.value)
