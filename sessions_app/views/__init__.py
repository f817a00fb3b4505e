"""Scheduling views: `home` (portal home), `calendar` (therapists and staff), `booking` (clients),
`feed` (the ICS feed)."""
