"""The claims area of the API."""
