"""Plain helpers with no models, shared by the apps."""
