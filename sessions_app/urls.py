from django.urls import path

from sessions_app.views import calendar, feed, links, settings_views, sms

app_name = "sessions_app"

urlpatterns = [
    # Therapist and staff calendar
    path("schedule/", calendar.schedule, name="schedule"),
    path("schedule/new/", calendar.appointment_new, name="appointment_new"),
    path("schedule/appointments/<int:appointment_id>/", calendar.appointment_detail, name="appointment"),
    path("schedule/appointments/<int:appointment_id>/move/", calendar.appointment_move, name="appointment_move"),
    path("schedule/appointments/<int:appointment_id>/cancel/", calendar.appointment_cancel, name="appointment_cancel"),
    path("schedule/appointments/<int:appointment_id>/mark/", calendar.appointment_mark, name="appointment_mark"),
    path("schedule/availability/", calendar.availability_settings, name="availability"),
    path("schedule/availability/hours/<int:block_id>/delete/", calendar.working_hours_delete, name="hours_delete"),
    path("schedule/availability/time-off/<int:time_off_id>/delete/", calendar.time_off_delete, name="time_off_delete"),
    path("schedule/feed/reset/", calendar.feed_reset, name="feed_reset"),
    # Confirm and cancel links in reminders (signed tokens, no sign-in)
    path("r/<str:action>/<str:token>/", links.link, name="link"),
    # Public, secret, revocable: calendar applications subscribe to it
    path("calendar/<str:token>.ics", feed.ics, name="feed"),
    path("calendar/member/<str:token>.ics", feed.member_ics, name="member_feed"),
    # Twilio's inbound texts (signed by Twilio)
    path("sms/twilio/inbound/", sms.twilio_inbound, name="sms_inbound"),
    # Reminder schedules: the practice's (admins), a therapist's own, a member's (treating therapist)
    path("schedule/reminders/", settings_views.reminder_settings, name="reminder_settings"),
    path(
        "schedule/reminders/clients/<int:client_id>/members/<int:member_id>/",
        settings_views.member_reminders,
        name="member_reminders",
    ),
]
