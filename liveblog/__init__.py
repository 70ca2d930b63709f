"""Liveblog: the Django project package and the main app (events, posts, speakers, quotes)."""
