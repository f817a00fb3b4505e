"""Messages are not in the admin: their text is clinical, and nobody reads it there. The therapist's
notice choice is kept on their own page (messaging:notice_preference)."""
