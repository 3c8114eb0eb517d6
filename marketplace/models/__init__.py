from marketplace.models.listings import Achievement, ListingStatus, Need

__all__ = ["Achievement", "ListingStatus", "Need"]
