"""Tokens in URLs never reach the logs."""

import logging

from practice.logging import RedactSecretsFilter, redact


def test_tokens_in_paths_are_redacted():
    assert redact("Not Found: /calendar/AbC-123_x.ics") == "Not Found: /calendar/[redacted].ics"
    assert (
        redact("/r/cancel/eyJh:1x:sig/ and /invitation/MQ/abc-123/")
        == "/r/cancel/[redacted]/ and /invitation/[redacted]/"
    )
    assert redact("/clients/12/") == "/clients/12/"


def test_the_filter_rewrites_a_django_request_log_record():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/calendar/SECRET.ics",), None
    )
    assert RedactSecretsFilter().filter(record)
    assert record.getMessage() == "Not Found: /calendar/[redacted].ics" and "SECRET" not in record.getMessage()


def test_a_404_on_a_feed_address_logs_no_token(client, db, caplog):
    handler_filter = RedactSecretsFilter()
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/calendar/THE-SECRET-TOKEN.ics")
    messages = []
    for record in caplog.records:
        handler_filter.filter(record)
        messages.append(record.getMessage())
    assert messages and not any("THE-SECRET-TOKEN" in m for m in messages)


def test_the_console_handler_carries_the_filter():
    handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert handlers and all(any(isinstance(f, RedactSecretsFilter) for f in h.filters) for h in handlers)
