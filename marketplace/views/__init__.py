"""Pages of the marketplace. Rules live in permissions, selectors and services."""
