"""The HTTP API: a thin front door onto the services, as the command line is."""
