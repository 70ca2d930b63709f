"""Accounts: journalists (custom user with byline details), newsroom roles and partner API keys."""
