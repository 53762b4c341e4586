"""Bulletins: content, categories, versions and the approval workflow."""
