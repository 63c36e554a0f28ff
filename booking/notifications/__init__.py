"""Notifications: the outbox, its dispatcher, message rendering and the senders."""
