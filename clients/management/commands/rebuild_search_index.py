from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from clients.services import search_index_rebuild


class Command(BaseCommand):
    help = "Recompute the keyed name-search tokens of every member (run after a key rotation)."

    def handle(self, *args, **options):
        count = search_index_rebuild()
        members = ngettext("%(count)s member", "%(count)s members", count) % {"count": count}
        self.stdout.write(self.style.SUCCESS(f"Rebuilt search tokens for {members}."))
