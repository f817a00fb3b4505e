"""Lists of tables that grow without end count at most a cap of rows: the same cost at any size."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice.models import AuditEvent
from practice.pagination import CappedCountPaginator


def rows(n: int) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(action="view", target_type="clients.note", target_id=str(i)) for i in range(n)
    )


def test_the_count_stops_at_the_cap_and_says_there_is_more(db):
    rows(7)
    paginator = CappedCountPaginator(AuditEvent.objects.order_by("-at"), 2, cap=5)
    assert (paginator.count, paginator.more, paginator.num_pages) == (5, True, 3)
    with CaptureQueriesContext(connection) as captured:
        counted = CappedCountPaginator(AuditEvent.objects.order_by("-at"), 2, cap=5).count
    assert counted == 5 and "LIMIT 6" in captured.captured_queries[-1]["sql"]  # never the whole table
    exact = CappedCountPaginator(AuditEvent.objects.order_by("-at"), 2, cap=10)
    assert (exact.count, exact.more) == (7, False)


def test_the_admins_audit_list_pages_without_counting_the_trail(client, admin_user):
    rows(30)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:practice_auditevent_changelist"))
    assert response.status_code == 200
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql for sql in counts), counts  # no COUNT(*) over the trail
    trail = [q["sql"] for q in captured.captured_queries if "practice_auditevent" in q["sql"]]
    assert not [sql for sql in trail if "DISTINCT" in sql.upper()]  # no filter reads every row's value
    body = response.content.decode()
    assert 'class="xfull"' not in body and "Any date" in body  # a date filter, no date hierarchy


def test_the_admins_audit_list_reads_each_rows_actor_in_the_same_query(client, admin_user):
    """Found at size L: the actor may be empty (the system's own actions), so Django's automatic
    select_related skipped it and the list read each row's actor by itself (39 queries a page)."""
    from tests.factories import UserFactory

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("admin:practice_auditevent_changelist")).status_code == 200
            return len(captured.captured_queries)

    client.force_login(admin_user)
    AuditEvent.objects.create(action="view", target_type="clients.note", target_id="0", actor=admin_user)
    page_queries()
    one_actor = page_queries()
    AuditEvent.objects.bulk_create(
        AuditEvent(action="view", target_type="clients.note", target_id=str(i), actor=UserFactory()) for i in range(12)
    )
    assert page_queries() == one_actor


def test_the_outbox_says_when_there_are_more_pages_than_it_counted(client, staff_user, monkeypatch):
    from outbox import selectors
    from outbox.services import notification_enqueue
    from tests.factories import ClientFactory

    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    member = ClientFactory().members.get()
    for i in range(5):
        notification_enqueue(kind="test_message", key=f"k{i}", target=member, member=member)
    page = selectors.outbox_page(per_page=1)
    assert (page.paginator.count, page.paginator.more) == (3, True)
    client.force_login(staff_user)
    monkeypatch.setattr(selectors, "outbox_page", lambda **kw: page)  # one row a page, as above
    assert "Page 1 of more than 3" in client.get(reverse("outbox")).content.decode()
