"""What runs: the FastAPI app factory (the composition root), its routes and the CLI."""
