"""Helpers that are no resource of their own: request context, middleware, logging and metrics, the read cache,
ETags, cursors, tabular rendering, attachments, backup."""
