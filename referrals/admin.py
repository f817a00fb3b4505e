from django.contrib import admin

from referrals.models import Referrer


@admin.register(Referrer)
class ReferrerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "speciality", "email"]
    list_filter = ["kind"]
    search_fields = ["name", "organisation", "email"]
