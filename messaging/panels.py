"""What messaging adds to the client page (registered in MessagingConfig.ready()): a panel whose
template reads the viewer's unread counts through `{% message_threads %}`."""


def client_context(client) -> dict:
    return {}
