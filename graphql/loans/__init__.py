"""The loans area of the API."""
