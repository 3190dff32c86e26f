"""The parties area of the API."""
