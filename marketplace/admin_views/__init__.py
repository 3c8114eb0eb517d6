"""Bureau screens in the Wagtail admin: the review queue (spec §3) and the code lists (spec §2).

Views here only call the listing services and selectors; every rule lives there.
"""
