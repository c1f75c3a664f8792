"""Publishing a plan to a booking system over the REST contract in `openapi.yaml`."""
