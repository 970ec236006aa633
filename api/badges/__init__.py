"""Badge jobs, previews and downloads: the render engine behind the HTTP API and the job runner."""
