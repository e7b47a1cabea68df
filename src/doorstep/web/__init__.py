"""The web app: pages for coordinators and visitors over the same services as the API."""
