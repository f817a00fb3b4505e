"""Client views: `records` for therapists and staff, `portal` for clients."""
