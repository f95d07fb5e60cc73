"""Shared by every layer and importing none of them: settings, the database, Redis, encryption, the
error family and the runtime table."""
