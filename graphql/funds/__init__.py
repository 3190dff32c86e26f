"""The funds area of the API."""
