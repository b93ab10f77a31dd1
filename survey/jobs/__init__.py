"""Long work off the request path: jobs that a worker runs, with progress people can see."""
